"""The decision table as ordered rules. Each rule answers: does my case apply, and what then?

``decide`` asks the rules in order and takes the first answer. A rule sees one manifest's
``Situation`` (desired, settled ledger, live statuses, options) and returns an Action or None.
"""

from __future__ import annotations

import dataclasses

from . import identity
from .actions import ActionKind
from .adopt import desired_job, earlier, running_stranger
from .again import refresh, unconfirmed
from .model import Action
from .records import Generation
from .settle import last_completed
from .situation import Rule, Situation

__all__ = ["RULES", "Situation", "decide"]

K = ActionKind


def suspended(s: Situation) -> Action | None:
    """policy.suspend: stop what runs, start nothing, keep changes for when it resumes."""
    if not s.d.policy.get("suspend"):
        return None
    if s.status == "InProgress":
        return s.act(
            K.STOP, f"policy.suspend: true: stop running job {s.cur_id}", job_id=s.cur_id,
            stop_job_id=s.cur_id, changes=(), applied=s.d.applied_view(),
        )  # fmt: skip
    held = [c for c in s.changes if c.path != "policy.suspend"]
    waiting = f"; {len(held)} change(s) wait until it is resumed" if held else ""
    return s.act(K.NOOP, f"suspended (policy.suspend: true){waiting}", job_id=s.cur_id, changes=())


def first_job(s: Situation) -> Action | None:
    """No generation in the ledger: adopt the desired spec's newest job if the cluster has one,
    wait while another job of this manifest runs, else create one."""
    if s.current is not None:
        return None
    found = desired_job(s.d, s.owned)
    if found is not None:
        return s.adopt(found.job_id, found.previous, earlier(s.d, s.owned, found.job_id))
    stranger = running_stranger(s.d, s.owned, s.live)
    if stranger is not None:
        return s.act(
            K.RECORD, adopt=True, job_id=stranger, adopt_earlier=earlier(s.d, s.owned, stranger),
            reason=f"job {stranger} of this manifest is {s.live.status(stranger) or 'active'} but not in the "
            "ledger (a lost ledger?) and trains another spec: adopt it, start nothing beside it; the "
            "new spec follows its policy.onSupersede",
        )  # fmt: skip
    action = s.start(K.CREATE, f"new {s.d.kind.noun}: no job yet", None)
    return dataclasses.replace(action, adopt_earlier=earlier(s.d, s.owned, None)) if action.job_id else action


def replace(s: Situation) -> Action | None:
    """``--replace NAME``: a full retrain from scratch, stopping a running job first."""
    if s.d.name not in s.options.replace:
        return None
    stop = s.cur_id if s.status == "InProgress" else None
    fresh = s.d.job_id(None)
    job = identity.next_free(fresh, s.taken) if fresh in s.taken else fresh
    note = f"; stop running job {s.cur_id} first" if stop else ""
    return s.start(
        K.RETRAIN, f"--replace {s.d.name}: full retrain from scratch{note}", None, stop=stop, job=job
    )


def new_model(s: Situation) -> Action | None:
    """A new-job field changed: incremental (data only) or retrain; waits on a running job."""
    found = s.new_job_changes
    if not found:
        return None
    kind = s.d.kind
    data_only = bool(kind.data_field) and all(c.path == f"spec.{kind.data_field}" for c in found)
    incremental = s.d.policy.get("onDataChange") == "incremental" and data_only and bool(kind.previous_field)
    fields = sorted({c.path.removeprefix("spec.").split(".")[0] for c in found})
    fresh = "a new model (full retrain)" if kind.noun == "model" else f"a new {kind.noun}"
    if fields == ["spec"]:
        why = f"the ledger does not know what job {s.cur_id} makes (adopted): {fresh}"
    elif data_only:
        how = "incremental update" if incremental else "full retrain (policy.onDataChange: retrain)"
        why = f"new data: {how}"
    else:
        why = f"{', '.join(fields)} changed: {fresh}"
    if s.status == "Stopping" or (s.status == "InProgress" and s.d.policy.get("onSupersede") == "wait"):
        held = "policy.onSupersede: wait" if s.status == "InProgress" else "it is stopping"
        return s.act(K.WAIT, f"{why}; waiting for job {s.cur_id} to finish ({held})", job_id=s.cur_id)
    stop = s.cur_id if s.status == "InProgress" else None
    note = f"; stop running job {s.cur_id} first (policy.onSupersede: stop)" if stop else ""
    prev = last_completed(s.d.name, s.ledger, s.live) if incremental else None
    if prev:
        return s.start(K.INCREMENTAL, f"new data: incremental update from {prev}{note}", prev, stop=stop)
    if incremental:
        why = "new data, but no Completed job to build on: full retrain"
    return s.start(K.RETRAIN, f"{why}{note}", None, stop=stop)


