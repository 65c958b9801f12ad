"""Plain-data builders for plan tests: desired manifests, ledgers and live views."""

from __future__ import annotations

from typing import Any

from reconciler.core import identity
from reconciler.core.desired import Desired
from reconciler.core.ledger import Ledger
from reconciler.core.live import JobView, Live
from reconciler.manifests.desired import effective_spec

POLICY = {
    "onDataChange": "incremental",
    "onSupersede": "wait",
    "retries": 0,
    "deletion": "retain",
    "suspend": False,
}


def desired(
    name: str = "m", policy: dict[str, Any] | None = None, labels: dict[str, str] | None = None, **spec: Any
) -> Desired:
    base = {"dataProcessingJobId": "dp-1", "trainModelS3Location": "s3://bkt/m"}
    return Desired(name, effective_spec({**base, **spec}), {**POLICY, **(policy or {})}, labels or {})


def generation(
    d: Desired, job: str | None = None, previous: str | None = None, action: str = "create", **extra: Any
) -> dict[str, Any]:
    spec = dict(d.spec)
    if previous:
        spec["previousModelTrainingJobId"] = previous
    return {
        "jobId": job or identity.job_id(d.name, d.spec, previous), "specHash": identity.spec_hash(spec),
        "spec": spec, "action": action, "appliedAt": "2026-11-30T00:00:00Z", "commit": None, **extra,
    }  # fmt: skip


def ledger(
    *entries: tuple[Desired, list[dict[str, Any]]], pending: dict[str, list[dict[str, Any]]] | None = None
) -> Ledger:
    data: dict[str, Any] = {"version": 1, "lineage": "lineage-1", "serial": 7, "resources": {}}
    for d, gens in entries:
        res: dict[str, Any] = {
            "generations": gens,
            "applied": {**d.applied_view(), "appliedAt": "2026-11-30T00:00:00Z"},
        }
        if pending and d.name in pending:
            res["pending"] = pending[d.name]
        data["resources"][d.name] = res
    return Ledger(data)


def live(
    jobs: dict[str, str | None] | None = None,
    dps: dict[str, str | None] | None = None,
    listed: tuple[str, ...] = (),
    failures: dict[str, str] | None = None,
    preflight: dict[str, str] | None = None,
) -> Live:
    views = {
        k: (JobView(k, v, failure_reason=(failures or {}).get(k)) if v is not None else None)
        for k, v in (jobs or {}).items()
    }
    return Live(
        jobs=views, processing={"dp-1": "Completed", **(dps or {})}, listed=listed, preflight=preflight or {}
    )
