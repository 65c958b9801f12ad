"""``status --format html``: the fleet as one self-contained page (no network: styles inline, no
script, no CDN). Every manifest with its kind, job, status, HPO progress, age, pending action,
failure and log link; the graph drawn (data → models → transforms → endpoints, what each endpoint
serves in status's own words, the held and blocked marked); each job manifest's generations; totals and the cost bound.
It prints what status computed (rows, ``core/facts.py``); it holds no graph logic."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from html import escape
from typing import Any, TextIO

from ..core import facts
from ..core.kinds import KINDS, by_name
from ..engine.planfile import total_cost
from ..engine.workflow import PlanRun
from .status import graph_lines, sync_line

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1b1f24;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.meta{color:#57606a;margin-bottom:16px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #d0d7de;
vertical-align:top}th{background:#f6f8fa;position:sticky;top:0}
.ok{color:#1a7f37}.bad{color:#cf222e;font-weight:600}.held{color:#9a6700;font-weight:600}.run{color:#0969da}
progress{width:64px}.hpo{white-space:nowrap}code{font:12px ui-monospace,monospace}
svg text{font:12px system-ui,sans-serif}.node rect{fill:#f6f8fa;stroke:#8c959f}
.node.held rect{stroke:#9a6700;stroke-width:2}.node.blocked rect{stroke:#cf222e;stroke-width:2}
.edge{stroke:#8c959f;fill:none}.serves{stroke:#0969da;stroke-width:1.5}
details{margin:2px 0}summary{cursor:pointer}
"""
COL, ROW, BOX_W, BOX_H = 260, 30, 220, 22


def render_page(run: PlanRun, rows: list[dict[str, Any]], out: TextIO) -> None:
    counts = Counter(r["pending"] for r in rows if r["pending"])
    cost = total_cost(run.plan)
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        "<meta name=viewport content='width=device-width,initial-scale=1'>",
        f"<title>reconciler status: {escape(sync_line(rows))}</title><style>{STYLE}</style></head><body>",
        "<h1>reconciler status</h1>",
        f"<div class=meta id=summary>{escape(sync_line(rows))} · generated "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} · ledger serial {run.ledger.serial}</div>",
        _totals(counts, cost),
        "<h2>Manifests</h2>",
        _table(rows),
        "<h2>The graph</h2>",
        _graph(run, rows),
        "<h2>Generations</h2>",
        _generations(run),
        "</body></html>",
    ]
    out.write("\n".join(parts) + "\n")


def _totals(counts: Counter[str], cost: dict[str, float]) -> str:
    pending = ", ".join(f"{n} {escape(k)}" for k, n in sorted(counts.items())) or "nothing pending"
    bound = ", ".join(f"{h:g} instance-hours of {escape(t)}" for t, h in cost.items()) or "none"
    return f"<div id=totals>Pending: {pending}. Cost bound of what the next apply starts: {bound}.</div>"


def _status_class(status: str) -> str:
    if status == "-":
        return "none"
    if status in ("Completed", "InService"):
        return "ok"
    if status in ("Failed", "Stopped", "Missing", "OutOfService", "UpdateRollbackFailed"):
        return "bad"
    return "run"


def _table(rows: list[dict[str, Any]]) -> str:
    head = (
        "<table id=manifests><thead><tr>"
        + "".join(f"<th>{h}</th>" for h in ("name", "kind", "job", "status", "HPO", "age", "next", "why"))
        + "</tr></thead><tbody>"
    )
    body = []
    for r in rows:
        hpo = (
            f"<progress max={r['hpo']['total']} value={r['hpo']['done']}></progress> "
            f"{r['hpo']['done']}/{r['hpo']['total']}"
            if r["hpo"]
            else "-"
        )
        pending = r["pending"] or "-"
        mark = "held" if pending == "hold" else "bad" if pending == "blocked" else ""
        why = escape(r["reason"] or "") if r["pending"] else ""
        if r["failureReason"]:
            why += f"<div class=bad>failed: {escape(r['failureReason'])}</div>"
        if r["logUrl"]:
            why += f"<div><a href='{escape(r['logUrl'], quote=True)}'>CloudWatch logs</a></div>"
        body.append(
            f"<tr id='m-{escape(r['name'], quote=True)}'><td><b>{escape(r['name'])}</b></td>"
            f"<td>{escape(by_name(r['kind']).short)}</td><td><code>{escape(r['jobId'] or '-')}</code></td>"
            f"<td class={_status_class(r['status'])}>{escape(r['status'])}</td><td class=hpo>{hpo}</td>"
            f"<td>{escape(r['age'])}</td><td class='{mark}'>{escape(pending)}</td><td>{why}</td></tr>"
        )
    return head + "".join(body) + "</tbody></table>"


