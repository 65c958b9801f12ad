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


def render_waited(
    views: dict[str, JobView | None], names: dict[str, str], out: TextIO, err: TextIO
) -> list[str]:
    """``All started jobs Completed.``, or an ``error:`` line per job that did not complete: the
    manifest, the job, why, where its logs are and what to do next. Returns those jobs' ids."""
    bad = [job for job, v in views.items() if v is None or v.status not in ("Completed", "InService")]
    for job in bad:
        view, name = views[job], names.get(job, "?")
        status = view.status if view else "Missing"
        why = f": {view.failure_reason}" if view and view.failure_reason else ""
        logs = f" (logs: {view.log_url})" if view and view.log_url else ""
        step = (
            f"fix the cause, then change the spec or `reconciler apply --replace {name}`"
            if status == "Failed"
            else "`reconciler status` shows what the cluster says now; `apply` recreates it if git still wants it"
        )
        err.write(clean(f"error: {name}: job {job} ended {status}{why}{logs}; {step}") + "\n")
    if not bad:
        serving = sum(1 for v in views.values() if v is not None and v.status == "InService")
        out.write("All started jobs Completed." if serving < len(views) else "")
        out.write(
            f"{' ' if serving < len(views) else ''}{serving} endpoint(s) InService.\n" if serving else "\n"
        )
    return bad
