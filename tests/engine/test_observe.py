"""Observe: each id read once, concurrently; the custom-model preflight against moto's S3."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from typing import Any

import pytest

from reconciler.core.identity import job_id
from reconciler.core.kinds import TRAINING
from reconciler.core.ledger import Ledger
from reconciler.engine.observe import observe, s3_preflight
from reconciler.neptune import make_client

from ..helpers import Emu, Workspace, desired, generation, ledger, run


def test_no_call_is_made_twice(ws: Workspace) -> None:
    for name in ("a", "b", "c"):
        ws.write(name, dp="dp-shared")
    ws.emu.seed_dp("dp-shared")
    assert ws.apply().code == 0
    ws.emu.advance(61)
    before = len(ws.emu.log())
    assert run("plan").code == 0
    calls = Counter((e["method"], e["path"]) for e in ws.emu.log()[before:])
    assert max(calls.values()) == 1, calls
    assert calls[("GET", "/ml/dataprocessing/dp-shared")] == 1
    assert calls[("GET", "/ml/modeltraining")] == 1  # the one list call


def test_observe_reads_ledger_jobs_probes_and_lists(emu: Emu) -> None:
    emu.seed_dp("dp-1")
    d = desired()
    g = generation(d)
    client = make_client(emu.url)
    client.create_training_job(
        {"id": g["jobId"], "dataProcessingJobId": "dp-1", "trainModelS3Location": "s3://bkt/m"}
    )
    live = observe(client, [d], ledger((d, [g])))
    assert live.status(g["jobId"]) == "InProgress"
    assert live.status("dp-1") == "Completed"  # a literal input, read on /ml/dataprocessing
    assert live.listed == (g["jobId"],)
    fresh = observe(client, [desired("n")], Ledger())
    assert fresh.status(job_id("n", desired("n").spec, None, TRAINING)) == "Missing"  # probed, free


def _custom(ws: Workspace, bucket: str) -> None:
    ws.emu.seed_dp("dp-c")
    ws.write(
        "c",
        spec=f"modelName: custom\ncustomModelTrainingParameters: {{sourceS3DirectoryPath: s3://{bucket}/src, trainingEntryPointScript: train.py}}",
    )


def test_custom_model_preflight(ws: Workspace, s3: Any, s3_endpoint: str) -> None:
    bucket = f"src-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="src/train.py", Body=b"print()")
    _custom(ws, bucket)
    plan = ws.plan_json("--s3-endpoint", s3_endpoint)
    action = plan["actions"][0]
    assert action["action"] == "blocked"
    assert action["reason"].endswith(
        f"custom-model preflight: s3://{bucket}/src lacks transform.py, model-hpo-configuration.json"
    )
    for key in ("src/transform.py", "src/model-hpo-configuration.json"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"{}")
    assert ws.actions("--s3-endpoint", s3_endpoint) == {"c": "create"}
    assert ws.actions("--no-s3-preflight") == {"c": "create"}


def test_preflight_reports_unreadable_source(s3: Any) -> None:
    d = desired(
        modelName="custom",
        customModelTrainingParameters={"sourceS3DirectoryPath": "s3://no-such-bucket-x/src"},
    )
    problem = s3_preflight(s3)(d)
    assert (
        problem is not None
        and "cannot list s3://no-such-bucket-x/src" in problem
        and "--no-s3-preflight" in problem
    )


def test_a_steady_plan_reads_each_job_once_and_nothing_more(ws: Workspace) -> None:
    """calls = N current jobs + distinct data-processing jobs + one list (no probes of ids a
    create would take: nothing would be created)."""
    ws.emu.seed_dp("dp-1")
    for i in range(5):
        ws.write(f"m{i}", dp="dp-1")
    assert ws.apply().code == 0
    ws.emu.advance(61)
    assert run("plan").code == 0  # records nothing: plan only reads
    before = len(ws.emu.log())
    assert run("plan").code == 0
    calls = ws.emu.log()[before:]
    jobs = [c for c in calls if c["path"].startswith("/ml/modeltraining/")]
    assert len(jobs) == 5 and len({c["path"] for c in jobs}) == 5
    assert [c["path"] for c in calls if c["path"].startswith("/ml/dataprocessing")] == [
        "/ml/dataprocessing/dp-1"
    ]
    assert [c["path"] for c in calls if c["path"] == "/ml/modeltraining"] == ["/ml/modeltraining"]
    assert len(calls) == 5 + 1 + 1


def _finished_fleet(ws: Workspace) -> list[str]:
    for name in ("a", "b", "c"):
        ws.emu.seed_dp(f"dp-{name}")
        ws.write(name)
    assert ws.apply().code == 0
    ws.emu.advance(120)
    assert ws.apply().code == 0  # reads them Completed and records it, with the cluster
    return [ws.current(n) for n in ("a", "b", "c")]


def _gets_of(ws: Workspace, jobs: list[str]) -> list[str]:
    return [e["path"] for e in ws.emu.log("GET") if e["path"].rsplit("/", 1)[-1] in jobs]


def test_a_steady_plan_reads_no_finished_job(ws: Workspace) -> None:
    """A Completed job can't change on the service: once an apply saw it finished on this
    cluster, a plan answers it from the ledger (the list call and nothing per job)."""
    jobs = _finished_fleet(ws)
    gen = ws.ledger().generations("a")[-1]
    assert gen["finalStatus"] == "Completed" and gen["seen"]["cluster"] == ws.emu.url
    before = len(ws.emu.log())
    r = run("plan")
    assert r.code == 0 and "Plan: 3 unchanged." in r.out
    calls = ws.emu.log()[before:]
    assert [c["path"] for c in calls] == ["/ml/modeltraining"]  # the list call, nothing per job
    before = len(_gets_of(ws, jobs))
    rows = {row["name"]: row for row in json.loads(run("status", "--format", "json").out)}
    assert rows["a"]["status"] == "Completed" and rows["a"]["hpo"] == {"done": 2, "total": 2}
    assert len(_gets_of(ws, jobs)) == before  # status too answers them from the ledger


def test_refresh_all_and_another_cluster_read_every_job(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = _finished_fleet(ws)
    before = len(_gets_of(ws, jobs))
    assert run("plan", "--refresh-all").code == 0
    assert sorted(_gets_of(ws, jobs)[before:]) == sorted(f"/ml/modeltraining/{j}" for j in jobs)
    other = ws.emu.url.replace("127.0.0.1", "localhost")  # the same server by another name
    monkeypatch.setenv("NEPTUNE_ENDPOINT", other)
    before = len(_gets_of(ws, jobs))
    assert run("plan").code == 0
    assert len(_gets_of(ws, jobs)) == before + 3


def test_a_recorded_final_job_answering_otherwise_is_reported(ws: Workspace) -> None:
    jobs = _finished_fleet(ws)
    ws.emu.delete(jobs[0])  # gone, though recorded Completed
    r = run("plan")
    assert r.code == 0  # trusted: a finished job can't change ...
    r = run("plan", "--refresh-all")  # ... until a full read says otherwise: then it is said
    assert f"warning: a: job {jobs[0]} was recorded Completed but the cluster answers Missing" in r.out
