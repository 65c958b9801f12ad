"""``reconciler status``: one row per manifest, git against reality."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TextIO

from ..core.actions import ActionKind
from ..engine.workflow import PlanRun
from .style import clean, use_colour


def _age(stamp: str | None, now: datetime | None = None) -> str:
    if not stamp:
        return "-"
    try:
        then = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return "-"
    seconds = max(0, int(((now or datetime.now(UTC)) - then).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def status_rows(run: PlanRun) -> list[dict[str, Any]]:
    desired = {d.name: d for d in run.desired}
    rows = []
    for action in run.plan.actions:
        cur = run.ledger.current(action.name)
        job = cur["jobId"] if cur else None
        view = run.live.jobs.get(job) if job else None
        status = run.live.status(job) or ("-" if job is None else "unknown")
        spec = desired[action.name].spec if action.name in desired else (cur["spec"] if cur else {})
        total = spec.get("maxHPONumberOfTrainingJobs")
        rows.append({
            "name": action.name,
            "jobId": job,
            "status": status,
            "hpo": f"{view.models}/{total}" if view and total else None,
            "failureReason": view.failure_reason if view else None,
            "logUrl": view.log_url if view else None,
            "pending": None if action.action is ActionKind.NOOP else str(action.action),
            "reason": action.reason,
            "appliedAt": cur.get("appliedAt") if cur else None,
            "age": _age(cur.get("appliedAt") if cur else None),
            "managed": action.name in desired,
        })  # fmt: skip
    return rows


def render_status(rows: list[dict[str, Any]], out: TextIO) -> None:
    """The status table, failures below it, and how many manifests are in sync."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("NAME", "JOB", "STATUS", "HPO", "PENDING", "AGE"):
        table.add_column(column, no_wrap=column != "PENDING")
    for r in rows:
        pending = f"{r['pending']}: {r['reason']}" if r["pending"] else "-"
        cells = (r["name"], r["jobId"] or "-", r["status"], r["hpo"] or "-", pending, r["age"])
        table.add_row(*(Text(clean(c)) for c in cells))  # Text: server text is never rich markup
    console = Console(
        file=out, no_color=not use_colour(out), width=max(100, Console(file=out).width), soft_wrap=False
    )
    console.print(table)
    for r in rows:
        if r["failureReason"] or r["status"] == "Failed":
            why = r["failureReason"] or "no reason given"
            console.print(Text(clean(f"{r['name']}: {r['jobId']} failed: {why}")))
            if r["logUrl"]:
                console.print(Text(clean(f"  logs: {r['logUrl']}")), soft_wrap=True)
    in_sync = sum(1 for r in rows if not r["pending"] or ActionKind(r["pending"]).in_sync)
    console.print(f"\n{in_sync} of {len(rows)} in sync.")
