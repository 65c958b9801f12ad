"""Plan (pure): ``(desired, ledger, live) -> Plan``. No I/O.

One action per manifest, decided by the ordered rules in ``rules.py``, plus one per ledger
entry whose manifest is gone. Every action says what it will do, why, which field changes
caused it, and what it may cost.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from typing import cast

from . import facts, refs, service
from .actions import ActionKind
from .adopt import index
from .desired import Desired
from .identity import Taken, digest
from .kinds import by_name
from .ledger import Ledger
from .live import Live
from .model import Action, Options, Plan
from .rules import Situation, decide
from .settle import contradicted, settled

ACTIONS = tuple(ActionKind)
# The rules that decide for each lifecycle: immutable jobs, or a long-lived service.
RULES = {"job": decide, "service": service.decide}
__all__ = ["ACTIONS", "Action", "Options", "Plan", "plan"]


def plan(
    desired: Sequence[Desired],
    ledger: Ledger,
    live: Live,
    options: Options | None = None,
    commit: str | None = None,
    dirty: bool = False,
) -> Plan:
    """Decide one action per manifest (and per pruned ledger entry), listed in the graph's order:
    data-processing jobs, then models, then endpoints, each by name."""
    options = options or Options()
    view = settled(ledger, live)
    taken = Taken(view.job_ids() | set(live.listed) | {k for k, v in live.jobs.items() if v is not None})
    owned = index(live)
    decided: dict[str, Action] = {}
    for d in refs.order(desired):  # what a manifest refers to is decided before it
        recorded = view.applied(d.name).get("kind")
        was = by_name(recorded).name if recorded or view.current(d.name) else d.kind.name
        if was != d.kind.name:
            decided[d.name] = _kind_changed(d, view, was)
            continue
        resolved, unresolved = refs.resolve(d, decided, view, live)
        if unresolved is not None:
            decided[d.name] = _unresolved(d, view, unresolved)
            continue
        situation = Situation.of(resolved, view, live, options, taken, owned)
        decided[d.name] = RULES[d.kind.lifecycle](situation)
    actions = list(decided.values())
    warnings: list[str] = []
    wanted = {d.name for d in desired}
    managed = [name for name in view.names() if _in_scope(name, view, options)]
    orphans = [_orphan(name, view, live, options) for name in managed if name not in wanted]
    for act in _prune_guard([dataclasses.replace(a, orphan=True) for a in orphans], len(managed), options):
        if act.action is ActionKind.NOOP:
            warnings.append(f"{act.name}: manifest removed; plan with --prune to stop or forget its job")
        actions.append(act)
    warnings.extend(contradicted(view, live))
    for name in sorted(options.replace - wanted):
        warnings.append(f"--replace {name}: no manifest of that name is selected")
    confirmed = {a.name for a in actions if a.orphan}
    for name in sorted(options.confirm_prune - confirmed):
        warnings.append(f"--confirm-prune {name}: nothing of that name is pruned here (done already?)")
    return Plan(
        actions=tuple(sorted(actions, key=lambda a: (refs.RANK.get(a.kind, 0), a.name))),
        state_serial=ledger.serial,
        lineage=ledger.lineage if ledger.exists else None,
        fingerprints=live.fingerprints(),
        warnings=tuple(warnings),
        commit=commit,
        manifests=Digests(desired),
        paths=options.paths,
        dirty=dirty,
        edges=tuple(sorted((d.name, t, f) for d in desired for f, t in d.refs.items() if t in wanted)),
        moving=_moving(actions, live),
        history=_history(actions, view, live),
    )


def _history(
    actions: Sequence[Action], view: Ledger, live: Live
) -> dict[str, tuple[tuple[str, str, str], ...]]:
    """The last generations of each gated model this plan starts a job of (nothing gated: {})."""
    paths = facts.judged(view)
    if not paths:
        return {}
    found = {a.name: facts.history(a.name, view, live, paths) for a in actions if a.action.starts_job}
    return {name: rows for name, rows in found.items() if rows}


def _moving(actions: Sequence[Action], live: Live) -> tuple[str, ...]:
    """In-sync manifests whose current job or endpoint is not settled yet (InProgress, Updating…)."""
    return tuple(
        sorted(
            a.name
            for a in actions
            if a.action.in_sync
            and not a.orphan
            and (status := live.status(a.current_job_id)) not in (None, "Missing")
            and status not in by_name(a.kind).settled
        )
    )


def manifest_digests(desired: Sequence[Desired]) -> dict[str, str]:
    """Each manifest's digest (its effective spec, policy and labels): what a saved plan was made
    from, compared when it is applied."""
    return {d.name: digest(d.effective_view()) for d in sorted(desired, key=lambda d: d.name)}


class Digests(Mapping[str, str]):
    """``manifest_digests`` worked out when first asked (only a saved plan keeps them)."""

    def __init__(self, desired: Sequence[Desired]) -> None:
        self._desired, self._found = tuple(desired), cast(dict[str, str] | None, None)

    def _all(self) -> dict[str, str]:
        if self._found is None:
            self._found = manifest_digests(self._desired)
        return self._found

    def __getitem__(self, name: str) -> str:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def _kind_changed(d: Desired, ledger: Ledger, was: str) -> Action:
    """A name the ledger knows as another kind: its jobs live on another resource, so nothing is
    guessed: blocked until the user renames it or prunes the old one."""
    cur = ledger.current(d.name)
    cur_id = cur["jobId"] if cur else None
    return Action(
        d.name, ActionKind.BLOCKED, job_id=cur_id, current_job_id=cur_id, location=d.location, kind=d.kind.name,
        reason=f"{d.name} is a {d.kind.name} in git but a {was} in the ledger; a manifest can't change kind: "
        f"give it another name, or remove it, apply --prune, and add it back",
    )  # fmt: skip


def _unresolved(d: Desired, ledger: Ledger, why: refs.Unresolved) -> Action:
    """A manifest whose reference can't resolve yet: nothing to send; it waits for the graph, or is
    blocked with what it needs when that failed for good."""
    cur = ledger.current(d.name)
    cur_id = cur["jobId"] if cur else None
    act, said = (ActionKind.BLOCKED, "blocked: needs") if why.blocked else (ActionKind.WAIT, "waits:")
    return Action(
        d.name, act, f"{said} {why.why}", job_id=cur_id, current_job_id=cur_id,
        location=d.location, kind=d.kind.name, waits_on=why.root,
    )  # fmt: skip


def _prune_guard(orphans: list[Action], managed: int, options: Options) -> list[Action]:
    """Refuse to prune half or more of the managed manifests at once without ``--prune-all``: a
    wrong path, a stale branch or emptied files must not stop a fleet (a single removal is always
    allowed)."""
    pruning = [
        a
        for a in orphans
        if a.action in (ActionKind.STOP, ActionKind.DELETE, ActionKind.FORGET, ActionKind.HOLD)
    ]
    if options.prune_all or len(pruning) <= 1 or 2 * len(pruning) < managed:
        return orphans
    why = (
        f"--prune would remove {len(pruning)} of the {managed} manifests the ledger manages here "
        "(half or more), so nothing is pruned; if they are all meant to go, pass --prune-all"
    )
    return [
        dataclasses.replace(
            a, action=ActionKind.BLOCKED, reason=why, job_id=None, stop_job_id=None, forget=False
        )
        if a in pruning
        else a
        for a in orphans
    ]


def _in_scope(name: str, ledger: Ledger, options: Options) -> bool:
    """Whether a ledger entry is inside what this run looks at: --target, -l, and the paths."""
    if options.targets and name not in options.targets:
        return False
    applied = ledger.applied(name)
    labels = applied.get("labels", {})
    if not all(labels.get(k) == v for k, v in options.selector.items()):
        return False
    source = applied.get("source")
    if source and any(_inside(str(source), p) for p in options.skipped):
        return False  # discovery did not read where its manifest lives: absent is not removed
    if not options.paths:
        return True
    if not source:
        return not options.paths_exact
    return any(_inside(str(source), p) for p in options.paths)


def _inside(source: str, path: str) -> bool:
    """``source`` is ``path`` or lies under it (both relative to the repository root,
    '/'-separated; ``.`` is the root)."""
    if path == ".":
        return not source.startswith("../")
    return source == path or source.startswith(path.rstrip("/") + "/")


def _orphan(name: str, ledger: Ledger, live: Live, options: Options) -> Action:
    """A ledger entry whose manifest is gone: kept, stopped (prune, running), deleted (an
    endpoint) or forgotten. A stop or a deletion is held until ``--confirm-prune NAME``."""
    cur = ledger.current(name)
    cur_id = cur["jobId"] if cur else None
    status = live.status(cur_id)
    kind = ledger.kind(name)
    if not options.prune:
        return Action(
            name, ActionKind.NOOP, "manifest removed; --prune would stop or forget it", current_job_id=cur_id,
            kind=kind.name,
        )  # fmt: skip
    clean = ledger.applied(name).get("policy", {}).get("deletion") == "clean"
    if kind.removal == "delete" and status not in (None, "Missing", "Deleting"):
        act, what = ActionKind.DELETE, f"delete {kind.noun} {cur_id}" + (" with clean=true" if clean else "")
    elif status == "InProgress" and kind.removal == "stop":
        how = " with clean=true (deletion: clean)" if clean else " (deletion: retain keeps its artifacts)"
        act, what = ActionKind.STOP, f"stop running job {cur_id}{how}"
    else:
        done = f"job {cur_id} is {status or 'unknown'}" if cur_id else "no job"
        if status == "InProgress":  # a service that can't stop it (an export): it runs to its end
            done += f" and can't be stopped (its {kind.noun} runs to its end; what it writes stays)"
        return Action(
            name, ActionKind.FORGET, f"manifest removed (--prune); {done}: drop it from the ledger, touch nothing",
            current_job_id=cur_id, kind=kind.name,
        )  # fmt: skip
    if name not in options.confirm_prune:
        return Action(
            name, ActionKind.HOLD,
            f"manifest removed (--prune) would {what}; held: a prune that destroys work needs "
            f"`--confirm-prune {name}`",
            current_job_id=cur_id, kind=kind.name,
        )  # fmt: skip
    return Action(
        name, act, f"manifest removed (--prune): {what}, then forget it",
        job_id=cur_id, current_job_id=cur_id, stop_job_id=cur_id, clean=clean, forget=True,
        applied=ledger.applied(name) or None,  # the role the stop or delete call carries
        kind=kind.name,
    )  # fmt: skip
