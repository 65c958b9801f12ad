"""``reconciler status``: one row per manifest, git against reality."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from ..core import facts
from ..core.actions import ActionKind
from ..core.desired import Desired
from ..core.kinds import Kind, by_name
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
    paths = facts.judged(run.ledger)  # the metric each gated endpoint's models are judged by
    rows = []
    for action in run.plan.actions:
        cur = run.ledger.current(action.name)
        job = cur["jobId"] if cur else None
        view = run.live.jobs.get(job) if job else None
        status = run.live.status(job) or ("-" if job is None else "unknown")
        kind = by_name(action.kind)
        total = _budget(kind, cur, desired.get(action.name))
        rows.append({
            "name": action.name,
            "jobId": job,
            "status": status,
            "hpo": {"done": view.models, "total": total} if view and total else None,
            "failureReason": view.failure_reason if view else None,
            "logUrl": view.log_url if view else None,
            "pending": "orphaned" if action.orphan and action.action is ActionKind.NOOP
            else None if action.action is ActionKind.NOOP else str(action.action),
            "reason": "manifest removed from git: `apply --prune` stops or forgets its job"
            if action.orphan and action.action is ActionKind.NOOP else action.reason,
            "appliedAt": cur.get("appliedAt") if cur else None,
            "age": _age(cur.get("appliedAt") if cur else None),
            "managed": action.name in desired,
            "kind": action.kind,
            **_graph(run, action.name, paths),
        })  # fmt: skip
    return rows


def _budget(kind: Kind, cur: Any, d: Desired | None) -> int | None:
    """How many models the current job was started to train: its recorded spec (what was sent,
    the schema default where it was not written), never today's manifest."""
    if not kind.budget_field or cur is None:
        return None
    spec = d.completed(cur["spec"]) if d is not None else cur["spec"]
    value = spec.get(kind.budget_field)
    return int(value) if isinstance(value, int) else None


def _graph(run: PlanRun, name: str, paths: dict[str, str]) -> dict[str, Any]:
    """Where a manifest sits in the graph, as ``core/facts.py`` computed it."""
    found: dict[str, Any] = {}
    served = facts.serves(name, run.ledger, run.live)
    if served is not None:
        found["serves"] = served.to_json()
    metric = facts.measured(name, run.ledger, run.live, paths)
    if metric is not None:
        found["metric"] = metric
    edges = facts.uses(name, run.ledger)
    if edges:
        found["uses"] = [e.to_json() for e in edges]
        trained = next((e for e in edges if e.field == run.ledger.kind(name).data_field), None)
        if trained is not None:
            found["trainedOn"] = {"job": trained.job, "manifest": trained.manifest}
    return found


def graph_lines(run: PlanRun) -> list[str]:
    """``fraud-endpoint serves fraud-rgcn-… (fraud-rgcn's latest Completed)``, one per edge."""
    lines = []
    for a in run.plan.actions:
        served = facts.serves(a.name, run.ledger, run.live)
        if served is not None:
            lines.append(served.line(a.name))
        lines.extend(e.line(a.name) for e in facts.uses(a.name, run.ledger))
    return lines


def render_status(rows: list[dict[str, Any]], out: TextIO, edges: Sequence[str] = ()) -> None:
    """The status table (one line per manifest, fits 80 columns: the job column shows the id's
    part after the name), then each pending reason and failure once, and the in-sync count."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in (
        "NAME",
        "KIND",
        "JOB",
        "STATUS",
        "HPO",
        "NEXT",
        "AGE",
    ):  # AGE right-aligned: no trailing blanks
        table.add_column(
            column, no_wrap=True, overflow="ellipsis", justify="right" if column == "AGE" else "left"
        )
    for r in rows:
        job = r["jobId"] or "-"
        short = job[len(r["name"]) + 1 :] if job.startswith(f"{r['name']}-") else job
        hpo = f"{r['hpo']['done']}/{r['hpo']['total']}" if r["hpo"] else "-"
        cells = (r["name"], by_name(r["kind"]).short, short, r["status"], hpo, r["pending"] or "-", r["age"])
        table.add_row(*(Text(clean(c)) for c in cells))  # Text: server text is never rich markup
    console = Console(file=out, no_color=not use_colour(out), soft_wrap=True)
    console.print(table)
    notes = [f"{r['name']}: {r['reason']}" for r in rows if r["pending"]]
    for r in rows:
        said = " ".join(notes)
        if (r["failureReason"] or r["status"] == "Failed") and (r["failureReason"] or "") not in said:
            notes.append(f"{r['name']}: {r['jobId']} failed: {r['failureReason'] or 'no reason given'}")
        if r["logUrl"] and r["logUrl"] not in said:
            notes.append(f"{r['name']}: logs: {r['logUrl']}")
    if notes:
        console.print()
    for note in notes:
        console.print(Text(clean(note)))
    if edges:
        console.print()
    for edge in edges:
        console.print(Text(clean(edge)))
    console.print(f"\n{sync_line(rows)}")


def sync_line(rows: list[dict[str, Any]]) -> str:
    """``8 of 10 in sync (1 waiting, 1 to create).``: in sync means nothing left to do or wait for."""
    managed = [r for r in rows if r["managed"]]
    counts = Counter(ActionKind(r["pending"]) for r in managed if r["pending"])
    in_sync = len(managed) - sum(counts.values())
    rest = ", ".join(f"{counts[kind]} {kind.words}" for kind in ActionKind if counts[kind])
    removed = len(rows) - len(managed)
    tail = f"; {removed} removed from git (prune to stop or forget)" if removed else ""
    return f"{in_sync} of {len(managed)} in sync{f' ({rest})' if rest else ''}{tail}."
