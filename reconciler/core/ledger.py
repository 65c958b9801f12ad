"""The ledger (pure): what the reconciler applied, per manifest name, and how it changes.

Every change is a journal entry applied by ``Ledger.apply``; backends store a base document
plus the entries written since, so each write is small and replay gives the same ledger.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from .kinds import Kind, by_name
from .records import Entry, Generation, Intent, JournalOp, Resource

VERSION = 1


def empty() -> dict[str, Any]:
    return {"version": VERSION, "lineage": str(uuid.uuid4()), "serial": 0, "resources": {}}


class Ledger:
    """A ledger document with read helpers and the one mutation path, ``apply``."""

    def __init__(self, data: dict[str, Any] | None = None, *, exists: bool = True) -> None:
        self.data = data if data is not None else empty()
        self.exists = exists and data is not None
        self._job_ids: frozenset[str] | None = None  # every generation's id; reset by apply()
        self._kinds: dict[str, Kind] = {}  # kind() of each name asked about; reset by apply()

    @property
    def serial(self) -> int:
        return int(self.data["serial"])

    @property
    def lineage(self) -> str:
        return str(self.data["lineage"])

    @property
    def resources(self) -> dict[str, Resource]:
        resources: dict[str, Resource] = self.data["resources"]
        return resources

    def names(self) -> list[str]:
        return sorted(self.resources)

    def resource(self, name: str) -> Resource | None:
        return self.resources.get(name)

    def applied(self, name: str) -> Mapping[str, Any]:
        """The manifest as last applied (spec, policy, labels), or ``{}``."""
        res = self.resources.get(name)
        found: Mapping[str, Any] = res.get("applied", {}) if res else {}
        return found

    def kind(self, name: str) -> Kind:
        """The kind an entry recorded (or its pending create did); entries from before kinds
        were recorded are training."""
        found = self._kinds.get(name)
        if found is None:
            found = self._kinds[name] = self._kind(name)
        return found

    def _kind(self, name: str) -> Kind:
        recorded = self.applied(name).get("kind")
        if not recorded:
            recorded = next((p["applied"].get("kind") for p in self.pending(name) if p.get("applied")), None)
        return by_name(recorded)

    def generations(self, name: str) -> list[Generation]:
        res = self.resources.get(name)
        return list(res["generations"]) if res else []

    def current(self, name: str) -> Generation | None:
        res = self.resources.get(name)
        gens = res["generations"] if res else None
        return gens[-1] if gens else None

    def pending(self, name: str) -> list[Intent]:
        res = self.resources.get(name)
        return list(res.get("pending", [])) if res else []

    def job_ids(self) -> frozenset[str]:
        """Every job id the ledger knows (computed once between changes: plans ask per manifest)."""
        if self._job_ids is None:
            self._job_ids = frozenset(
                g["jobId"] for res in self.resources.values() for g in res["generations"]
            )
        return self._job_ids

    def copy(self) -> Ledger:
        return Ledger(copy.deepcopy(self.data), exists=self.exists)

    # -- the one way a ledger changes ------------------------------------------
    def apply(self, entry: Entry) -> None:
        """Apply a journal entry; the serial becomes the entry's."""
        name = entry["name"]
        self._job_ids = None
        self._kinds.clear()
        res = self.resources.setdefault(name, {"generations": []})
        res.setdefault("pending", [])
        _HANDLERS[JournalOp(entry["op"])](self, res, entry)
        left = self.resources.get(name)
        if left is not None:
            if not left.get("pending"):
                left.pop("pending", None)
            if not left["generations"] and "applied" not in left and "pending" not in left:
                del self.resources[name]
        self.data["serial"] = int(entry["serial"])


Handler = Callable[[Ledger, Resource, Entry], None]


def _drop_pending(res: Resource, job: str | None, op: str | None = None) -> None:
    res["pending"] = [p for p in res.get("pending", []) if not (p["jobId"] == job and op in (None, p["op"]))]


def _intent(ledger: Ledger, res: Resource, entry: Entry) -> None:
    res.setdefault("pending", []).append(entry["pending"])


def _created(ledger: Ledger, res: Resource, entry: Entry) -> None:
    _drop_pending(res, entry.get("jobId"), "create")
    gen = entry["generation"]
    last = res["generations"][-1] if res["generations"] else None
    if gen["action"] == "update" or (gen["action"] == "recreate" and last and last["jobId"] == gen["jobId"]):
        # An endpoint keeps its id: each update (or re-creation after drift) is a generation of
        # it, unless it is the same as the last one (a replayed entry).
        if last is None or (last["jobId"], last["specHash"]) != (gen["jobId"], gen["specHash"]):
            res["generations"].append(gen)
    elif not any(g["jobId"] == gen["jobId"] for g in res["generations"]):
        res["generations"].append(gen)
    if "applied" in entry:
        res["applied"] = entry["applied"]


def _stopped(ledger: Ledger, res: Resource, entry: Entry) -> None:
    _drop_pending(res, entry.get("jobId"), "stop")
    for g in res["generations"]:
        if g["jobId"] == entry.get("jobId"):
            g["stopped"] = True


def _resolved(ledger: Ledger, res: Resource, entry: Entry) -> None:
    _drop_pending(res, entry.get("jobId"))


def _record(ledger: Ledger, res: Resource, entry: Entry) -> None:
    res["applied"] = entry["applied"]


def _final(ledger: Ledger, res: Resource, entry: Entry) -> None:
    for g in res["generations"]:
        if g["jobId"] == entry.get("jobId"):
            g["finalStatus"] = entry["status"]
            if "seen" in entry:
                g["seen"] = entry["seen"]


def _forget(ledger: Ledger, res: Resource, entry: Entry) -> None:
    ledger.resources.pop(entry["name"], None)


_HANDLERS: dict[JournalOp, Handler] = {
    JournalOp.INTENT: _intent,
    JournalOp.CREATED: _created,
    JournalOp.ADOPT: _created,
    JournalOp.STOPPED: _stopped,
    JournalOp.RESOLVED: _resolved,
    JournalOp.RECORD: _record,
    JournalOp.FINAL: _final,
    JournalOp.FORGET: _forget,
}
