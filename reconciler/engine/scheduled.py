"""``reconciler pass``: one bounded step for a scheduler (cron, a CronJob, an EventBridge task).

A pass is one ordinary apply (journalled, under the lease, settling what an earlier pass left):
observe → plan → apply what is ready now → record → exit, never waiting for a job. Called again
and again it reaches what ``apply --converge`` reaches, with the same guarantees under kills,
because each pass is exactly one of converge's rounds without the wait. A pass that finds the
state locked (another pass, an apply, ``state lock``) is *busy*: it does nothing and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..core.actions import ActionKind
from ..errors import LockHeld
from ..manifests.config import Settings
from ..neptune import NeptuneClient
from .workflow import ApplyRequest, ApplyResult, ApplyView, run_apply

Ending = Literal["converged", "progressing", "blocked", "failed", "busy"]


@dataclass(frozen=True)
class PassResult:
    ending: Ending
    summary: str  # the one line a scheduler logs

    @property
    def needs_a_person(self) -> bool:
        return self.ending in ("blocked", "failed")


def classify(result: ApplyResult) -> PassResult:
    """What one pass came to, from its apply's outcomes (pure)."""
    actions = result.plan.actions
    held = tuple(a.name for a in actions if a.action is ActionKind.HOLD)
    waiting = [a.name for a in actions if a.action is ActionKind.WAIT]
    done = [o for o in result.succeeded if o.action.executes]
    tail = f"; held: {', '.join(held)}" if held else ""
    if result.failed:
        names = ", ".join(o.name for o in result.failed)
        return PassResult("failed", f"failed: {names} (see above); {len(done)} acted{tail}")
    if result.blocked:
        names = ", ".join(o.name for o in result.blocked)
        return PassResult("blocked", f"blocked: {names} (see above); {len(done)} acted{tail}")
    moving = list(result.plan.moving)
    if done or waiting or moving:
        parts = [f"{len(done)} acted"] if done else []
        parts += [
            f"{len(names)} {what} ({_few(names)})"
            for what, names in (("waiting", waiting), ("running", moving))
            if names
        ]
        return PassResult("progressing", f"progressing: {'; '.join(parts)}{tail}")
    return PassResult("converged", f"converged: {len(actions)} in sync{tail}")


def _few(names: list[str]) -> str:
    return ", ".join(names[:5]) + (" …" if len(names) > 5 else "")


def run_pass(client: NeptuneClient, settings: Settings, request: ApplyRequest, view: ApplyView) -> PassResult:
    """One pass: an auto-approved apply that never waits; a held lock is *busy*, not an error."""
    try:
        result = run_apply(client, settings, request, view)
    except LockHeld as e:  # never taken: nothing was done (a lease lost mid-run is an error)
        return PassResult("busy", f"busy: {e.message}; nothing done (the next pass goes on)")
    return classify(result)
