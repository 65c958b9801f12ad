"""The cost of the graph in the pure core: planning a fleet whose models refer to data manifests
and are served by endpoints, against a fleet of as many training manifests with literal ids
(both in sync: the steady plan CI runs on every pull request)."""

from __future__ import annotations

import dataclasses
import gc
import time
from typing import Any

from common import Row

from reconciler.core import records
from reconciler.core.desired import Desired
from reconciler.core.identity import job_id
from reconciler.core.kinds import DATA_PROCESSING, ENDPOINT, TRAINING, Kind
from reconciler.core.ledger import Ledger
from reconciler.core.live import JobView, Live
from reconciler.core.plan import plan
from reconciler.manifests import schema
from reconciler.manifests.desired import effective_spec

AT = "2026-11-30T00:00:00Z"


def _desired(name: str, kind: Kind, spec: dict[str, Any], refs: dict[str, str]) -> Desired:
    """As the manifest layer builds it: schema defaults in the spec and the policy."""
    policy = schema.with_defaults(schema.load(kind.schema)["properties"]["policy"], {})
    return Desired(name, effective_spec(spec, None, kind), policy, kind=kind, refs=refs)


def _in_sync(desired: list[Desired], resolved: dict[str, dict[str, Any]]) -> tuple[Ledger, Live]:
    """A ledger holding one generation per manifest, with the spec each resolves to, all done."""
    data: dict[str, Any] = {"version": 1, "lineage": "bench", "serial": 1, "resources": {}}
    jobs: dict[str, JobView | None] = {}
    for d in desired:
        spec = resolved.get(d.name, dict(d.spec))
        job = d.name if d.kind is ENDPOINT else job_id(d.name, spec, None, d.kind)
        status = "InService" if d.kind is ENDPOINT else "Completed"
        gen = records.generation(job, spec, "create", None, AT, kind=d.kind)
        if status == "Completed":
            gen["finalStatus"] = "Completed"
        view = {**d.applied_view(), "spec": spec}
        data["resources"][d.name] = {"generations": [gen], "applied": records.applied(view, None, AT)}
        jobs[job] = JobView(job, status)
    jobs["dp-literal"] = JobView("dp-literal", "Completed")  # the literal id the flat fleet trains on
    return Ledger(data), Live(jobs=jobs)


def graph_fleet(models: int) -> tuple[list[Desired], Ledger, Live]:
    """models/10 data manifests, ``models`` models referring to them, models/10 endpoints."""
    datas = [
        _desired(f"data-{i:04d}", DATA_PROCESSING,
                 {"inputDataS3Location": f"s3://b/in/{i}", "processedDataS3Location": f"s3://b/out/{i}"}, {})
        for i in range(models // 10)
    ]  # fmt: skip
    data_jobs = {d.name: job_id(d.name, d.spec, None, DATA_PROCESSING) for d in datas}
    ms = [
        _desired(f"model-{i:05d}", TRAINING,
                 {"dataProcessingJobId": {"ref": f"data-{i % len(datas):04d}"}, "trainModelS3Location": "s3://b/m"},
                 {"dataProcessingJobId": f"data-{i % len(datas):04d}"})
        for i in range(models)
    ]  # fmt: skip
    resolved = {
        m.name: {**m.spec, "dataProcessingJobId": data_jobs[m.refs["dataProcessingJobId"]]} for m in ms
    }
    model_jobs = {m.name: job_id(m.name, resolved[m.name], None, TRAINING) for m in ms}
    eps = [
        _desired(f"ep-{i:04d}", ENDPOINT, {"mlModelTrainingJobId": {"ref": f"model-{i:05d}"}},
                 {"mlModelTrainingJobId": f"model-{i:05d}"})
        for i in range(models // 10)
    ]  # fmt: skip
    for e in eps:
        resolved[e.name] = {**e.spec, "mlModelTrainingJobId": model_jobs[e.refs["mlModelTrainingJobId"]]}
    desired = datas + ms + eps
    return (desired, *_in_sync(desired, resolved))


def flat_fleet(count: int) -> tuple[list[Desired], Ledger, Live]:
    ms = [
        _desired(
            f"model-{i:05d}",
            TRAINING,
            {"dataProcessingJobId": "dp-literal", "trainModelS3Location": "s3://b/m"},
            {},
        )
        for i in range(count)
    ]
    return (ms, *_in_sync(ms, {}))


def _best(desired: list[Desired], ledger: Ledger, live: Live, runs: int = 9) -> float:
    """The best of ``runs`` plans, the collector paused while timing (a pause is noise here), each
    of fresh records (as a run loads them: what a record remembers of one plan can't help the next)."""
    best = float("inf")
    for _ in range(runs):
        desired = [dataclasses.replace(d) for d in desired]
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            result = plan(desired, ledger, live)
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
        assert not result.has_changes, [a for a in result.actions if not a.action.in_sync][:2]
    return best


def rows(models: int = 5000) -> list[Row]:
    graph = graph_fleet(models)
    flat = flat_fleet(len(graph[0]))
    g, f = _best(*graph), _best(*flat)
    n = len(graph[0])
    return [
        Row("plan in sync (core): graph ÷ flat fleet", n, g, None, f, 1.5),  # bound = the flat fleet's time
        Row("  ms per manifest, graph", n, 1000 * g / n, None, None, 1.0, unit="ms", absolute=True),
    ]


if __name__ == "__main__":
    from common import table

    print(table(rows()))
