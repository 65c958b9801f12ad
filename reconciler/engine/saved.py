"""A saved plan (``plan --out``) run by ``apply --plan``: read it, and refuse it when stale."""

from __future__ import annotations

import json
from pathlib import Path

from ..core import reads
from ..core.kinds import by_name
from ..core.live import Live
from ..core.model import Plan
from ..errors import ReconcilerError, StalePlanError
from ..neptune import NeptuneClient
from ..state import StateStore
from .observe import read_saved
from .planfile import from_json


def load_saved(path: Path) -> tuple[Plan, str | None]:
    """The plan in ``path`` and the state location it was made against."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ReconcilerError(f"cannot read saved plan {path}: {e.strerror}") from None
    except ValueError as e:
        raise ReconcilerError(f"saved plan {path} is not JSON: {e}") from None
    return from_json(doc, str(path))


def saved_live(client: NeptuneClient, store: StateStore, saved: Plan, parallelism: int) -> Live:
    """Re-read every job the saved plan read (and pending intents), each on its kind's resource."""
    ledger = store.ledger
    return read_saved(client, reads.saved(saved.actions, saved.fingerprints, ledger), ledger, parallelism)


def check_fresh(saved: Plan, ledger_serial: int, lineage: str | None, live: Live) -> None:
    """Refuse a saved plan when the ledger or any job it touches moved since it was made."""
    moved: list[str] = []
    if lineage != saved.lineage and saved.lineage is not None:
        moved.append(f"ledger lineage {saved.lineage} → {lineage}")
    if ledger_serial != saved.state_serial:
        moved.append(f"ledger serial {saved.state_serial} → {ledger_serial}")
    now = live.fingerprints()
    for a in saved.actions:
        if a.action.in_sync:
            continue
        inputs = by_name(a.kind).inputs(a.spec or {}).values()
        keys = [f"job/{j}" for j in (*a.touches, *inputs)]
        for key in keys:
            if key in saved.fingerprints and now.get(key, "Missing") != saved.fingerprints[key]:
                moved.append(f"{a.name}: {key} {saved.fingerprints[key]} → {now.get(key, 'Missing')}")
    if moved:
        more = f" (and {len(moved) - 5} more)" if len(moved) > 5 else ""
        raise StalePlanError(
            "stale plan: " + "; ".join(moved[:5]) + more,
            "run `reconciler plan --out FILE` again and review the new plan",
        )
