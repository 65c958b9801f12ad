"""The API's errors, and HTTP answers → typed errors in one place. Server text is cut before it
reaches a message; request headers (credentials) never do."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from ..errors import ReconcilerError, shorten
from .transport import CERTIFICATE

if TYPE_CHECKING:
    from .answer import Answer
    from .transport import TransportError


class ApiError(ReconcilerError):
    """An error answer from the Neptune ML API (or a transport failure)."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        status: int = 0,
        request_id: str = "",
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.code = code
        self.status = status
        self.request_id = request_id
        self.after_retry = False  # set when the answer came to a retried call
        self.unsent = False  # the request never left: no connection could be made


class NotFoundError(ApiError):
    """The job does not exist (404 MLResourceNotFoundException or its 400 twin)."""


class ThrottledError(ApiError):
    """429 TooManyRequestsException."""


class ServerError(ApiError):
    """5xx answers and transport failures (connection reset, timeout)."""


class BadRequestError(ApiError):
    """Any other 4xx: the request itself is wrong and retrying will not help."""


# The one message read: a GET of a missing id may come back as 400 InvalidParameterException
# (its 404 twin is MLResourceNotFoundException), and a GET can't be confirmed by another GET.
# Creates and stops never decide by text: the client and apply confirm them with a GET.
MISSING_ID = "resource with the given ID"
UNSIGNED_HINT = (
    "the request was not signed (auth defaults to none): for an IAM-enabled cluster set `auth: iam` "
    "in reconciler.yaml or pass --auth iam"
)
CERTIFICATE_HINT = (
    "connect by the cluster's own name (through a tunnel: --endpoint https://<cluster>:8182 with "
    "--connect-to HOST:PORT); a certificate from your own CA needs REQUESTS_CA_BUNDLE set to its PEM file"
)
THROTTLING = frozenset({"TooManyRequestsException", "ThrottlingException"})
# Used when botocore's service model can't be read (it is the source of the retryable list).
_FALLBACK_RETRYABLE = frozenset({"ClientTimeoutException", "ThrottlingException", "TooManyRequestsException",
                                 "ConcurrentModificationException", "InternalFailureException"})  # fmt: skip


@cache
def retryable_codes() -> frozenset[str]:
    """Error codes botocore's ``neptunedata`` service model marks retryable (ClientTimeout 408,
    Throttling, TooManyRequests 429, ConcurrentModification, …), wherever their status says."""
    try:
        import botocore.session

        model = botocore.session.get_session().get_service_model("neptunedata")
    except Exception:  # pragma: no cover - an older botocore without the model
        return _FALLBACK_RETRYABLE
    found = {n for n in model.shape_names if model.shape_for(n).metadata.get("retryable") is not None}
    return frozenset(found | THROTTLING | {"InternalFailureException"})


def from_response(what: str, response: Answer, *, signed: bool = True) -> ApiError:
    """The error for a non-2xx answer to ``what`` (``"GET /ml/modeltraining/x"``). The status
    decides first: only a 4xx can say an id does not exist; a 5xx is a server failure whatever
    its body names (a retry or a GET settles it). ``signed``: whether the request was signed
    (an unsigned one refused with 401/403 says to set ``auth: iam``)."""
    status = response.status_code
    request_id = response.headers.get("x-amzn-RequestId", "")
    code, detail = "", ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        code = str(body.get("code") or body.get("__type") or "")
        detail = str(body.get("detailedMessage") or body.get("message") or body.get("Message") or "")
        request_id = str(body.get("requestId") or request_id)
    code = code or response.headers.get("x-amzn-ErrorType", "").split(":")[0]
    if not code:
        text = shorten(response.text or response.reason or "", 120)
        fallback = ServerError if status >= 500 or status == 429 else BadRequestError
        unsigned = status in (401, 403) and not signed
        return fallback(
            f"{what}: HTTP {status} without a Neptune error envelope: {text!r}",
            status=status,
            hint=UNSIGNED_HINT if unsigned else "is the endpoint a Neptune cluster (https://<cluster>:8182)?",
        )
    rid = f" (request id {request_id})" if request_id else ""
    message = f"{what}: {code}: {shorten(detail)}{rid}"
    kind: type[ApiError] = BadRequestError
    hint = None
    if status >= 500 or status == 408:
        kind = ServerError  # retryable; for a create, an unknown outcome settled by a GET
    elif code == "MLResourceNotFoundException" or (
        code == "InvalidParameterException" and MISSING_ID.lower() in detail.lower()
    ):
        kind = NotFoundError
    elif status == 429 or code in THROTTLING:
        kind = ThrottledError
    elif code in retryable_codes():
        kind = ServerError
    elif status in (401, 403) or "AccessDenied" in code or "Signature" in code:
        hint = "check the region and the role's neptune-db permissions" if signed else UNSIGNED_HINT
    return kind(message, code=code, status=status, request_id=request_id, hint=hint)


def from_transport(
    what: str, error: TransportError, deadline: float | None = None, endpoint: str = ""
) -> ApiError:
    """Connection refused, reset, timed out: retryable, and never carries request headers. TLS
    refusing the server (its certificate, the handshake) is not: trying again will not change it.
    ``deadline``: the call's own deadline fired (a server answering too slowly); ``endpoint``
    names the endpoint and where its setting came from, for the hint."""
    hint = f"check the endpoint {endpoint} and the network" if endpoint else "check the endpoint and network"
    if error.tls:
        hint = CERTIFICATE_HINT if error.kind == CERTIFICATE else "is the endpoint's port an https:// one?"
        refused = ApiError(
            f"{what}: TLS refused the connection: {error.kind} ({shorten(error.tls)})", hint=hint
        )
        refused.unsent = True
        return refused
    if deadline is not None:
        return ServerError(f"{what}: timed out (no complete answer within {deadline:g}s)", hint=hint)
    failed = ServerError(f"{what}: {error}", hint=hint)
    failed.unsent = error.unsent  # no connection was made: nothing was sent
    return failed
