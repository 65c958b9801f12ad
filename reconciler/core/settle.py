"""Ledger settlement (pure): what observe's reads say about intents and finished jobs.

Apply persists the entries these return; plan works on the settled view in memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

from .desired import Desired
from .identity import new_job_fields
from .ledger import Ledger
from .live import TERMINAL, UNCONFIRMED, JobView, Live
from .quality import Metrics
from .records import Entry, Generation, JournalOp, Seen, entry, generation


def resolve_pending(ledger: Ledger, live: Live) -> list[Entry]:
    """Journal entries that settle intents left by an interrupted apply, judged by a GET."""
    entries: list[Entry] = []
    for name in ledger.names():
        for intent in ledger.pending(name):
            job, status = intent["jobId"], live.status(intent["jobId"])
            if status in (None, UNCONFIRMED):
                continue  # not looked up, or not known either way (an export's lost answer): kept
            if intent["op"] == "create" and intent.get("action") == "update":
                # An endpoint exists before and after an update, so a GET can't say whether it was
                # sent: drop the intent; the next plan sees the change again and re-sends it (an
                # update is idempotent).
                entries.append(entry(JournalOp.RESOLVED, name, jobId=job))
            elif intent["op"] == "create" and status != "Missing":
                kind = ledger.kind(name)
                gen = generation(
                    job, intent.get("spec", {}), intent.get("action", "create"), None, intent["at"], kind=kind
                )
                fields = {"applied": intent["applied"]} if intent.get("applied") else {}
                entries.append(entry(JournalOp.CREATED, name, jobId=job, generation=gen, **fields))
            elif intent["op"] == "stop" and status in ("Stopping", "Stopped"):
                if intent.get("forget"):
                    entries.append(entry(JournalOp.FORGET, name))
                else:
                    entries.append(entry(JournalOp.STOPPED, name, jobId=job))
            else:  # the call never happened (or the job is gone): drop the intent
                entries.append(entry(JournalOp.RESOLVED, name, jobId=job))
    return entries


def finals(ledger: Ledger, live: Live) -> list[Entry]:
    """``final`` entries for generations read in a terminal state that the ledger lacks (or has
    from another cluster): the status, what its answer said, the cluster it came from, and its
    metrics once they were read (a job answered from the ledger gains them the same way)."""
    out = []
    for name in ledger.names():
        if not ledger.kind(name).finishes:
            continue  # an endpoint has no final state: it serves until deleted
        for g in ledger.generations(name):
            found = _seen(g, live)
            if found is None:
                continue
            status, seen = found
            if g.get("finalStatus") != status or (live.cluster and g.get("seen") != seen):
                fields = {"seen": seen} if live.cluster else {}
                out.append(entry(JournalOp.FINAL, name, jobId=g["jobId"], status=status, **fields))
    return out


def _seen(g: Generation, live: Live) -> tuple[str, Seen] | None:
    """A generation's final status and what to record of it, from this run's reads."""
    job, old = g["jobId"], g.get("seen")
    view = live.jobs.get(job) if job not in live.recorded else None
    seen: Seen
    if view is not None and view.status in TERMINAL:
        status = view.status
        seen = {"cluster": live.cluster, "models": view.models}
        if view.failure_reason is not None:
            seen["failureReason"] = view.failure_reason
        if view.log_url is not None:
            seen["logUrl"] = view.log_url
        if view.output is not None:
            seen["output"] = view.output
    elif job in live.recorded and old is not None and job in live.metrics:
        status = g["finalStatus"]
        seen = cast(Seen, {k: v for k, v in old.items() if k not in METRIC_KEYS})
    else:
        return None
    metrics = live.metrics.get(job)
    if isinstance(metrics, str):
        seen["metricsMissing"] = metrics
    elif metrics is not None:
        seen["metrics"] = dict(metrics)
    return status, seen


METRIC_KEYS = ("metrics", "metricsMissing")


def recorded_metrics(ledger: Ledger) -> dict[str, Metrics]:
    """Every finished job's metrics the ledger holds (the file's JSON, or why there is none)."""
    found: dict[str, Metrics] = {}
    for name in ledger.names():
        for g in ledger.generations(name):
            seen = g.get("seen")
            if seen is not None and "metrics" in seen:
                found[g["jobId"]] = seen["metrics"]
            elif seen is not None and "metricsMissing" in seen:
                found[g["jobId"]] = seen["metricsMissing"]
    return found


def recorded_finals(ledger: Ledger, cluster: str) -> dict[str, JobView]:
    """Jobs the ledger saw finished on ``cluster``, as their last answer said: a job in a final
    state can never change on the service (a finished job can't be edited, restarted or stopped),
    so a plan against the same cluster need not read it again."""
    found: dict[str, JobView] = {}
    if not cluster:
        return found
    for name in ledger.names():
        if not ledger.kind(name).finishes:
            continue
        for g in ledger.generations(name):
            seen = g.get("seen")
            if g.get("finalStatus") in TERMINAL and seen is not None and seen["cluster"] == cluster:
                found[g["jobId"]] = JobView(
                    g["jobId"], g["finalStatus"], seen.get("failureReason"), seen.get("logUrl"),
                    seen.get("models", 0), output=seen.get("output"),
                )  # fmt: skip
    return found


def contradicted(ledger: Ledger, live: Live) -> list[str]:
    """Jobs recorded as finished that answer otherwise now (a ``--refresh-all`` read): reported,
    never trusted silently either way."""
    said = []
    for name in ledger.names():
        for g in ledger.generations(name):
            final, status = g.get("finalStatus"), live.status(g["jobId"])
            if final in TERMINAL and g["jobId"] not in live.recorded and status not in (None, final):
                said.append(
                    f"{name}: job {g['jobId']} was recorded {final} but the cluster answers {status}; "
                    "the plan goes by the answer"
                )
    return said


def settled(ledger: Ledger, live: Live) -> Ledger:
    """The ledger as it will be once pending intents are resolved (in memory only)."""
    found_any = resolve_pending(ledger, live)
    if not found_any:
        return ledger  # nothing to settle: no copy of a fleet-sized ledger
    view = ledger.copy()
    for found in resolve_pending(view, live):
        view.apply({**found, "serial": view.serial})
    return view


def last_completed(name: str, ledger: Ledger, live: Live) -> str | None:
    """The newest generation known to be Completed (live status first, then the ledger's)."""
    for g in reversed(ledger.generations(name)):
        status = live.status(g["jobId"])
        if status == "Completed" or (status is None and g.get("finalStatus") == "Completed"):
            return str(g["jobId"])
    return None


def may_start(d: Desired, ledger: Ledger) -> bool:
    """Whether a plan could start a job of ``d``'s spec under its deterministic id: the ledger
    doesn't know the manifest, or a field that shapes the model changed since it was applied.
    (Retries, recreates and --replace take ids the ledger and the list call already rule on.)"""
    applied = ledger.applied(d.name)
    if ledger.current(d.name) is None or not applied:
        return True
    old = d.completed(applied.get("spec", {}))
    return new_job_fields(old, d.kind) != new_job_fields(d.spec, d.kind)


def at_rest(d: Desired, ledger: Ledger, recorded: Mapping[str, JobView]) -> bool:
    """Whether ``d`` can start nothing: its current job finished Completed (as the ledger saw it
    on this cluster) and nothing that shapes a job changed. Its gate's inputs (the data it was
    trained on) then need no read."""
    cur = ledger.current(d.name)
    view = recorded.get(cur["jobId"]) if cur else None
    return view is not None and view.status == "Completed" and not may_start(d, ledger)


def probe_ids(desired: Sequence[Desired], ledger: Ledger, live: Live) -> dict[str, Desired]:
    """Ids a plan may want to create (and their manifest), so observe can check they are free.
    An in-sync manifest needs none: a steady plan reads each current job once, nothing more."""
    ids: dict[str, Desired] = {}
    for d in desired:
        if d.kind.named_by_manifest:
            if ledger.current(d.name) is None:
                ids[d.name] = d  # an endpoint's id is its name: does one exist already?
            continue
        if not may_start(d, ledger):
            continue
        prev = last_completed(d.name, ledger, live) if _data_only(d, ledger) else None
        # New data with a Completed job to build on: the create takes the incremental id only.
        ids[d.job_id(prev)] = d
    return ids


def _data_only(d: Desired, ledger: Ledger) -> bool:
    """Whether an incremental job is what a change of ``d`` would start (policy and fields)."""
    applied = ledger.applied(d.name)
    if d.policy.get("onDataChange") != "incremental" or not applied or not d.kind.data_field:
        return False
    old = new_job_fields(d.completed(applied.get("spec", {})), d.kind)
    new = new_job_fields(d.spec, d.kind)
    return {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)} == {d.kind.data_field}
