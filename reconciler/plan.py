"""Plan (pure): ``(desired, ledger, live) -> Plan``. No I/O; the decision table of DESIGN.md §5.

Every action says what it will do, why, which field changes caused it, and what it may cost.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import diff, identity
from .diff import Change
from .live import Live
from .manifests import Manifest
from .state.ledger import Ledger

ACTIONS = (
    "create",
    "incremental",
    "retrain",
    "retry",
    "recreate",
    "stop",
    "forget",
    "wait",
    "blocked",
    "record",
    "noop",
)
SYMBOLS = {
    "create": "+", "incremental": "~", "retrain": "-/+", "retry": "↻", "recreate": "!", "stop": "-",
    "forget": "×", "wait": "…", "blocked": "✗", "record": "=", "noop": " ",
}  # fmt: skip
STARTS_JOB = ("create", "incremental", "retrain", "retry", "recreate")
IN_SYNC = ("noop", "wait")


@dataclass(frozen=True)
class Desired:
    """A manifest as the plan sees it: the effective spec, the policy, the labels."""

    name: str
    spec: Mapping[str, Any]
    policy: Mapping[str, Any]
    labels: Mapping[str, str] = field(default_factory=dict)
    location: str = ""

    def applied_view(self) -> dict[str, Any]:
        return {"spec": dict(self.spec), "policy": dict(self.policy), "labels": dict(self.labels)}


def desired_from(manifests: Iterable[Manifest], defaults: Mapping[str, Any] | None = None) -> list[Desired]:
    return [
        Desired(m.name, identity.effective_spec(m.spec, defaults), dict(m.policy), dict(m.labels), m.location)
        for m in sorted(manifests, key=lambda m: m.name)
    ]


@dataclass(frozen=True)
class Cost:
    instance_type: str
    instance_hours: float
    hpo_jobs: int
    timeout_seconds: int

    def describe(self) -> str:
        hours = self.timeout_seconds / 3600
        return (
            f"at most {self.instance_hours:g} instance-hours of {self.instance_type} "
            f"({self.hpo_jobs} HPO jobs × {hours:g}h timeout)"
        )


def cost_of(spec: Mapping[str, Any]) -> Cost:
    jobs, timeout = int(spec["maxHPONumberOfTrainingJobs"]), int(spec["trainingTimeOutInSeconds"])
    return Cost(str(spec["trainingInstanceType"]), round(jobs * timeout / 3600, 2), jobs, timeout)


@dataclass(frozen=True)
class Action:
    name: str
    action: str
    reason: str
    job_id: str | None = None
    current_job_id: str | None = None
    previous_job_id: str | None = None
    stop_job_id: str | None = None
    clean: bool = False
    changes: tuple[Change, ...] = ()
    cost: Cost | None = None
    spec: Mapping[str, Any] | None = None
    applied: Mapping[str, Any] | None = None
    adopt: bool = False
    forget: bool = False  # a prune stop: the ledger drops the manifest once its job is stopped
    location: str = ""

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.action]

    @property
    def forces_new_job(self) -> bool:
        return self.action in STARTS_JOB

    @property
    def touches(self) -> tuple[str, ...]:
        """Job ids whose state this action depends on (for the stale-plan check)."""
        ids = (self.job_id, self.current_job_id, self.previous_job_id, self.stop_job_id)
        return tuple(dict.fromkeys(i for i in ids if i))


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...]
    state_serial: int = 0
    lineage: str | None = None
    fingerprints: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    commit: str | None = None

    def summary(self) -> dict[str, int]:
        counts = {a: 0 for a in ACTIONS}
        for act in self.actions:
            counts[act.action] += 1
        return counts

    @property
    def has_changes(self) -> bool:
        return any(a.action not in IN_SYNC for a in self.actions)

    def action_for(self, name: str) -> Action | None:
        return next((a for a in self.actions if a.name == name), None)


@dataclass(frozen=True)
class Options:
    replace: frozenset[str] = frozenset()
    prune: bool = False
    targets: frozenset[str] = frozenset()
    selector: Mapping[str, str] = field(default_factory=dict)


# -- pending intents and bookkeeping (pure; apply persists what these return) -----------
def resolve_pending(ledger: Ledger, live: Live) -> list[dict[str, Any]]:
    """Journal entries that settle intents left by an interrupted apply, judged by a GET."""
    entries: list[dict[str, Any]] = []
    for name in ledger.names():
        for intent in ledger.pending(name):
            job, status = intent["jobId"], live.status(intent["jobId"])
            if status is None:
                continue  # not looked up: leave it for a run that does
            if intent["op"] == "create" and status != "Missing":
                generation = {
                    "jobId": job, "specHash": identity.spec_hash(intent.get("spec", {})),
                    "spec": intent.get("spec", {}), "action": intent.get("action", "create"),
                    "appliedAt": intent["at"], "commit": None,
                }  # fmt: skip
                entry: dict[str, Any] = {
                    "op": "created",
                    "name": name,
                    "jobId": job,
                    "generation": generation,
                }
                if intent.get("applied"):
                    entry["applied"] = intent["applied"]
                entries.append(entry)
            elif intent["op"] == "stop" and status in ("Stopping", "Stopped"):
                if intent.get("forget"):
                    entries.append({"op": "forget", "name": name})
                else:
                    entries.append({"op": "stopped", "name": name, "jobId": job})
            else:  # the call never happened (or the job is gone): drop the intent
                entries.append({"op": "resolved", "name": name, "jobId": job})
    return entries


def finals(ledger: Ledger, live: Live) -> list[dict[str, Any]]:
    """``final`` entries for generations seen in a terminal state that the ledger lacks."""
    out = []
    for name in ledger.names():
        for g in ledger.generations(name):
            status = live.status(g["jobId"])
            if status in ("Completed", "Failed", "Stopped") and g.get("finalStatus") != status:
                out.append({"op": "final", "name": name, "jobId": g["jobId"], "status": status})
    return out


def settled(ledger: Ledger, live: Live) -> Ledger:
    """The ledger as it will be once pending intents are resolved (in memory only)."""
    view = ledger.copy()
    for entry in resolve_pending(view, live):
        view.apply({**entry, "serial": view.serial})
    return view


def last_completed(name: str, ledger: Ledger, live: Live) -> str | None:
    for g in reversed(ledger.generations(name)):
        status = live.status(g["jobId"])
        if status == "Completed" or (status is None and g.get("finalStatus") == "Completed"):
            return str(g["jobId"])
    return None


def probe_ids(desired: Sequence[Desired], ledger: Ledger, live: Live) -> dict[str, Desired]:
    """Ids a plan may want to create (and their manifest), so observe can check they are free."""
    ids: dict[str, Desired] = {}
    for d in desired:
        ids[identity.job_id(d.name, d.spec)] = d
        prev = last_completed(d.name, ledger, live)
        if prev:
            ids[identity.job_id(d.name, d.spec, prev)] = d
    return ids


# -- the decision table ---------------------------------------------------------------------
def plan(
    desired: Sequence[Desired],
    ledger: Ledger,
    live: Live,
    options: Options | None = None,
    commit: str | None = None,
) -> Plan:
    """Decide one action per manifest (and per pruned ledger entry)."""
    options = options or Options()
    view = settled(ledger, live)
    taken = frozenset(view.job_ids() | set(live.listed) | {k for k, v in live.jobs.items() if v is not None})
    actions = [_decide(d, view, live, options, taken) for d in desired]
    warnings: list[str] = []
    wanted = {d.name for d in desired}
    for name in view.names():
        if name in wanted or not _in_scope(name, view, options):
            continue
        act = _orphan(name, view, live, options)
        if act.action == "noop":
            warnings.append(f"{name}: manifest removed; plan with --prune to stop or forget its job")
        actions.append(act)
    for name in sorted(options.replace - wanted):
        warnings.append(f"--replace {name}: no manifest of that name is selected")
    return Plan(
        actions=tuple(sorted(actions, key=lambda a: a.name)),
        state_serial=ledger.serial,
        lineage=ledger.lineage if ledger.exists else None,
        fingerprints=live.fingerprints(),
        warnings=tuple(warnings),
        commit=commit,
    )


def _in_scope(name: str, ledger: Ledger, options: Options) -> bool:
    if options.targets and name not in options.targets:
        return False
    labels = (ledger.resource(name) or {}).get("applied", {}).get("labels", {})
    return all(labels.get(k) == v for k, v in options.selector.items())


def _orphan(name: str, ledger: Ledger, live: Live, options: Options) -> Action:
    cur = ledger.current(name)
    cur_id = cur["jobId"] if cur else None
    status = live.status(cur_id)
    if not options.prune:
        return Action(
            name, "noop", "manifest removed; --prune would stop or forget it", current_job_id=cur_id
        )
    if status == "InProgress":
        policy = (ledger.resource(name) or {}).get("applied", {}).get("policy", {})
        clean = policy.get("deletion") == "clean"
        how = " with clean=true (deletion: clean)" if clean else " (deletion: retain keeps its artifacts)"
        return Action(
            name, "stop", f"manifest removed (--prune): stop running job {cur_id}{how}, then forget it",
            job_id=cur_id, current_job_id=cur_id, stop_job_id=cur_id, clean=clean, forget=True,
        )  # fmt: skip
    what = f"job {cur_id} is {status or 'unknown'}" if cur_id else "no job"
    return Action(
        name,
        "forget",
        f"manifest removed (--prune); {what}: drop it from the ledger, touch nothing",
        current_job_id=cur_id,
    )


def _gate(d: Desired, live: Live) -> tuple[str, str] | None:
    """Why a new job can't start now: (``wait`` or ``blocked``, reason), or None."""
    if d.name in live.preflight:
        return "blocked", live.preflight[d.name]
    dp = d.spec["dataProcessingJobId"]
    status = live.processing.get(dp, "Unknown")
    if status is None:
        return "blocked", f"data-processing job {dp} not found; create it or fix dataProcessingJobId"
    if status in ("InProgress", "Stopping"):
        return "wait", f"data-processing job {dp} is {status}"
    if status != "Completed":
        return "blocked", f"data-processing job {dp} is {status}; a training job needs it Completed"
    return None


