"""The ledger (pure): what the reconciler applied, per manifest name, and how it changes.

Every change is a journal entry applied by ``Ledger.apply``; backends store a base document
plus the entries written since, so each write is small and replay gives the same ledger.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from .. import schema
from ..errors import StateError, shorten

VERSION = 1


def empty() -> dict[str, Any]:
    return {"version": VERSION, "lineage": str(uuid.uuid4()), "serial": 0, "resources": {}}


def check(data: Any, where: str) -> dict[str, Any]:
    """The ledger document, or a StateError: a ledger that fails its schema is never half-read."""
    if not isinstance(data, dict):
        raise StateError(f"ledger at {where} is not a JSON object; it was not used")
    if data.get("version") != VERSION:
        raise StateError(
            f"ledger at {where} has version {data.get('version')!r}; this reconciler reads version {VERSION}",
            "upgrade the reconciler",
        )
    error = next(iter(schema.validator(schema.LEDGER).iter_errors(data)), None)
    if error is not None:
        path = "/".join(str(p) for p in error.absolute_path) or "(top)"
        raise StateError(
            f"ledger at {where} fails its schema at {path}: {shorten(error.message, 160)}; it was not used",
            "restore it from a backup or version history, or rebuild it with `reconciler import`",
        )
    return data


def check_entry(entry: Any, where: str) -> dict[str, Any]:
    entry_schema = {**schema.load(schema.LEDGER), "$ref": "#/$defs/entry"}
    entry_schema.pop("required", None)
    entry_schema.pop("properties", None)
    entry_schema.pop("additionalProperties", None)
    from jsonschema import Draft202012Validator

    error = next(iter(Draft202012Validator(entry_schema).iter_errors(entry)), None)
    if error is not None:
        raise StateError(
            f"journal entry at {where} is damaged ({shorten(error.message, 160)}); the ledger was not used",
            "inspect the journal; `reconciler state show` after fixing it",
        )
    result: dict[str, Any] = entry
    return result


class Ledger:
    """A ledger document with read helpers and the one mutation path, ``apply``."""

    def __init__(self, data: dict[str, Any] | None = None, *, exists: bool = True) -> None:
        self.data = data if data is not None else empty()
        self.exists = exists and data is not None

    @property
    def serial(self) -> int:
        return int(self.data["serial"])

    @property
    def lineage(self) -> str:
        return str(self.data["lineage"])

    @property
    def resources(self) -> dict[str, Any]:
        resources: dict[str, Any] = self.data["resources"]
        return resources

    def names(self) -> list[str]:
        return sorted(self.resources)

    def resource(self, name: str) -> dict[str, Any] | None:
        return self.resources.get(name)

    def generations(self, name: str) -> list[dict[str, Any]]:
        res = self.resources.get(name)
        return list(res["generations"]) if res else []

    def current(self, name: str) -> dict[str, Any] | None:
        gens = self.generations(name)
        return gens[-1] if gens else None

    def pending(self, name: str) -> list[dict[str, Any]]:
        res = self.resources.get(name)
        return list(res.get("pending", [])) if res else []

    def job_ids(self) -> set[str]:
        return {g["jobId"] for res in self.resources.values() for g in res["generations"]}

    def copy(self) -> Ledger:
        return Ledger(copy.deepcopy(self.data), exists=self.exists)

    # -- the one way a ledger changes ------------------------------------------
    def apply(self, entry: dict[str, Any]) -> None:
        """Apply a journal entry; the serial becomes the entry's."""
        op, name = entry["op"], entry["name"]
        res = self.resources.setdefault(name, {"generations": []})
        pending = res.setdefault("pending", [])
        job = entry.get("jobId")
        if op == "intent":
            pending.append(entry["pending"])
        elif op in ("created", "adopt"):
            res["pending"] = [p for p in pending if not (p["op"] == "create" and p["jobId"] == job)]
            if not any(g["jobId"] == entry["generation"]["jobId"] for g in res["generations"]):
                res["generations"].append(entry["generation"])
            if "applied" in entry:
                res["applied"] = entry["applied"]
        elif op == "stopped":
            res["pending"] = [p for p in pending if not (p["op"] == "stop" and p["jobId"] == job)]
            for g in res["generations"]:
                if g["jobId"] == job:
                    g["stopped"] = True
        elif op == "resolved":
            res["pending"] = [p for p in pending if p["jobId"] != job]
        elif op == "record":
            res["applied"] = entry["applied"]
        elif op == "final":
            for g in res["generations"]:
                if g["jobId"] == job:
                    g["finalStatus"] = entry["status"]
        elif op == "forget":
            self.resources.pop(name, None)
        else:  # pragma: no cover - check_entry refuses unknown ops
            raise StateError(f"unknown journal op {op!r}")
        res = self.resources.get(name)
        if res is not None:
            if not res.get("pending"):
                res.pop("pending", None)
            if not res["generations"] and "applied" not in res and "pending" not in res:
                del self.resources[name]
        self.data["serial"] = int(entry["serial"])
