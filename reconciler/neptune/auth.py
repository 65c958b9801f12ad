"""SigV4 for requests, signing with botocore (service ``neptune-db``; the export API's is ``execute-api``)."""

from __future__ import annotations

import logging
from typing import Any

from ..aws import checked_credentials
from ..errors import ConfigError

SERVICE = "neptune-db"

# botocore's signer logs the canonical request (with the session token) and the signature at
# DEBUG; credentials must never reach a log, whatever level the user asks for.
logging.getLogger("botocore.auth").setLevel(logging.WARNING)


class SigV4Auth:
    """Signs each request as it is sent (so every retry gets a fresh signature)."""

    def __init__(self, credentials: Any, region: str, service: str = SERVICE) -> None:
        # botocore (~0.1 s to import) only for a client that signs
        from botocore.auth import SigV4Auth as signer
        from botocore.awsrequest import AWSRequest

        self._signer, self._request = signer, AWSRequest
        self.credentials = credentials
        self.region = region
        self.service = service

    def sign(self, method: str, url: str, body: bytes | None, content_type: str | None) -> dict[str, str]:
        """The headers that sign this request (Authorization, X-Amz-Date, the session token)."""
        frozen = checked_credentials(self.credentials)
        aws = self._request(
            method=method, url=url, data=body or b"",
            headers={"Content-Type": content_type} if content_type else {},
        )  # fmt: skip
        self._signer(frozen, self.service, self.region).add_auth(aws)
        names = ("Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-SHA256")
        return {name: aws.headers[name] for name in names if name in aws.headers}

    def __repr__(self) -> str:  # never show credentials, even in a debugger
        return f"SigV4Auth(service={self.service!r}, region={self.region!r})"


def from_default_chain(region: str, profile: str | None = None, service: str = SERVICE) -> SigV4Auth:
    """botocore's standard chain: env, shared files/profile, SSO, container and instance roles."""
    import botocore.session

    session = botocore.session.Session(profile=profile)
    credentials = session.get_credentials()
    if credentials is None:
        raise ConfigError(
            "auth: iam but no AWS credentials were found",
            "set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where a role is attached",
        )
    return SigV4Auth(credentials, region, service)
