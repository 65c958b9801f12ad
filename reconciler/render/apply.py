"""What ``apply`` prints after the plan: each outcome, the summary, and how waiting ended."""

from __future__ import annotations

from typing import TextIO

from ..core.actions import ActionKind
from ..core.live import JobView
from ..engine.apply import Outcome
from ..engine.workflow import ApplyResult
from .style import clean


def render_outcome(outcome: Outcome, out: TextIO) -> None:
    out.write(clean(outcome.line()) + "\n")
    out.flush()


def render_summary(result: ApplyResult, out: TextIO) -> None:
    """``No changes…`` when there was nothing to do, else ``Apply complete: …``."""
    if not result.plan.has_changes:
        waiting = result.plan.summary()[ActionKind.WAIT]
        if waiting:
            out.write(f"\nNothing to do now: {waiting} manifest(s) waiting (see above).\n")
        else:
            out.write("\nNo changes. The cluster matches the manifests.\n")
        return
    blocked = f", {len(result.blocked)} blocked" if result.blocked else ""
    out.write(f"\nApply complete: {len(result.succeeded)} succeeded, {len(result.failed)} failed{blocked}.\n")


def render_waited(views: dict[str, JobView | None], out: TextIO) -> list[str]:
    """One line per job that did not complete (or ``All started jobs Completed.``); their ids."""
    bad = [job for job, v in views.items() if v is None or v.status != "Completed"]
    for job in bad:
        view = views[job]
        why = f": {view.failure_reason}" if view and view.failure_reason else ""
        out.write(clean(f"{job} ended {view.status if view else 'Missing'}{why}") + "\n")
    if not bad:
        out.write("All started jobs Completed.\n")
    return bad
