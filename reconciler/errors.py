"""One error base for everything a user can cause; the CLI maps it to exit code 1.

Anything that is not a ReconcilerError is a bug and exits 3 (see ``cli/app.py``). The API's
own errors live with the client, in ``neptune/errors.py``.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable

MAX_DETAIL = 256


def shorten(text: str, limit: int = MAX_DETAIL) -> str:
    """Cut server-provided text to a sane length before it reaches a message."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice ``word`` most likely meant (a different case, a unique prefix, or a close
    spelling), for every "did you mean" the tool prints."""
    options = sorted(choices)
    lowered = {c.lower(): c for c in options}
    if word.lower() in lowered:
        return lowered[word.lower()]
    prefixed = [c for c in options if len(word) >= 4 and c.lower().startswith(word.lower())]
    if len(prefixed) == 1:
        return prefixed[0]
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return close[0] if close else None


class ReconcilerError(Exception):
    """A failure the user can act on: printed as one line, exit code 1."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(ReconcilerError):
    """The command line asks for what can't be (a duration without a unit, a --target that names
    no manifest): exit 2 like the parser's own usage errors (1 for ``plan``, whose 2 means
    "changes to make")."""


class ManifestError(ReconcilerError):
    """Manifests or config that cannot be loaded."""


class ConfigError(ReconcilerError):
    """reconciler.yaml, flags or environment variables that do not make sense."""


class StateError(ReconcilerError):
    """The ledger cannot be read, written or trusted."""


class LockError(StateError):
    """Another apply holds the state lock."""


class LockHeld(LockError):
    """The lock could not be taken: someone else holds it (nothing was done)."""


class StalePlanError(ReconcilerError):
    """A saved plan no longer matches the ledger or the cluster."""


# -- secrets never reach a message -----------------------------------------------------------
_SECRET_PATTERNS = (
    (re.compile(r"(?<=://)[^/@\s]+@"), "***@"),  # user:password@ in a URL
    (
        re.compile(
            r"(?i)\b(authorization|x-amz-security-token|x-amz-signature|x-amz-credential|aws_secret_access_key"
            r"|aws_session_token|signature)(['\"]?\s*[:=]\s*(?:b?['\"])?)[^\s'\",&;}]+"
        ),
        r"\1\2***",
    ),
    (re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"), "***"),  # access key ids
)
# Anything that looks like a secret key or a session token: a long base64 run mixing cases and digits.
_TOKEN = re.compile(r"[A-Za-z0-9+/]{40,}={0,2}")
_SECRET_VARIABLES = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ACCESS_KEY_ID")


def redact(text: str) -> str:
    """``text`` with credentials, signatures, auth headers and URL passwords replaced by ``***``.
    Applied to every error line and traceback the CLI prints."""
    for name in _SECRET_VARIABLES:
        value = os.environ.get(name, "").strip()
        if len(value) >= 8:
            text = text.replace(value, "***")
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return _TOKEN.sub(_mask_token, text)


def _mask_token(match: re.Match[str]) -> str:
    run = match.group()
    mixed = any(c.isdigit() for c in run) and any(c.isupper() for c in run) and any(c.islower() for c in run)
    return "***" if mixed else run
