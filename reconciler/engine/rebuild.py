"""``state rebuild``: record in the ledger what the cluster holds for manifests it does not know.

Deterministic ids make a lost ledger recoverable: observe finds the jobs each manifest can have
produced (``core/adopt.py``), and every job of the desired spec is adopted as that manifest's
current generation. Nothing is started or stopped; what can't be matched is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.actions import ActionKind
from ..core.adopt import index
from ..core.model import Options
from ..manifests.config import Settings
from ..neptune import NeptuneClient
from .apply import Executor
from .workflow import Selection, git_commit, open_store, run_plan


@dataclass(frozen=True)
class Finding:
    name: str
    adopted: str | None  # the job recorded as current, if any
    note: str


def run_rebuild(
    client: NeptuneClient,
    settings: Settings,
    selection: Selection,
    *,
    parallelism: int = 16,
    lock_wait: float = 0.0,
) -> list[Finding]:
    """Adopt, under the lease, every job of a desired spec the ledger lacks; report the rest."""
    store = open_store(settings)
    with store.held("state rebuild", wait=lock_wait):
        run = run_plan(
            client, settings, selection, Options(), parallelism=parallelism, s3_check=False, store=store
        )
        owned = index(run.live)
        executor = Executor(store, client, git_commit())
        findings = []
        for action in run.plan.actions:
            theirs = ", ".join(owned.get(action.name, ())) or "none"
            if run.ledger.generations(action.name):
                findings.append(
                    Finding(action.name, None, f"already in the ledger (current {action.current_job_id})")
                )
            elif action.action is ActionKind.RECORD and action.adopt:
                executor.run_one(action)
                findings.append(
                    Finding(action.name, action.job_id, f"adopted {action.job_id} (jobs seen: {theirs})")
                )
            elif action.action is ActionKind.WAIT and action.job_id:
                findings.append(Finding(action.name, None, f"left alone: {action.reason}"))
            else:
                findings.append(
                    Finding(action.name, None, f"no job of this spec on the cluster (jobs seen: {theirs})")
                )
        store.compact()
    return findings
