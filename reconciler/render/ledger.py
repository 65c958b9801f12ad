"""``state show``: the ledger for people, as a table: one row per generation, the manifest's
name and kind on its first, then each pending intent."""

from __future__ import annotations

from typing import TextIO

from ..core.facts import notes
from ..core.ledger import Ledger
from .style import clean


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
        kind = ledger.kind(name).short
        first = True
        for g in ledger.generations(name):
            cells = (
                name if first else "", kind if first else "", g["jobId"], g["action"],
                g.get("finalStatus") or "-", notes(ledger, name, g) or "-", g["appliedAt"],
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
