"""``state show``: the ledger for people, one block per manifest with its generations."""

from __future__ import annotations

from typing import TextIO

from ..core.kinds import TRAINING
from ..core.kinds.endpoint import served_model
from ..core.ledger import Ledger
from .style import clean


def render_ledger(ledger: Ledger, location: str, out: TextIO) -> None:
    if not ledger.exists:
        out.write(f"no ledger at {location} yet\n")
        return
    out.write(f"ledger {location} · serial {ledger.serial} · lineage {ledger.lineage}\n")
    for name in ledger.names():
        gens = ledger.generations(name)
        out.write(f"\n{name}\n")
        for g in gens:
            flags = [g["action"]]
            previous = g["spec"].get(TRAINING.previous_field)
            if previous:
                flags.append(f"from {previous}")
            served = served_model(g["spec"])
            if served:
                flags.append(f"serving {served}")
            data = g["spec"].get("dataProcessingJobId")
            if data and ledger.applied(name).get("refs", {}).get("dataProcessingJobId"):
                flags.append(f"on {data}")
            if g.get("finalStatus"):
                flags.append(g["finalStatus"])
            if g.get("stopped"):
                flags.append("stopped by reconciler")
            out.write(clean(f"  {g['jobId']}  {', '.join(flags)}  {g['appliedAt']}") + "\n")
        for p in ledger.pending(name):
            out.write(clean(f"  pending {p['op']} {p['jobId']} since {p['at']}") + "\n")
