"""Typed ledger records: a generation, an intent, what was applied, and a journal entry.

Each has one constructor here; ``dict[str, Any]`` appears only where JSON comes in or goes out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NotRequired, TypedDict, cast

from .identity import spec_hash
from .kinds import Kind


class JournalOp(StrEnum):
    """Every way the ledger changes (one handler each in ``Ledger.apply``)."""

    INTENT = "intent"  # a create or stop is about to be sent
    CREATED = "created"  # a create went through
    ADOPT = "adopt"  # an existing job became a generation (import, lost ledger)
    STOPPED = "stopped"  # a stop went through
    RESOLVED = "resolved"  # an intent that never took effect is dropped
    RECORD = "record"  # only the applied manifest changed
    FINAL = "final"  # a generation reached a terminal status
    FORGET = "forget"  # the manifest leaves the ledger


class Applied(TypedDict):
    """The manifest as last applied: what the next plan diffs against."""

    spec: dict[str, Any]
    policy: dict[str, Any]
    labels: dict[str, Any]
    appliedAt: NotRequired[str]
    commit: NotRequired[str | None]
    source: NotRequired[str]  # the manifest's file, relative to where the reconciler ran
    kind: NotRequired[str]  # the manifest's kind (absent: ModelTrainingJob)
    refs: NotRequired[dict[str, str]]  # id fields that named another manifest: field -> name


class Seen(TypedDict):
    """A finished job's last answer and the cluster (endpoint) that gave it."""

    cluster: str
    models: NotRequired[int]
    failureReason: NotRequired[str | None]
    logUrl: NotRequired[str | None]
    output: NotRequired[str | None]
    metrics: NotRequired[dict[str, Any]]  # its eval_metrics_info.json, read once
    metricsMissing: NotRequired[str]  # why it has none


class Generation(TypedDict):
    """One job the reconciler started (or adopted) for a manifest."""

    jobId: str
    specHash: str
    spec: dict[str, Any]
    action: str
    appliedAt: str
    commit: str | None
    finalStatus: NotRequired[str]
    seen: NotRequired[Seen]
    stopped: NotRequired[bool]
    promoted: NotRequired[dict[str, str]]  # by, at, over: an update --promote made over the gate
    serviceId: NotRequired[str]  # the service's own id for the job, where it picks ids (an export)


class Intent(TypedDict):
    """A call about to be sent; a later run settles it with a GET on ``jobId``."""

    op: str  # "create" or "stop"
    jobId: str
    at: str
    action: NotRequired[str]
    spec: NotRequired[dict[str, Any]]
    applied: NotRequired[Applied]
    clean: NotRequired[bool]
    forget: NotRequired[bool]


class Resource(TypedDict):
    """One manifest's entry in the ledger."""

    generations: list[Generation]
    applied: NotRequired[Applied]
    pending: NotRequired[list[Intent]]


class Entry(TypedDict):
    """One journal entry. ``serial`` and ``at`` are set when it is committed."""

    op: JournalOp
    name: str
    serial: NotRequired[int]
    at: NotRequired[str]
    jobId: NotRequired[str]
    generation: NotRequired[Generation]
    applied: NotRequired[Applied]
    pending: NotRequired[Intent]
    status: NotRequired[str]
    seen: NotRequired[Seen]


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def applied(view: Mapping[str, Any], commit: str | None, at: str | None = None) -> Applied:
    """``view`` is ``Desired.applied_view()`` (or one read back from a saved plan)."""
    result: Applied = {
        "spec": dict(view.get("spec", {})),
        "policy": dict(view.get("policy", {})),
        "labels": dict(view.get("labels", {})),
        "appliedAt": at or now_iso(),
        "commit": commit,
    }
    if view.get("source"):
        result["source"] = str(view["source"])
    if view.get("kind"):
        result["kind"] = str(view["kind"])
    if view.get("refs"):
        result["refs"] = {str(k): str(v) for k, v in view["refs"].items()}
    return result


def generation(
    job_id: str,
    spec: Mapping[str, Any],
    action: str,
    commit: str | None,
    at: str | None = None,
    *,
    kind: Kind,
) -> Generation:
    """A generation for ``job_id``; ``spec`` is the create body without its ``id``."""
    body = {k: v for k, v in spec.items() if k != "id"}
    return {
        "jobId": job_id, "specHash": spec_hash(body, kind), "spec": body, "action": action,
        "appliedAt": at or now_iso(), "commit": commit,
    }  # fmt: skip


def create_intent(job_id: str, action: str, spec: Mapping[str, Any], applied_view: Applied) -> Intent:
    body = {k: v for k, v in spec.items() if k != "id"}
    return {
        "op": "create",
        "jobId": job_id,
        "at": now_iso(),
        "action": action,
        "spec": body,
        "applied": applied_view,
    }


def stop_intent(job_id: str, *, clean: bool, forget: bool) -> Intent:
    return {"op": "stop", "jobId": job_id, "at": now_iso(), "clean": clean, "forget": forget}


def entry(op: JournalOp, name: str, **fields: Any) -> Entry:
    """A journal entry before it is committed (no serial yet)."""
    return cast(Entry, {"op": op, "name": name, **fields})
