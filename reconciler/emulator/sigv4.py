"""``--auth-check``: verify SigV4 signatures (service neptune-db) against configured key pairs, so
a signing bug fails a test instead of passing silently. Uses botocore's signer, nothing of the tool."""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping

_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request,"
    r"\s*SignedHeaders=(?P<signed>[^,]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)


def check(
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    keys: Mapping[str, str],
    region: str,
    service: str = "neptune-db",
) -> str | None:
    """None when the request is signed by one of ``keys`` for ``region`` and ``service`` (neptune-db,
    or execute-api for the export service); else why not."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    lowered = {k.lower(): v for k, v in headers.items()}
    m = _AUTH.match(lowered.get("authorization", ""))
    if m is None:
        return "Missing Authentication Token"
    if m["key"] not in keys:
        return "The security token included in the request is invalid"
    if (m["region"], m["service"]) != (region, service):
        return f"Credential should be scoped to a valid region ({region}) and service ({service})"
    signed = m["signed"].split(";")
    if "host" not in signed or "x-amz-date" not in signed or any(h not in lowered for h in signed):
        return "Signed headers are missing from the request"
    request = AWSRequest(
        method=method, url=f"http://{lowered['host']}{path}", data=body,
        headers={h: lowered[h] for h in signed if h != "host"},
    )  # fmt: skip
    request.context["timestamp"] = lowered["x-amz-date"]
    signer = SigV4Auth(
        Credentials(m["key"], keys[m["key"]], lowered.get("x-amz-security-token")), service, region
    )
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    if not hmac.compare_digest(expected, m["signature"]):
        return "The request signature we calculated does not match the signature you provided"
    return None
