"""ModelTransformJob from git, against the emulator: new data reaches a serving endpoint through a
transform of the trained model, with no training job started (the "evolving graph data" workflow)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from ..helpers import Workspace, run
from .test_graph import converge, dp_manifest, endpoint_manifest, model_manifest

ROOT = Path(__file__).resolve().parents[2]


def transform_manifest(data: str = "data-2", model: str = "{ref: fraud-rgcn}", extra: str = "") -> str:
    return (
        textwrap.dedent(f"""\
        apiVersion: neptune-ml.reconciler/v1
        kind: ModelTransformJob
        metadata:
          name: fraud-transform
        spec:
          dataProcessingJobId: {{ref: {data}}}
          mlModelTrainingJobId: {model}
          modelTransformOutputS3Location: s3://ml-artifacts/transform/{data}
        """)
        + extra
    )


def serving(ws: Workspace) -> dict[str, str]:
    params = ws.emu.emulator.store.jobs["endpoint/fraud-endpoint"].params
    return {k: v for k, v in params.items() if k in ("mlModelTrainingJobId", "mlModelTransformJobId")}


@pytest.fixture
def served(ws: Workspace) -> Workspace:
    """data-1 → fraud-rgcn → fraud-endpoint, converged."""
    ws.emu.options(job_seconds=0.2)
    (ws.specs / "data-1.yaml").write_text(dp_manifest("data-1"))
    (ws.specs / "fraud-rgcn.yaml").write_text(model_manifest("data-1"))
    (ws.specs / "fraud-endpoint.yaml").write_text(endpoint_manifest())
    r = converge(ws)
    assert r.code == 0, r.out + r.err
    return ws


def test_new_data_reaches_the_endpoint_through_a_transform_with_no_training(served: Workspace) -> None:
    ws = served
    model = ws.current("fraud-rgcn")
    assert serving(ws) == {"mlModelTrainingJobId": model}
    (ws.specs / "data-2.yaml").write_text(dp_manifest("data-2", previous="data-1"))
    (ws.specs / "fraud-transform.yaml").write_text(transform_manifest())
    endpoint = (ws.specs / "fraud-endpoint.yaml").read_text()
    (ws.specs / "fraud-endpoint.yaml").write_text(
        endpoint.replace(
            "mlModelTrainingJobId: {ref: fraud-rgcn}", "mlModelTransformJobId: {ref: fraud-transform}"
        )
    )
    r = converge(ws)
    assert r.code == 0, r.out + r.err
    assert len(ws.emu.ids("processing")) == 2  # exactly one new data job
    assert ws.emu.ids("training") == [model]  # no new training job
    transforms = ws.emu.ids("transform")
    assert transforms == [ws.current("fraud-transform")]
    assert ws.emu.ids("endpoint") == ["fraud-endpoint"]  # updated in place: the same id
    assert serving(ws) == {"mlModelTransformJobId": transforms[0]}  # exactly one model field
    # What the transform's create carried: what was written, the resolved ids and its id; nothing else.
    body = next(e["body"] for e in ws.emu.log("POST", "/ml/modeltransform"))
    assert body == {
        "id": transforms[0],
        "dataProcessingJobId": ws.current("data-2"),
        "mlModelTrainingJobId": model,
        "modelTransformOutputS3Location": "s3://ml-artifacts/transform/data-2",
    }
    assert [g["action"] for g in ws.ledger().generations("fraud-endpoint")] == ["create", "update"]
    assert ws.actions() == {
        n: "noop" for n in ("data-1", "data-2", "fraud-endpoint", "fraud-rgcn", "fraud-transform")
    }
    status = run("status")
    assert status.code == 0
    assert (
        f"fraud-endpoint serves {transforms[0]} (fraud-transform generation 1, its latest Completed)"
        in status.out
    )
    assert f"fraud-transform transforms {model} (fraud-rgcn)" in status.out
    assert f"fraud-transform on data {ws.current('data-2')} (data-2)" in status.out
    rows = {r["name"]: r for r in json.loads(run("status", "--format", "json").out)}
    assert rows["fraud-transform"]["kind"] == "ModelTransformJob"
    assert rows["fraud-endpoint"]["serves"]["manifest"] == "fraud-transform"


def test_a_transform_waits_for_its_data_and_shows_no_time_bound(served: Workspace) -> None:
    ws = served
    (ws.specs / "data-2.yaml").write_text(dp_manifest("data-2", previous="data-1"))
    (ws.specs / "fraud-transform.yaml").write_text(transform_manifest())
    plan = ws.plan_json()
    acts = {a["name"]: a for a in plan["actions"]}
    assert acts["data-2"]["action"] == "create"
    assert acts["fraud-transform"]["action"] == "wait"
    assert "data-2" in acts["fraud-transform"]["reason"]
    text = run("plan")
    assert text.code == 2
    r = ws.apply()
    assert r.code == 0, r.err
    ws.emu.advance(10)
    shown = run("plan")
    assert "not bounded in time" in shown.out  # the transform's cost: the API takes no timeout
    assert converge(ws).code == 0
    assert len(ws.emu.ids("transform")) == 1 and len(ws.emu.ids("training")) == 1


def test_a_spec_change_is_a_new_transform_and_prune_stops_a_running_one_with_clean(served: Workspace) -> None:
    ws = served
    (ws.specs / "data-2.yaml").write_text(dp_manifest("data-2", previous="data-1"))
    (ws.specs / "fraud-transform.yaml").write_text(transform_manifest(extra="policy:\n  deletion: clean\n"))
    assert converge(ws).code == 0
    first = ws.current("fraud-transform")
    text = (ws.specs / "fraud-transform.yaml").read_text()
    (ws.specs / "fraud-transform.yaml").write_text(text.replace("transform/data-2", "transform/data-2b"))
    ws.emu.options(job_seconds=3600)
    assert ws.apply().code == 0
    second = ws.current("fraud-transform")
    assert second != first and sorted(ws.emu.ids("transform")) == sorted([first, second])
    assert (
        ws.emu.http.get(f"{ws.emu.url}/ml/modeltransform/{second}", timeout=10).json()["status"]
        == "InProgress"
    )
    (ws.specs / "fraud-transform.yaml").unlink()
    held = ws.apply("--prune")
    assert held.code == 0 and "--confirm-prune fraud-transform" in held.out
    r = ws.apply("--confirm-prune", "fraud-transform")
    assert r.code == 0, r.out + r.err
    stop = next(e for e in ws.emu.log("DELETE", "/ml/modeltransform"))
    assert stop["path"].endswith(second) and stop["query"].get("clean") == "true"
    assert "fraud-transform" not in ws.ledger().names()


def test_a_reference_of_the_wrong_kind_is_located(ws: Workspace) -> None:
    (ws.specs / "data-1.yaml").write_text(dp_manifest("data-1"))
    (ws.specs / "t.yaml").write_text(transform_manifest(data="data-1", model="{ref: data-1}"))
    r = run("validate", str(ws.specs))
    assert r.code == 1
    assert "t.yaml:7:" in r.out and "R007" in r.out and "it must name a ModelTrainingJob" in r.out


def test_the_api_pair_or_a_sagemaker_name_is_required(ws: Workspace) -> None:
    (ws.specs / "t.yaml").write_text(
        transform_manifest(model="x").replace("  dataProcessingJobId: {ref: data-2}\n", "")
    )
    r = run("validate", str(ws.specs))
    assert r.code == 1 and "R009" in r.out and "dataProcessingJobId" in r.out
    both = transform_manifest(data="data-1", model="m-1") + "  trainingJobName: sm-job\n"
    (ws.specs / "t.yaml").write_text(both.replace("{ref: data-1}", "dp-1"))
    r = run("validate", str(ws.specs))
    assert r.code == 1 and "R009" in r.out and "not both" in r.out


def test_import_rebuild_and_jobs_commands_know_the_transform(served: Workspace) -> None:
    ws = served
    (ws.specs / "data-2.yaml").write_text(dp_manifest("data-2", previous="data-1"))
    (ws.specs / "fraud-transform.yaml").write_text(transform_manifest())
    assert converge(ws).code == 0
    job = ws.current("fraud-transform")
    listed = run("jobs", "transform", "get", job, "--format", "json")
    assert listed.code == 0 and json.loads(listed.out)["status"] == "Completed"
    assert json.loads(listed.out)["models"]
    # The ledger lost: rebuild finds every job of the path again, transform included.
    (ws.root / ".reconciler" / "state.json").unlink()
    for f in (ws.root / ".reconciler").glob("*journal*"):
        f.unlink()
    r = run("state", "rebuild")
    assert r.code == 0, r.out + r.err
    assert ws.current("fraud-transform") == job
    assert ws.actions()["fraud-transform"] == "noop"
    assert run("schema", "modeltransformjob").code == 0
    explained = run("explain", "ModelTransformJob.trainingJobName")
    assert explained.code == 0 and "R009" in explained.out


def test_a_saved_plan_of_a_transform_is_applied_and_refused_once_its_inputs_moved(served: Workspace) -> None:
    ws = served
    (ws.specs / "data-2.yaml").write_text(dp_manifest("data-2", previous="data-1"))
    assert converge(ws, "--target", "data-2").code == 0
    (ws.specs / "fraud-transform.yaml").write_text(transform_manifest())
    out = ws.root / "plan.json"
    assert run("plan", "--out", str(out)).code == 2
    doc = json.loads(out.read_text())
    data_job = ws.current("data-2")
    assert doc["fingerprints"][f"job/{data_job}"] == "Completed"  # its input, read on its own resource
    r = run("apply", "--plan", str(out))
    assert r.code == 0, r.out + r.err
    assert len(ws.emu.ids("transform")) == 1
    # A second saved plan, made stale by its input vanishing: refused, nothing sent.
    ws.emu.advance(60)  # the first transform finished: a spec change is then a new one
    (ws.specs / "fraud-transform.yaml").write_text(transform_manifest().replace("data-2\n", "data-2b\n"))
    second = run("plan", "--out", str(out))
    assert second.code == 2, second.out
    ws.emu.delete(data_job, "dataprocessing")
    r = run("apply", "--plan", str(out))
    assert r.code == 1 and "stale plan" in r.err and data_job in r.err
    assert len(ws.emu.ids("transform")) == 1


def test_import_adopts_a_transform_made_by_hand(served: Workspace) -> None:
    ws = served
    (ws.specs / "data-2.yaml").write_text(dp_manifest("data-2", previous="data-1"))
    assert converge(ws).code == 0
    body = {
        "id": "by-hand-transform", "dataProcessingJobId": ws.current("data-2"),
        "mlModelTrainingJobId": ws.current("fraud-rgcn"), "modelTransformOutputS3Location": "s3://b/t",
    }  # fmt: skip
    assert ws.emu.http.post(f"{ws.emu.url}/ml/modeltransform", json=body, timeout=10).status_code == 200
    (ws.specs / "fraud-transform.yaml").write_text(transform_manifest())
    r = run("import", "fraud-transform", "by-hand-transform")
    assert r.code == 0, r.err
    assert ws.current("fraud-transform") == "by-hand-transform"
    assert run("import", "fraud-transform", "nope").code == 1  # checked with a GET on /ml/modeltransform