def drift(s: Situation) -> Action | None:
    """The current job vanished or was stopped (by someone else, or by a suspend now lifted)."""
    assert s.current is not None  # first_job handled the manifest without generations
    ours = bool(s.current.get("stopped"))
    if s.status == "Missing":
        why = f"job {s.cur_id} vanished (not found): drift"
    elif s.status == "Stopped" and ours:
        why = f"job {s.cur_id} was stopped by the reconciler (suspend) and the manifest is active again"
    elif s.status in ("Stopped", "Stopping") and not ours:
        why = f"job {s.cur_id} was {s.status.lower()} outside the reconciler: drift"
    else:
        return None
    job = identity.next_free(identity.base_of(str(s.cur_id)), s.taken)
    if job is None:
        return s.act(
            K.BLOCKED, f"{why}; every retry id up to -r{identity.MAX_SUFFIX} is taken", job_id=s.cur_id
        )
    return s.start(K.RECREATE, why, s.current["spec"].get(s.d.kind.previous_field), job=job)


def failed(s: Situation) -> Action | None:
    """The current job Failed: retry while retries last, then blocked with the cause."""
    if s.status != "Failed":
        return None
    assert s.current is not None
    view, reason = s.live.jobs.get(str(s.cur_id)), s.failure
    used, limit = _retries_used(s.ledger.generations(s.d.name)), int(s.d.policy["retries"])
    if used < limit:
        job = identity.next_free(identity.base_of(str(s.cur_id)), s.taken)
        if job is None:
            return s.act(K.BLOCKED, f"job {s.cur_id} Failed{reason}; no retry ids left", job_id=s.cur_id)
        previous = s.current["spec"].get(s.d.kind.previous_field)
        return s.start(
            K.RETRY, f"job {s.cur_id} Failed{reason}; retry {used + 1} of {limit}", previous, job=job
        )
    log = f" (logs: {view.log_url})" if view and view.log_url else ""
    return s.act(
        K.BLOCKED, job_id=s.cur_id,
        reason=f"job {s.cur_id} Failed{reason}; no retries left (policy.retries: {limit}); "
        f"fix the cause, then change the spec or `--replace {s.d.name}`{log}",
    )  # fmt: skip


def record_only(s: Situation) -> Action | None:
    """Only policy, labels or next-job fields changed: ledger only."""
    if not s.changes:
        return None
    only = "policy or labels" if all(c.effect == "policy" for c in s.changes) else "next-job fields"
    return s.act(
        K.RECORD, f"only {only} changed: recorded in the ledger, no job started",
        job_id=s.cur_id, applied=s.d.applied_view(),
    )  # fmt: skip


def in_sync(s: Situation) -> Action:
    """Nothing changed and nothing needs doing."""
    return s.act(K.NOOP, f"in sync: job {s.cur_id} is {s.status or 'unknown'}", job_id=s.cur_id)


RULES: tuple[Rule, ...] = (
    suspended,
    unconfirmed,
    first_job,
    replace,
    new_model,
    drift,
    failed,
    refresh,
    record_only,
    in_sync,
)


def decide(s: Situation) -> Action:
    """The first rule that applies decides (``in_sync`` always does)."""
    for rule in RULES:
        action = rule(s)
        if action is not None:
            return action
    raise AssertionError("in_sync always decides")  # pragma: no cover


def _retries_used(generations: list[Generation]) -> int:
    """Retries already spent on the current spec: trailing retry generations of the same base."""
    if not generations:
        return 0
    base = identity.base_of(generations[-1]["jobId"])
    used = 0
    for g in reversed(generations):
        if identity.base_of(g["jobId"]) != base:
            break
        if g["action"] == "retry":
            used += 1
            continue
        if g["action"] in ("adopt", "import"):
            # An adopted -rN: the attempts before it are unknown; count them all as retries.
            used += identity.attempt_of(g["jobId"]) - 1
        break
    return used
