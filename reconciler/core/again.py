"""Rules that start a request again without a change in git (pure): after a create whose answer was
lost on a service that picks its ids (an export), and on a schedule (``policy.refreshEverySeconds``)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from . import identity
from .actions import ActionKind
from .live import UNCONFIRMED
from .model import Action
from .situation import Situation

K = ActionKind


def unconfirmed(s: Situation) -> Action | None:
    """A create whose answer was lost on a service that picks its ids (an export): it may be
    running, and the service can't be asked. Nothing starts in its place while its completion file
    may still appear (``policy.confirmWithinSeconds``); past that, or on ``--replace NAME``, it is
    recorded as a generation of its own (still looked for) and the next attempt starts."""
    lost = next(
        (
            p
            for p in s.ledger.pending(s.d.name)
            if p["op"] == "create" and s.live.status(p["jobId"]) == UNCONFIRMED
        ),
        None,
    )
    if lost is None:
        return None
    job, noun, name = lost["jobId"], s.d.kind.noun, s.d.name
    where = lost.get("spec", {}).get("completionFileS3Path", "its completion file's folder")
    within = int(s.d.policy.get("confirmWithinSeconds", 0))
    age = _age(lost["at"], s.options.now)
    if name in s.options.replace:
        why = f"--replace {name}: a new {noun} in place of the unconfirmed {job}"
    elif within and age is not None and age > within:
        why = f"{noun} {job} went unconfirmed for {age:.0f}s (> policy.confirmWithinSeconds {within}): taken as never started"
    else:
        return s.act(
            K.WAIT, job_id=job,
            reason=f"{noun} {job} may be running: a run stopped between sending it ({lost['at']}) and recording "
            f"the answer, and the service can't be asked for it; nothing starts in its place until its "
            f"completion file appears under {where} (waited for up to policy.confirmWithinSeconds: {within}), "
            f"or `--replace {name}`",
        )  # fmt: skip
    fresh = identity.next_free(identity.base_of(job), s.taken) or ""
    action = s.start(K.RETRAIN, f"{why} (it stays in the ledger: if it did start, its completion file records it)",
                     None, job=fresh)  # fmt: skip
    return dataclasses.replace(action, abandon=job) if action.action.starts_job else action


def _age(at: str, now: str) -> float | None:
    """Seconds from ``at`` to ``now`` (both UTC ISO 8601), or None when either is unknown."""
    try:
        return (datetime.fromisoformat(now) - datetime.fromisoformat(at)).total_seconds()
    except ValueError:
        return None


def refresh(s: Situation) -> Action | None:
    """``policy.refreshEverySeconds``: the same request again once the last one succeeded that long
    ago (an export of a graph that kept changing); what refers to it follows the new one."""
    every = int(s.d.policy.get("refreshEverySeconds") or 0)
    if not every or s.current is None or s.status != "Completed" or not s.options.now:
        return None
    age = _age(s.current["appliedAt"], s.options.now)
    if age is None or age < every:
        return None
    period = int(datetime.fromisoformat(s.options.now).timestamp()) // every
    job = identity.refreshed_id(s.d.name, s.d.spec, s.d.kind, period)
    if job in s.taken:
        return None  # this period's refresh was made already (the ledger holds it)
    return s.start(
        K.RETRAIN, f"policy.refreshEverySeconds {every}: {s.cur_id} was started {age:.0f}s ago; a new "
        f"{s.d.kind.noun} of the same request",
        None, job=job,
    )  # fmt: skip
