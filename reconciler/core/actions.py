"""The closed set of plan actions. Each kind carries its symbol, colour, wording and flags.

Adding an action touches this enum, the rule that decides it (``rules.py``), the executor
that carries it out (``engine/apply.py``) and the plan schema's ``action`` enum; renderers,
summaries and the status table read everything else from here.
"""

from __future__ import annotations

from enum import StrEnum


class ActionKind(StrEnum):
    """What a plan does for one manifest (the value is the word in JSON plans)."""

    CREATE = "create"
    INCREMENTAL = "incremental"
    RETRAIN = "retrain"
    RETRY = "retry"
    RECREATE = "recreate"
    STOP = "stop"
    FORGET = "forget"
    WAIT = "wait"
    BLOCKED = "blocked"
    RECORD = "record"
    UPDATE = "update"  # an endpoint updated in place (same id) to serve another model or instances
    DELETE = "delete"  # an endpoint deleted (its manifest pruned)
    HOLD = "hold"  # held for the user: an endpoint update (`--promote NAME`) or a destructive prune
    NOOP = "noop"

    @property
    def symbol(self) -> str:
        return _SYMBOLS[self]

    @property
    def colour(self) -> str:
        """ANSI SGR code for the plan's text view ("0" = no colour)."""
        return _COLOURS[self]

    @property
    def words(self) -> str:
        """How the plan summary counts it: ``2 to create``."""
        return _WORDS[self]

    @property
    def starts_job(self) -> bool:
        return self in _STARTS_JOB

    @property
    def in_sync(self) -> bool:
        """Nothing to send now: the manifest is (or is becoming) what git says."""
        return self in (ActionKind.NOOP, ActionKind.WAIT)

    @property
    def executes(self) -> bool:
        """Whether apply carries it out (the others are reported, never run)."""
        return self not in (ActionKind.NOOP, ActionKind.WAIT, ActionKind.BLOCKED, ActionKind.HOLD)


_STARTS_JOB = frozenset(
    {ActionKind.CREATE, ActionKind.INCREMENTAL, ActionKind.RETRAIN, ActionKind.RETRY, ActionKind.RECREATE}
)
_SYMBOLS = {
    ActionKind.CREATE: "+", ActionKind.INCREMENTAL: "~", ActionKind.RETRAIN: "-/+", ActionKind.RETRY: "↻",
    ActionKind.RECREATE: "!", ActionKind.STOP: "-", ActionKind.FORGET: "×", ActionKind.WAIT: "…",
    ActionKind.BLOCKED: "✗", ActionKind.RECORD: "=", ActionKind.UPDATE: "^", ActionKind.DELETE: "-",
    ActionKind.HOLD: "‖", ActionKind.NOOP: " ",
}  # fmt: skip
_COLOURS = {
    ActionKind.CREATE: "32", ActionKind.INCREMENTAL: "36", ActionKind.RETRAIN: "35", ActionKind.RETRY: "33",
    ActionKind.RECREATE: "33", ActionKind.STOP: "31", ActionKind.FORGET: "31", ActionKind.WAIT: "2",
    ActionKind.BLOCKED: "1;31", ActionKind.RECORD: "34", ActionKind.UPDATE: "36", ActionKind.DELETE: "31",
    ActionKind.HOLD: "33", ActionKind.NOOP: "0",
}  # fmt: skip
_WORDS = {
    ActionKind.CREATE: "to create", ActionKind.INCREMENTAL: "incremental", ActionKind.RETRAIN: "to retrain",
    ActionKind.RETRY: "to retry", ActionKind.RECREATE: "to recreate", ActionKind.STOP: "to stop",
    ActionKind.FORGET: "to forget", ActionKind.WAIT: "waiting", ActionKind.BLOCKED: "blocked",
    ActionKind.RECORD: "to record", ActionKind.UPDATE: "to update", ActionKind.DELETE: "to delete",
    ActionKind.HOLD: "held", ActionKind.NOOP: "unchanged",
}  # fmt: skip
