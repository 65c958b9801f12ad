"""``state rebuild``: record in the ledger what the cluster holds for manifests it does not know.

Deterministic ids make a lost ledger recoverable: observe finds the jobs each manifest can have
produced (``core/adopt.py``), and every job of the desired spec is adopted as that manifest's
current generation. Nothing is started or stopped; what can't be matched is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.actions import ActionKind
from ..core.adopt import index
from ..core.desired import Desired
from ..core.kinds import KINDS
from ..core.model import Options
from ..core.records import JournalOp, applied, generation
from ..core.refs import by_ledger
from ..errors import ReconcilerError, StateError
from ..manifests.config import Settings
from ..neptune import NeptuneClient
from ..state import StateStore
from .apply import Executor
from .workflow import Selection, git_commit, open_store, run_plan


@dataclass(frozen=True)
class Finding:
    name: str
    adopted: str | None  # the job recorded as current, if any
    note: str


def record_existing(store: StateStore, d: Desired, job_id: str, action: str, commit: str | None) -> None:
    """Record an existing job (or endpoint) as ``d``'s current one: ``import``, and ``rebuild``
    for endpoints. A job is recorded with the manifest's spec (references resolved from the
    ledger); an endpoint with none, since its GET does not say what it serves: the next plan
    updates it to serve what git says (an update, never a second endpoint)."""
    ledger = store.ledger
    if job_id in ledger.job_ids() and not d.kind.named_by_manifest:
        raise StateError(f"job {job_id} is already in the ledger")
    resolved = by_ledger(d, ledger)
    if resolved is None:
        missing = next(t for t in d.refs.values() if ledger.current(t) is None)
        raise ReconcilerError(
            f"{d.name} refers to {missing!r}, which has no job in the ledger yet",
            f"apply or import {missing} first",
        )
    spec = {} if d.kind.named_by_manifest else dict(resolved.spec)
    view = {**resolved.applied_view(), "spec": spec}
    gen = generation(job_id, spec, action, commit, kind=d.kind)
    store.commit(JournalOp.ADOPT, d.name, jobId=job_id, generation=gen, applied=applied(view, commit))


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
    findings: dict[str, Finding] = {}
    with store.held("state rebuild", wait=lock_wait):
        # In passes along the graph: a model's job is recognised once its data is in the ledger,
        # an endpoint once its model is (a reference chain is at most one kind deep per pass).
        for _ in range(len(KINDS)):
            if not _one_pass(client, settings, selection, store, parallelism, findings):
                break
        store.compact()
    return sorted(findings.values(), key=lambda f: f.name)


def _one_pass(
    client: NeptuneClient,
    settings: Settings,
    selection: Selection,
    store: StateStore,
    parallelism: int,
    findings: dict[str, Finding],
) -> bool:
    """Adopt what this pass can; True when it adopted anything."""
    run = run_plan(
        client, settings, selection, Options(), parallelism=parallelism, s3_check=False, store=store
    )
    owned = index(run.live)
    executor = Executor(store, client, git_commit())
    desired = {d.name: d for d in run.desired}
    adopted = False
    for action in run.plan.actions:
        theirs = ", ".join(owned.get(action.name, ())) or "none"
        if action.name in findings and findings[action.name].adopted:
            continue
        if run.ledger.generations(action.name):
            findings[action.name] = Finding(
                action.name, None, f"already in the ledger (current {action.current_job_id})"
            )
        elif action.action is ActionKind.RECORD and action.adopt:
            executor.run_one(action)
            findings[action.name] = Finding(
                action.name, action.job_id, f"adopted {action.job_id} (jobs seen: {theirs})"
            )
            adopted = True
        elif action.action is ActionKind.UPDATE and action.name in desired and action.job_id:
            # An endpoint the cluster has and the ledger lacks: recorded; the next apply updates it.
            record_existing(store, desired[action.name], action.job_id, "adopt", git_commit())
            findings[action.name] = Finding(
                action.name,
                action.job_id,
                f"adopted {desired[action.name].kind.noun} {action.job_id}; the next apply updates it to git's spec",
            )
            adopted = True
        elif action.action is ActionKind.WAIT and action.job_id:
            findings[action.name] = Finding(action.name, None, f"left alone: {action.reason}")
        else:
            findings[action.name] = Finding(
                action.name, None, f"no job of this spec on the cluster (jobs seen: {theirs})"
            )
    return adopted
