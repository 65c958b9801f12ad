"""Plans for people: Terraform-like text (colour on a TTY), and a Markdown PR comment."""

from __future__ import annotations

import json
from typing import TextIO

from ..core.actions import ActionKind
from ..core.model import Action, Plan
from ..engine.planfile import to_json, total_cost
from .style import clean, use_colour

GITHUB_LIMIT = 65_536


def summary_line(plan: Plan) -> str:
    counts = plan.summary()
    parts = [f"{n} {k.words}" for k, n in counts.items() if n and k is not ActionKind.NOOP]
    if counts[ActionKind.NOOP]:
        parts.append(f"{counts[ActionKind.NOOP]} unchanged")
    return ", ".join(parts) if parts else "nothing to do"


def headline(a: Action) -> str:
    """``+ fraud-rgcn: create fraud-rgcn-1a2b3c4d5e`` and the like."""
    text = f"{a.name}: {a.action}"
    if a.action.starts_job:
        text += f" {a.job_id}"
        if a.previous_job_id:
            text += f" (from {a.previous_job_id})"
    elif a.action is ActionKind.STOP:
        text += f" {a.job_id}" + (" (clean)" if a.clean else "")
    elif a.action is ActionKind.RECORD and a.adopt:
        text += f" (adopt {a.job_id})"
    return text


def render_text(
    plan: Plan, out: TextIO, *, state: str = "", colour: bool | None = None, quiet_in_sync: bool = False
) -> None:
    """The plan as text; ``quiet_in_sync`` leaves out the in-sync rows (converge's later rounds:
    the summary line still counts them)."""
    colour = use_colour(out) if colour is None else colour

    def line(text: str, kind: ActionKind | None = None) -> None:
        text = clean(text)  # reasons carry server text: one line each, no escape codes
        if kind is not None and colour and kind.colour != "0":
            text = f"\x1b[{kind.colour}m{text}\x1b[0m"
        out.write(text + "\n")

    where = f" · state {state}" if state else ""
    removed = sum(a.orphan for a in plan.actions)
    gone = f" (+{removed} removed from git)" if removed else ""
    line(
        f"Plan for {len(plan.actions) - removed} manifest(s){gone} · ledger serial {plan.state_serial}{where}"
    )
    out.write("\n")
    for a in plan.actions:
        if a.action is ActionKind.NOOP and not a.changes:
            if not quiet_in_sync:
                line(f"  {a.name}: {a.reason}")
            continue
        line(f"{a.symbol:>3} {headline(a)}", a.action)
        line(f"      {a.reason}")
        if a.stop_job_id and a.action.starts_job:
            line(f"      then: stop {a.stop_job_id} before the new job starts")
        for c in a.changes:
            line(f"      {c.describe()}")
        if a.cost:
            line(f"      cost bound: {a.cost.describe()}")
    for w in plan.warnings:
        out.write(f"\nwarning: {clean(w)}")
    if plan.warnings:
        out.write("\n")
    totals = total_cost(plan)
    if totals:
        spend = ", ".join(f"{h:g} instance-hours of {t}" for t, h in totals.items())
        out.write(f"\nCost bound of the jobs this plan starts: {spend}\n")
    out.write(f"\nPlan: {summary_line(plan)}.\n")


def render_json(plan: Plan, out: TextIO, *, state: str = "") -> None:
    out.write(json.dumps(to_json(plan, state_location=state or None), indent=2, ensure_ascii=False) + "\n")


def _md(text: str) -> str:
    return clean(text).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("`", "'")


MAX_EDGES = 300  # a bigger diagram is unreadable (and GitHub renders Mermaid up to a size)


def mermaid(plan: Plan) -> str:
    """The part of the graph this plan changes, as a Mermaid diagram GitHub draws: every
    reference with an end that has something to do, each node labelled with its action."""
    by_name = {a.name: a for a in plan.actions}

    def busy(name: str) -> bool:
        a = by_name.get(name)
        return a is not None and a.action is not ActionKind.NOOP

    edges = [(a, b, f) for a, b, f in plan.edges if busy(a) or busy(b)][:MAX_EDGES]
    if not edges:
        return ""
    names = sorted({n for a, b, _ in edges for n in (a, b)})

    def node(name: str) -> str:
        return "n_" + name.replace("-", "_")

    lines = ["```mermaid", "graph LR"]
    for name in names:
        a = by_name.get(name)
        label = f"{a.symbol.strip() or '·'} {name}: {a.action}" if a else name
        lines.append(f'  {node(name)}["{label}"]')
    lines += [f"  {node(b)} -->|{f}| {node(a)}" for a, b, f in edges]
    lines.append("```")
    return "**What this plan changes, as a graph** (data → model → endpoint):\n\n" + "\n".join(lines)


def render_markdown(plan: Plan, out: TextIO, *, state: str = "", limit: int = GITHUB_LIMIT) -> None:
    """A PR comment: summary table first, details folded, always under ``limit`` characters."""
    head = [f"### reconciler plan: {summary_line(plan)}", ""]
    if plan.commit:
        head.append(f"Commit `{plan.commit[:12]}` · ledger serial {plan.state_serial}")
        head.append("")
    totals = total_cost(plan)
    if totals:
        head.append(
            "Cost bound: " + ", ".join(f"**{h:g}** instance-hours of `{t}`" for t, h in totals.items())
        )
        head.append("")
    head += ["| | manifest | action | job | reason |", "|---|---|---|---|---|"]
    rows = [
        f"| `{a.symbol.strip() or '·'}` | {_md(a.name)} | {a.action} | `{_md(a.job_id or '-')}` | {_md(a.reason)} |"
        for a in plan.actions
    ]
    details = []
    for a in plan.actions:
        if a.action is ActionKind.NOOP and not a.changes:
            continue
        lines = [f"<details><summary><code>{a.symbol.strip()}</code> {_md(headline(a))}</summary>", ""]
        lines.append(f"- {_md(a.reason)}")
        lines += [f"- `{_md(c.describe())}`" for c in a.changes]
        if a.cost:
            lines.append(f"- cost bound: {_md(a.cost.describe())}")
        if plan.history.get(a.name):
            lines += ["", "| its last generations | trained on | metric |", "|---|---|---|"]
            lines += [f"| `{_md(j)}` | `{_md(d)}` | {_md(m)} |" for j, d, m in plan.history[a.name]]
        lines += ["", "</details>"]
        details.append("\n".join(lines))
    warnings = [f"> ⚠️ {_md(w)}" for w in plan.warnings]
    diagram = mermaid(plan)
    if diagram:
        details.insert(0, diagram)
    note = "\n\n_Cut to fit a GitHub comment: {n} more {what}; the JSON plan artifact has everything._"
    budget = limit - len(note) - 64
    text = "\n".join(head)
    shown_rows = 0
    for row in rows:
        if len(text) + len(row) + 1 > budget:
            break
        text += "\n" + row
        shown_rows += 1
    if shown_rows < len(rows):
        out.write(text + note.format(n=len(rows) - shown_rows, what="rows") + "\n")
        return
    for w in warnings:
        text += "\n\n" + w
    shown = 0
    for block in details:
        if len(text) + len(block) + 2 > budget:
            break
        text += "\n\n" + block
        shown += 1
    if shown < len(details):
        text += note.format(n=len(details) - shown, what="details")
    out.write(text + "\n")
