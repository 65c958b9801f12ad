"""Ledger settlement (pure): what observe's reads say about intents and finished jobs.

Apply persists the entries these return; plan works on the settled view in memory.
"""

from __future__ import annotations

from collections.abc import Sequence

from .desired import Desired
from .identity import job_id, new_job_fields
from .kinds import by_name
from .ledger import Ledger
from .live import TERMINAL, Live
from .records import Entry, JournalOp, entry, generation


def resolve_pending(ledger: Ledger, live: Live) -> list[Entry]:
    """Journal entries that settle intents left by an interrupted apply, judged by a GET."""
    entries: list[Entry] = []
    for name in ledger.names():
        for intent in ledger.pending(name):
            job, status = intent["jobId"], live.status(intent["jobId"])
            if status is None:
                continue  # not looked up: leave it for a run that does
            if intent["op"] == "create" and intent.get("action") == "update":
                # An endpoint exists before and after an update, so a GET can't say whether it was
                # sent: drop the intent; the next plan sees the change again and re-sends it (an
                # update is idempotent).
                entries.append(entry(JournalOp.RESOLVED, name, jobId=job))
            elif intent["op"] == "create" and status != "Missing":
                gen = generation(
                    job, intent.get("spec", {}), intent.get("action", "create"), None, intent["at"]
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
    """``final`` entries for generations seen in a terminal state that the ledger lacks."""
    out = []
    for name in ledger.names():
        if by_name(ledger.applied(name).get("kind")).lifecycle == "service":
            continue  # an endpoint has no final state: it serves until deleted
        for g in ledger.generations(name):
            status = live.status(g["jobId"])
            if status in TERMINAL and g.get("finalStatus") != status:
                out.append(entry(JournalOp.FINAL, name, jobId=g["jobId"], status=status))
    return out


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


def probe_ids(desired: Sequence[Desired], ledger: Ledger, live: Live) -> dict[str, Desired]:
    """Ids a plan may want to create (and their manifest), so observe can check they are free.
    An in-sync manifest needs none: a steady plan reads each current job once, nothing more."""
    ids: dict[str, Desired] = {}
    for d in desired:
        if d.kind.lifecycle == "service":
            if ledger.current(d.name) is None:
                ids[d.name] = d  # an endpoint's id is its name: does one exist already?
            continue
        if not may_start(d, ledger):
            continue
        prev = last_completed(d.name, ledger, live) if _data_only(d, ledger) else None
        # New data with a Completed job to build on: the create takes the incremental id only.
        ids[job_id(d.name, d.spec, prev, d.kind)] = d
    return ids


def _data_only(d: Desired, ledger: Ledger) -> bool:
    """Whether an incremental job is what a change of ``d`` would start (policy and fields)."""
    applied = ledger.applied(d.name)
    if d.policy.get("onDataChange") != "incremental" or not applied or not d.kind.data_field:
        return False
    old = new_job_fields(d.completed(applied.get("spec", {})), d.kind)
    new = new_job_fields(d.spec, d.kind)
    return {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)} == {d.kind.data_field}
