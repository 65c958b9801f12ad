"""The Neptune-Export service's client: its own endpoint (the stack's ``NeptuneExportApiUri``), its
own signature (SigV4 for ``execute-api``), its own ids and words.

The engine calls it as it calls every resource (create, get), with the reconciler's handle for an
export as the id. This client maps a handle to the service's job id (learned from the ledger, or
from the answer of the create that made it) and answers in the core's words: ``succeeded`` is
Completed, ``failed`` Failed, every other Batch state InProgress; ``outputS3Uri`` is the job's
output. An export whose job id was never learned (a run stopped between the request and its
answer) is looked for by its completion file, which the reconciler places at an address derived
from the handle: found, it is Completed; not found, it is ``Unconfirmed``: it may be running.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..aws import list_keys
from ..core.live import UNCONFIRMED
from ..errors import ConfigError
from ..manifests.config import Settings
from .client import NeptuneClient, _segment
from .errors import ApiError, BadRequestError, NotFoundError

SERVICE = "execute-api"
STATUSES = {"succeeded": "Completed", "failed": "Failed"}
ACTIVE = ("submitted", "pending", "runnable", "starting", "running")
COMPLETION_MAX = 64 * 1024


@dataclass(frozen=True)
class Known:
    """What the ledger knows of one export: the service's job id, and where its completion file goes."""

    service_id: str | None = None
    completion: str | None = None  # the completionFileS3Path it was (or was about to be) sent with
    pending: bool = False  # a create may have been sent, its answer not recorded


class ExportClient:
    """Start an export and read one, by the reconciler's handle."""

    def __init__(self, http: NeptuneClient, s3: Callable[[], Any] | None = None) -> None:
        self.http = http  # the plumbing (deadline, retries, redaction, SigV4) on the export URI
        self.make_s3 = s3  # an S3 client for completion files, made when first needed
        self.s3: Any = None
        self.endpoint = http.endpoint
        self.known: dict[str, Known] = {}
        self._lock = threading.Lock()

    def learn(self, known: Mapping[str, tuple[str | None, str | None, bool]]) -> None:
        """(service job id, completionFileS3Path, pending) of each handle, as the ledger holds them."""
        with self._lock:
            for handle, (service_id, completion, pending) in known.items():
                had = self.known.get(handle, Known())
                self.known[handle] = Known(
                    service_id or had.service_id, completion or had.completion, pending
                )

    def create(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """POST the request (the handle in ``id`` is ours: not sent). Never retried: the service
        takes no idempotency key, so a lost answer can't be told from a failed call; the intent and
        the completion file settle it."""
        handle = str(params.get("id", ""))
        body = {k: v for k, v in params.items() if k != "id"}
        doc = self.http._call("POST", "", body=body, retry=False)
        job = doc.get("jobId")
        if not isinstance(job, str) or not job:
            raise ApiError(f"POST {self.endpoint}: the answer has no 'jobId'; is it the Neptune-Export API?")
        self.learn({handle: (job, str(body.get("completionFileS3Path") or "") or None, False)})
        return {"id": handle, "serviceId": job, "jobName": doc.get("jobName")}

    def get(self, handle: str) -> dict[str, Any]:
        known = self.known.get(handle, Known())
        if known.service_id is None:
            return self._find(handle, known)
        try:
            doc = self.http._call("GET", f"/{_segment(known.service_id)}")
        except BadRequestError as e:
            if e.status == 404:
                raise NotFoundError(str(e), status=404) from None
            raise
        raw = str(doc.get("status", ""))
        status = STATUSES.get(raw, "InProgress" if raw in ACTIVE else raw or "Unknown")
        out: dict[str, Any] = {
            "id": handle, "status": status, "serviceStatus": raw, "serviceId": known.service_id,
            "jobName": doc.get("jobName"), "outputS3Uri": doc.get("outputS3Uri"), "logs": doc.get("logs"),
        }  # fmt: skip
        if status == "Failed":
            out["failureReason"] = doc.get("statusReason") or doc.get("reason") or "the export failed"
        return out

    def _find(self, handle: str, known: Known) -> dict[str, Any]:
        """An export whose job id is unknown: Completed when its completion file is there; else
        Unconfirmed if a create of it may have been sent, not found otherwise."""
        completion = known.completion
        if not completion:
            raise NotFoundError(f"export {handle}: the ledger knows no export of that id")
        bucket, _, prefix = completion.removeprefix("s3://").partition("/")
        prefix = prefix.strip("/") + "/"
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            keys = self._completions(bucket, prefix)
            if not keys and known.pending:
                return {"id": handle, "status": UNCONFIRMED, "completion": completion}
            if not keys:
                raise NotFoundError(f"export {handle}: no completion file under {completion}")
            got = self._s3().get_object(Bucket=bucket, Key=keys[0], Range=f"bytes=0-{COMPLETION_MAX - 1}")
            doc = json.loads(got["Body"].read())
        except (ClientError, BotoCoreError, ValueError) as e:
            raise ApiError(
                f"export {handle}: cannot read its completion file under {completion}: {e}"
            ) from None
        found = (doc.get("neptuneExport") or {}) if isinstance(doc, dict) else {}
        return {
            "id": handle, "status": "Completed", "serviceStatus": "succeeded", "serviceId": found.get("jobId"),
            "outputS3Uri": found.get("outputS3Path"), "foundBy": f"s3://{bucket}/{keys[0]}",
        }  # fmt: skip

    def _completions(self, bucket: str, prefix: str) -> list[str]:
        """The completion files under ``prefix`` (none when the bucket does not exist yet)."""
        from botocore.exceptions import ClientError

        try:
            return [k for k in list_keys(self._s3(), bucket, prefix) if k.endswith(".json")]
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") == "NoSuchBucket":
                return []
            raise

    def _s3(self) -> Any:
        if self.s3 is None:
            if self.make_s3 is None:
                raise ConfigError("an export's completion file is read from S3, but no S3 client was set up")
            self.s3 = self.make_s3()
        return self.s3


class Unconfigured:
    """Where an export call goes when no export endpoint is set: a clear error, at first use."""

    endpoint = ""

    def learn(self, known: Mapping[str, tuple[str | None, str | None, bool]]) -> None:
        pass

    def _refuse(self, *_: Any) -> dict[str, Any]:
        raise ConfigError(
            "an export manifest needs the Neptune-Export service's endpoint, and none is configured",
            "put `exportEndpoint:` in reconciler.yaml (the stack's NeptuneExportApiUri output), "
            "or pass --export-endpoint / set NEPTUNE_EXPORT_ENDPOINT",
        )

    create = get = _refuse


def routes(settings: Settings, pool_size: int) -> dict[str, Any]:
    """The resources of kinds the Neptune-Export service serves, each to its client (one that says
    what to configure when no export endpoint is set)."""
    from ..aws import make_s3_client
    from ..core.kinds import KINDS
    from .client import make_client

    routed: Any = Unconfigured()
    if settings.export_endpoint:
        http = make_client(
            settings.export_endpoint, auth=settings.export_auth or settings.auth, region=lambda: settings.region,
            insecure=settings.insecure, pool_size=pool_size, service=SERVICE,
        )  # fmt: skip
        routed = ExportClient(http, lambda: make_s3_client(lambda: settings.region, settings.s3_endpoint))
    return {k.resource: routed for k in KINDS if k.service == "export"}
