"""References between manifests (pure): the graph's order, and each ``{ref: NAME}`` resolved.

A reference names another manifest instead of a literal id. For a job kind it resolves to that
manifest's current job (the one this very plan starts, if it starts one); for a kind whose
references take the latest Completed job (an endpoint), to that, never one running or failed. The resolved id is what identity
hashes, so a new data-processing generation is new data for every model that refers to it, and a
new Completed model is an update of every endpoint that serves it.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .actions import ActionKind
from .desired import Desired
from .kinds import KINDS, by_name
from .ledger import Ledger
from .live import Live
from .model import Action
from .records import Generation
from .settle import last_completed

RANK = {k.name: i for i, k in enumerate(KINDS)}  # data → model → endpoint


def order(desired: Sequence[Desired]) -> list[Desired]:
    """Referenced manifests before those that refer to them; otherwise data → model → endpoint,
    then by name. A cycle (validation refuses one) is broken by name, never looped on."""
    by_name = {d.name: d for d in desired}
    needs = {d.name: {t for t in d.refs.values() if t in by_name and t != d.name} for d in desired}
    users: dict[str, list[str]] = {}
    for name, targets in needs.items():
        for t in targets:
            users.setdefault(t, []).append(name)
    key = {d.name: (RANK.get(d.kind.name, 0), d.name) for d in desired}
    ready = [key[n] for n, t in needs.items() if not t]
    heapq.heapify(ready)
    out: list[Desired] = []
    left = {n: len(t) for n, t in needs.items()}
    while ready:
        _, name = heapq.heappop(ready)
        out.append(by_name[name])
        for user in users.get(name, ()):
            left[user] -= 1
            if left[user] == 0:
                heapq.heappush(ready, key[user])
    done = {d.name for d in out}
    out.extend(sorted((d for d in desired if d.name not in done), key=lambda d: key[d.name]))
    return out


@dataclass(frozen=True)
class Unresolved:
    """Why a manifest's reference can't resolve yet, and the manifest at the root of the chain
    it waits along (a reason names that root, never the reasons of the links between: a chain of
    N references then costs N short reasons, not N nested ones)."""

    why: str
    root: str
    blocked: bool = False  # the root failed and is blocked: what needs it is blocked too, not waiting


def resolve(
    d: Desired, decided: Mapping[str, Action], ledger: Ledger, live: Live
) -> tuple[Desired, Unresolved | None]:
    """``d`` with its references replaced by ids, and why it must wait if one can't resolve
    (then the spec is unusable)."""
    if not d.refs:
        return d, None
    ids, waits = {}, []
    for field, target in sorted(d.refs.items()):
        if d.kind.ref_takes == "completed":
            job = last_completed(target, ledger, live)
            if job is None:
                return d, Unresolved(f"{target} has no Completed job yet", target)
        else:
            job, why, blocked = _current(target, decided, ledger, live)
            if job is None:
                act = decided.get(target)
                root = act.waits_on if act is not None and act.waits_on else target
                return d, Unresolved(why, root, blocked)
            if why:
                waits.append(why)
            if field in d.kind.value_refs:
                job, missing = _output(job, target, ledger, live, waiting=bool(why))
                if missing:
                    return d, Unresolved(missing, target)
        ids[field] = job
    return _with_ids(d, ids, waiting="; ".join(waits)), None


def _with_ids(d: Desired, ids: Mapping[str, str], waiting: str = "") -> Desired:
    """``d`` with these id fields set, in the effective spec and in what is sent alike."""
    return d.with_ids(ids, waiting)


def _current(
    target: str, decided: Mapping[str, Action], ledger: Ledger, live: Live
) -> tuple[str | None, str, bool]:
    """The referenced manifest's current job, why it is not usable yet ("" when it is), and
    whether that is for good: it failed and its manifest is blocked (no retries left)."""
    act = decided.get(target)
    noun = by_name(act.kind).noun if act is not None else "job"
    if act is not None and act.action.starts_job and act.job_id:
        return act.job_id, f"{noun} {act.job_id} of {target}, which starts in this apply", False
    cur = ledger.current(target)
    if cur is None:
        if act is not None and act.waits_on:
            return None, f"{target} has no job yet (it waits on {act.waits_on})", False
        return (
            None,
            f"{target} has no job yet" + (f" ({act.reason})" if act is not None and act.reason else ""),
            False,
        )
    job = cur["jobId"]
    status = live.status(job)
    if status == "Completed" or (status in (None, "Unknown") and cur.get("finalStatus") == "Completed"):
        return job, "", False
    if status in ("Failed", "Stopped") and act is not None and act.action is ActionKind.BLOCKED:
        view = live.jobs.get(job)
        reason = f": {view.failure_reason}" if view is not None and view.failure_reason else ""
        return None, f"{noun} {job} of {target} {status}{reason} ({target} is blocked)", True
    return job, f"{noun} {job} of {target}, which is {status or 'not yet read'}", False


def _output(job: str, target: str, ledger: Ledger, live: Live, *, waiting: bool) -> tuple[str, str]:
    """Where ``job`` wrote (a value reference's value), or why that is not known. While the job is
    not done the value is a placeholder: the manifest waits, so it is never sent."""
    if waiting:
        return f"(where {job} writes, once it succeeds)", ""
    view = live.jobs.get(job)
    recorded = next((wrote(g) for g in ledger.generations(target) if g["jobId"] == job), None)
    output = (view.output if view is not None else None) or recorded
    if not output:
        return job, f"{target}'s job {job} succeeded but its answer names no output location"
    return str(output), ""


def wrote(g: Generation) -> str | None:
    """Where a finished job wrote, as the ledger recorded its last answer."""
    seen = g.get("seen")
    return seen.get("output") if seen is not None else None


def by_ledger(d: Desired, ledger: Ledger) -> Desired | None:
    """``d`` with each reference replaced by its target's current job in the ledger (what observe
    probes for: the id a create would use, to adopt rather than duplicate after a lost ledger);
    None when a target has no job there yet (the plan then waits for it anyway)."""
    if not d.refs:
        return d
    current = {field: ledger.current(target) for field, target in d.refs.items()}
    if any(cur is None for cur in current.values()):
        return None
    ids = {field: cur["jobId"] for field, cur in current.items() if cur is not None}
    for field in set(ids) & set(d.kind.value_refs):
        cur = current[field]
        output = wrote(cur) if cur is not None else None
        if not output:
            return None  # not known yet: nothing to probe for
        ids[field] = str(output)
    return _with_ids(d, ids)