def _graph(run: PlanRun, rows: list[dict[str, Any]]) -> str:
    """Columns by kind, in the order of the path; a line for each reference; a served model's
    line drawn bold. An SVG: one file, no script, readable at a thousand manifests."""
    rank = {k.name: i for i, k in enumerate(KINDS)}
    by_rank: dict[int, list[str]] = {}
    for r in rows:
        by_rank.setdefault(rank.get(r["kind"], 0), []).append(r["name"])
    # Only the kinds present, in the path's order, side by side.
    columns = {col: by_rank[r] for col, r in enumerate(sorted(by_rank))}
    kind_of_column = {col: KINDS[r] for col, r in enumerate(sorted(by_rank))}
    where = {
        name: (col * COL + 10, i * ROW + 30)
        for col, names in sorted(columns.items())
        for i, name in enumerate(names)
    }
    pending = {r["name"]: r["pending"] for r in rows}
    kind = {r["name"]: by_name(r["kind"]) for r in rows}
    served = {r["name"]: r["serves"] for r in rows if r.get("serves")}
    lines = []
    for src, target, field in run.plan.edges:
        if src in where and target in where:
            (x1, y1), (x2, y2) = where[target], where[src]
            cls = "edge serves" if src in served and field in kind[src].serving_fields else "edge"
            lines.append(
                f"<path class='{cls}' d='M{x1 + BOX_W},{y1 + BOX_H / 2} C{x1 + BOX_W + 20},{y1 + BOX_H / 2} "
                f"{x2 - 20},{y2 + BOX_H / 2} {x2},{y2 + BOX_H / 2}'><title>{escape(src)} {escape(field)} "
                f"→ {escape(target)}</title></path>"
            )
    nodes = []
    for name, (x, y) in where.items():
        state = {"hold": "held", "blocked": "blocked"}.get(pending.get(name) or "", "")
        label = name + (f" · {pending[name]}" if pending.get(name) else "")
        tip = f"serves {served[name]['job']}" if name in served else label
        nodes.append(
            f"<g class='node {state}'><rect x={x} y={y} width={BOX_W} height={BOX_H} rx=4></rect>"
            f"<text x={x + 6} y={y + 15}>{escape(label[:34])}</text><title>{escape(tip)}</title></g>"
        )
    heads = "".join(
        f"<text x={c * COL + 10} y=18><tspan font-weight=600>{escape(kind_of_column[c].short)}</tspan></text>"
        for c in columns
    )
    height = max((len(n) for n in columns.values()), default=0) * ROW + 40
    width = (max(columns, default=0) + 1) * COL
    serving = "".join(f"<li>{escape(line)}</li>" for line in graph_lines(run))  # status's own lines
    return (
        f"<svg id=graph xmlns='http://www.w3.org/2000/svg' width={width} height={height}>"
        f"{heads}{''.join(lines)}{''.join(nodes)}</svg><ul id=serving>{serving}</ul>"
    )


def _generations(run: PlanRun) -> str:
    blocks = []
    for name in run.ledger.names():
        gens = run.ledger.generations(name)
        if not gens:
            continue
        items = "".join(
            f"<tr><td><code>{escape(g['jobId'])}</code></td><td>{escape(g['action'])}</td>"
            f"<td>{escape(g.get('finalStatus') or '-')}</td><td>{escape(g['appliedAt'])}</td>"
            f"<td>{escape(facts.notes(run.ledger, name, g))}</td></tr>"
            for g in reversed(gens)
        )
        blocks.append(
            f"<details><summary><b>{escape(name)}</b> · {len(gens)} generation(s)</summary><table>"
            f"<tr><th>job</th><th>action</th><th>final</th><th>applied</th><th>notes</th></tr>{items}</table></details>"
        )
    return "<div id=generations>" + "".join(blocks) + "</div>"