def _decide(d: Desired, ledger: Ledger, live: Live, options: Options, taken: frozenset[str]) -> Action:
    res = ledger.resource(d.name) or {}
    cur = ledger.current(d.name)
    cur_id = cur["jobId"] if cur else None
    status = live.status(cur_id)
    applied = res.get("applied")
    found = diff.changes(_applied_view(applied), d.applied_view()) if applied else ()
    new_job = tuple(c for c in found if c.effect == "new-job")
    template = Action(d.name, "noop", "", current_job_id=cur_id, changes=found, location=d.location)

    def act(kind: str, reason: str, **fields: Any) -> Action:
        return dataclasses.replace(template, action=kind, reason=reason, **fields)

    def start(
        kind: str, reason: str, previous: str | None, *, stop: str | None = None, job: str | None = None
    ) -> Action:
        blocked = _gate(d, live)
        if blocked:
            return act(kind=blocked[0], reason=f"{reason}; but {blocked[1]}", job_id=cur_id)
        target = job or identity.job_id(d.name, d.spec, previous)
        if job is None and target not in ledger.job_ids() and live.exists(target):
            return act(
                kind="record", adopt=True, job_id=target, applied=d.applied_view(),
                reason=f"job {target} already exists with this spec (an interrupted apply or a lost "
                "ledger); adopt it instead of starting another",
                spec=identity.create_body(d.spec, target, previous),
            )  # fmt: skip
        if job is None and target in taken:
            target = identity.next_free(target, taken) or ""
        if not target:
            return act(
                kind="blocked",
                reason=f"{reason}; but every id up to -r{identity.MAX_SUFFIX} is taken",
                job_id=cur_id,
            )
        return act(
            kind=kind, reason=reason, job_id=target, previous_job_id=previous, stop_job_id=stop,
            cost=cost_of(d.spec), spec=identity.create_body(d.spec, target, previous),
            applied=d.applied_view(),
        )  # fmt: skip

    # Suspended: stop what runs, start nothing, keep changes for when it resumes.
    if d.policy.get("suspend"):
        if status == "InProgress":
            return act(
                kind="stop",
                reason=f"policy.suspend: true: stop running job {cur_id}",
                job_id=cur_id,
                stop_job_id=cur_id,
                changes=(),
            )
        suspended = [c for c in found if c.path != "policy.suspend"]
        waiting = f"; {len(suspended)} change(s) wait until it is resumed" if suspended else ""
        return act(
            kind="noop",
            reason=f"suspended (policy.suspend: true){waiting}",
            job_id=cur_id,
            changes=(),
        )

    if cur is None:
        return start("create", "new model: no job yet", None)

    if d.name in options.replace:
        stop = cur_id if status == "InProgress" else None
        fresh = identity.job_id(d.name, d.spec)
        job: str | None = identity.next_free(fresh, taken) if fresh in taken else fresh
        note = f"; stop running job {cur_id} first" if stop else ""
        return start(
            "retrain", f"--replace {d.name}: full retrain from scratch{note}", None, stop=stop, job=job
        )

    if new_job:
        incremental = d.policy["onDataChange"] == "incremental" and all(
            c.path == "spec.dataProcessingJobId" for c in new_job
        )
        fields = sorted({c.path.removeprefix("spec.").split(".")[0] for c in new_job})
        if fields == ["dataProcessingJobId"]:
            why = "new data: " + (
                "incremental update" if incremental else "full retrain (policy.onDataChange: retrain)"
            )
        else:
            why = f"{', '.join(fields)} changed: a new model (full retrain)"
        if status == "Stopping" or (status == "InProgress" and d.policy["onSupersede"] == "wait"):
            held = "policy.onSupersede: wait" if status == "InProgress" else "it is stopping"
            return act(
                kind="wait", reason=f"{why}; waiting for job {cur_id} to finish ({held})", job_id=cur_id
            )
        stop = cur_id if status == "InProgress" else None
        note = f"; stop running job {cur_id} first (policy.onSupersede: stop)" if stop else ""
        prev = last_completed(d.name, ledger, live) if incremental else None
        if prev:
            return start("incremental", f"new data: incremental update from {prev}{note}", prev, stop=stop)
        if incremental:
            why = "new data, but no Completed job to build on: full retrain"
        return start("retrain", f"{why}{note}", None, stop=stop)

    stopped_by_us = bool(cur.get("stopped"))
    if (
        status == "Missing"
        or (status in ("Stopped", "Stopping") and not stopped_by_us)
        or (status == "Stopped" and stopped_by_us)
    ):
        previous = cur["spec"].get(identity.PREVIOUS)
        job = identity.next_free(identity.base_of(str(cur_id)), taken)
        if status == "Missing":
            why = f"job {cur_id} vanished (not found): drift"
        elif stopped_by_us:
            why = f"job {cur_id} was stopped by the reconciler (suspend) and the manifest is active again"
        else:
            why = f"job {cur_id} was {status.lower()} outside the reconciler: drift"
        if job is None:
            return act(
                kind="blocked",
                reason=f"{why}; every retry id up to -r{identity.MAX_SUFFIX} is taken",
                job_id=cur_id,
            )
        return start("recreate", why, previous, job=job)

    if status == "Failed":
        view = live.jobs.get(str(cur_id))
        reason = f": {view.failure_reason}" if view and view.failure_reason else ""
        used = _retries_used(ledger.generations(d.name))
        limit = int(d.policy["retries"])
        if used < limit:
            job = identity.next_free(identity.base_of(str(cur_id)), taken)
            if job is None:
                return act(
                    kind="blocked",
                    reason=f"job {cur_id} Failed{reason}; no retry ids left",
                    job_id=cur_id,
                )
            return start(
                "retry",
                f"job {cur_id} Failed{reason}; retry {used + 1} of {limit}",
                cur["spec"].get(identity.PREVIOUS),
                job=job,
            )
        log = f" (logs: {view.log_url})" if view and view.log_url else ""
        return act(
            kind="blocked", job_id=cur_id,
            reason=f"job {cur_id} Failed{reason}; no retries left (policy.retries: {limit}); "
            f"fix the cause, then change the spec or `--replace {d.name}`{log}",
        )  # fmt: skip

    if found:
        only = "policy or labels" if all(c.effect == "policy" for c in found) else "next-job fields"
        return act(
            kind="record",
            reason=f"only {only} changed: recorded in the ledger, no job started",
            job_id=cur_id,
            applied=d.applied_view(),
        )
    return act(kind="noop", reason=f"in sync: job {cur_id} is {status or 'unknown'}", job_id=cur_id)


def _applied_view(applied: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "spec": applied.get("spec", {}),
        "policy": applied.get("policy", {}),
        "labels": applied.get("labels", {}),
    }


def _retries_used(generations: list[dict[str, Any]]) -> int:
    """Retries already spent on the current spec: trailing retry generations of the same base."""
    if not generations:
        return 0
    base = identity.base_of(generations[-1]["jobId"])
    used = 0
    for g in reversed(generations):
        if identity.base_of(g["jobId"]) != base or g["action"] != "retry":
            break
        used += 1
    return used
