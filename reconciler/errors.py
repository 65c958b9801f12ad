"""One error base for everything a user can cause; the CLI maps it to exit code 1.

Anything that is not a ReconcilerError is a bug and exits 3 (see ``cli/app.py``). The API's
own errors live with the client, in ``neptune/errors.py``.
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
