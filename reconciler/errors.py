"""One error base for everything a user can cause; the CLI maps it to exit code 1.

Anything that is not a ReconcilerError is a bug and exits 3 (see cli.py).
"""

from __future__ import annotations

MAX_DETAIL = 256


def shorten(text: str, limit: int = MAX_DETAIL) -> str:
    """Cut server-provided text to a sane length before it reaches a message."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ReconcilerError(Exception):
    """A failure the user can act on: printed as one line, exit code 1."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ManifestError(ReconcilerError):
    """Manifests or config that cannot be loaded."""


class ConfigError(ReconcilerError):
    """reconciler.yaml, flags or environment variables that do not make sense."""


class StateError(ReconcilerError):
    """The ledger cannot be read, written or trusted."""


class LockError(StateError):
    """Another apply holds the state lock."""


class StalePlanError(ReconcilerError):
    """A saved plan no longer matches the ledger or the cluster."""


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


class NotFoundError(ApiError):
    """The job does not exist (404 MLResourceNotFoundException or its 400 twin)."""


class AlreadyExistsError(ApiError):
    """A create named an id that is already taken."""


class ThrottledError(ApiError):
    """429 TooManyRequestsException."""


class ServerError(ApiError):
    """5xx answers and transport failures (connection reset, timeout)."""


class BadRequestError(ApiError):
    """Any other 4xx: the request itself is wrong and retrying will not help."""
