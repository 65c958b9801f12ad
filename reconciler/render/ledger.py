"""``state show``: the ledger for people, as a table: one row per generation, the manifest's
name and kind on its first, then each pending intent."""

from __future__ import annotations

from typing import Any, TextIO

from ..core.kinds import TRAINING, by_name
from ..core.kinds.endpoint import served_model
from ..core.ledger import Ledger
from .style import clean


def generation_notes(ledger: Ledger, name: str, g: Any) -> str:
    """What a generation was: built from which job, serving which model, on which data."""
    notes = []
    previous = g["spec"].get(TRAINING.previous_field)
    if previous:
        notes.append(f"from {previous}")
    served = served_model(g["spec"])
    if served:
        notes.append(f"serving {served}")
    data = g["spec"].get("dataProcessingJobId")
    if data and ledger.applied(name).get("refs", {}).get("dataProcessingJobId"):
        notes.append(f"on {data}")
    if g.get("stopped"):
        notes.append("stopped by reconciler")
    return ", ".join(notes)


def render_ledger(ledger: Ledger, location: str, out: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    if not ledger.exists:
        out.write(f"no ledger at {location} yet\n")
        return
    out.write(f"ledger {location} · serial {ledger.serial} · lineage {ledger.lineage}\n\n")
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("NAME", "KIND", "JOB", "ACTION", "FINAL", "NOTES", "APPLIED"):
        table.add_column(column, no_wrap=True)
    for name in ledger.names():
        kind = by_name(ledger.applied(name).get("kind")).short
        first = True
        for g in ledger.generations(name):
            cells = (
                name if first else "", kind if first else "", g["jobId"], g["action"],
                g.get("finalStatus") or "-", generation_notes(ledger, name, g) or "-", g["appliedAt"],
            )  # fmt: skip
            table.add_row(*(Text(clean(str(c))) for c in cells))
            first = False
        for p in ledger.pending(name):
            cells = (
                name if first else "",
                kind if first else "",
                p["jobId"],
                f"pending {p['op']}",
                "-",
                "-",
                p["at"],
            )
            table.add_row(*(Text(clean(str(c))) for c in cells))
            first = False
    Console(file=out, no_color=True, width=1000).print(table)  # a ledger is wide: never cut a job id
