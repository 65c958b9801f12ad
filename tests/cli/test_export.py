"""ExportJob from git, against the emulator's Neptune-Export service and moto's S3: the whole path
from the graph to a serving endpoint (export → data processing → training → endpoint), a refresh of
the export flowing to the endpoint, a failed export blocking what needs it, and an export whose
answer was lost found by its completion file (never started twice)."""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from reconciler.engine import workflow

from ..helpers import Workspace, run
from .test_graph import FAST, endpoint_manifest, model_manifest

OUT = "s3://ml-artifacts/exports/transactions"


def export_manifest(extra: str = "") -> str:
    return (
        textwrap.dedent(f"""\
        apiVersion: neptune-ml.reconciler/v1
        kind: ExportJob
        metadata:
          name: graph-export
        spec:
          outputS3Path: {OUT}
          params:
            endpoint: db.cluster-abc123.us-east-1.neptune.amazonaws.com
            profile: neptune_ml
          additionalParams:
            neptune_ml:
              version: v2.0
              targets:
                - {{node: Account, property: fraud, type: classification}}
        """)
        + extra
    )


def data_manifest() -> str:
    return textwrap.dedent("""\
        apiVersion: neptune-ml.reconciler/v1
        kind: DataProcessingJob
        metadata:
          name: graph-data
        spec:
          inputDataS3Location: {ref: graph-export}
          processedDataS3Location: s3://ml-artifacts/processed/transactions
        """)


@pytest.fixture
def path(ws_s3: Workspace, s3: Any, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """The four manifests of the path, the export service at the emulator, its S3 at moto's."""
    ws = ws_s3
    try:  # moto's S3 lives for the session: no completion file of another test's export
        listed = s3.list_objects_v2(Bucket="ml-artifacts", Prefix="exports/").get("Contents", [])
        for o in listed:
            s3.delete_object(Bucket="ml-artifacts", Key=o["Key"])
    except s3.exceptions.NoSuchBucket:
        pass
    ws.emu.options(job_seconds=0.2)
    monkeypatch.setenv("NEPTUNE_EXPORT_ENDPOINT", f"{ws.emu.url}/v1/neptune-export")
    (ws.specs / "graph-export.yaml").write_text(export_manifest())
    (ws.specs / "graph-data.yaml").write_text(data_manifest())
    (ws.specs / "fraud-rgcn.yaml").write_text(model_manifest("graph-data"))
    (ws.specs / "fraud-endpoint.yaml").write_text(endpoint_manifest())
    return ws


def exports(ws: Workspace) -> list[dict[str, Any]]:
    return list(ws.emu.admin("GET", "exports")["exports"])


def converge(ws: Workspace, *args: str) -> Any:
    return ws.apply("--converge", *FAST, *args)


def test_a_converge_from_empty_serves_a_model_trained_on_the_export(path: Workspace) -> None:
    ws = path
    r = converge(ws)
    assert r.code == 0, r.out + r.err
    [export] = exports(ws)
    handle = ws.current("graph-export")
    # The request as written, at addresses of the export's own (the handle, not the service's id).
    assert export["request"]["outputS3Path"] == f"{OUT}/{handle}"
    assert export["request"]["completionFileS3Path"] == f"{OUT}/_completion/{handle}"
    assert export["request"]["params"]["profile"] == "neptune_ml"
    assert ws.ledger().current("graph-export")["serviceId"] == export["jobId"]
    # The data job's body carries the export's real outputS3Uri, as the service answered it.
    status = ws.emu.http.get(f"{ws.emu.url}/v1/neptune-export/{export['jobId']}", timeout=10).json()
    assert status["status"] == "succeeded" and status["outputS3Uri"].startswith(f"{OUT}/{handle}/")
    [body] = [e["body"] for e in ws.emu.log("POST", "/ml/dataprocessing")]
    assert body["inputDataS3Location"] == status["outputS3Uri"]
    model = ws.current("fraud-rgcn")
    assert ws.emu.emulator.store.jobs[f"training/{model}"].params["dataProcessingJobId"] == ws.current(
        "graph-data"
    )
    assert ws.emu.emulator.store.jobs["endpoint/fraud-endpoint"].params["mlModelTrainingJobId"] == model
    # Steady: the next plan is in sync and reads no finished export again.
    before = len(ws.emu.log(path_prefix="/v1/neptune-export"))
    assert set(ws.actions().values()) == {"noop"}
    assert len(ws.emu.log(path_prefix="/v1/neptune-export")) == before


def test_status_and_the_ledger_draw_the_export_edge(path: Workspace) -> None:
    ws = path
    assert converge(ws).code == 0
    r = run("status")
    assert r.code == 0, r.err
    handle = ws.current("graph-export")
    assert f"graph-data processes export {handle} (graph-export)" in r.out


def test_a_replace_of_the_export_flows_to_a_new_data_job_model_and_endpoint_update(path: Workspace) -> None:
    ws = path
    assert converge(ws).code == 0
    first, model = ws.current("graph-export"), ws.current("fraud-rgcn")
    plan = ws.plan_json("--replace", "graph-export")
    assert {a["name"]: a["action"] for a in plan["actions"]}["graph-export"] == "retrain"
    r = converge(ws, "--replace", "graph-export")
    assert r.code == 0, r.out + r.err
    assert len(exports(ws)) == 2 and ws.current("graph-export") == f"{first}-r2"
    assert len(ws.emu.ids("processing")) == 2 and ws.current("fraud-rgcn") != model
    served = ws.emu.emulator.store.jobs["endpoint/fraud-endpoint"].params["mlModelTrainingJobId"]
    assert served == ws.current("fraud-rgcn")
    assert [g["action"] for g in ws.ledger().generations("fraud-endpoint")] == ["create", "update"]


def test_a_failed_export_blocks_what_needs_it_with_the_services_reason(path: Workspace) -> None:
    ws = path
    ws.emu.admin("POST", "export-fail", reason="Neptune endpoint db.cluster-abc123 is unreachable")
    r = converge(ws)
    assert r.code == 1, r.out + r.err
    doc = ws.plan_json()
    why = {a["name"]: (a["action"], a["reason"]) for a in doc["actions"]}
    assert why["graph-export"][0] == "blocked" and "unreachable" in why["graph-export"][1]
    assert why["graph-data"][0] == "blocked" and "unreachable" in why["graph-data"][1]
    assert ws.emu.ids("processing") == [] and ws.emu.ids("training") == []


def test_an_export_whose_answer_was_lost_is_waited_for_then_found_by_its_completion_file(
    path: Workspace,
) -> None:
    ws = path
    (ws.specs / "graph-data.yaml").unlink()
    (ws.specs / "fraud-rgcn.yaml").unlink()
    (ws.specs / "fraud-endpoint.yaml").unlink()
    ws.emu.options(job_seconds=60.0)
    ws.emu.faults(drop_rate=1.0, seed=1)  # the POST takes effect, its answer is lost
    r = ws.apply()
    assert r.code == 1
    ws.emu.faults(drop_rate=0.0)
    [pending] = ws.ledger().pending("graph-export")
    doc = ws.plan_json()
    [action] = doc["actions"]
    assert action["action"] == "wait" and "may be running" in action["reason"], action
    assert ws.apply().code == 0 and len(exports(ws)) == 1  # waits: no second export
    ws.emu.advance(120)
    r = ws.apply()
    assert r.code == 0, r.out + r.err
    assert ws.ledger().pending("graph-export") == []
    assert ws.current("graph-export") == pending["jobId"] and len(exports(ws)) == 1
    [gen] = ws.ledger().generations("graph-export")
    assert gen["finalStatus"] == "Completed" and gen["seen"]["output"].startswith(
        f"{OUT}/{pending['jobId']}/"
    )


def test_replace_gives_up_an_unconfirmed_export_knowingly(path: Workspace) -> None:
    ws = path
    for name in ("graph-data", "fraud-rgcn", "fraud-endpoint"):
        (ws.specs / f"{name}.yaml").unlink()
    ws.emu.options(job_seconds=60.0)
    ws.emu.faults(drop_rate=1.0, seed=1)
    assert ws.apply().code == 1
    ws.emu.faults(drop_rate=0.0)
    [pending] = ws.ledger().pending("graph-export")
    r = ws.apply("--replace", "graph-export")
    assert r.code == 0, r.out + r.err
    assert ws.ledger().pending("graph-export") == []
    assert ws.current("graph-export") == f"{pending['jobId']}-r2" and len(exports(ws)) == 2
    # The one given up on stays tracked: a generation of its own, found once it finishes.
    first = ws.ledger().generations("graph-export")[0]
    assert (first["jobId"], first["action"]) == (pending["jobId"], "unconfirmed")
    ws.emu.advance(120)
    assert ws.apply().code == 0
    assert [g.get("finalStatus") for g in ws.ledger().generations("graph-export")] == [
        "Completed",
        "Completed",
    ]


def test_an_unconfirmed_export_past_confirm_within_is_taken_as_never_started(
    path: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = path
    for name in ("graph-data", "fraud-rgcn", "fraud-endpoint"):
        (ws.specs / f"{name}.yaml").unlink()
    (ws.specs / "graph-export.yaml").write_text(export_manifest("policy:\n  confirmWithinSeconds: 1\n"))
    ws.emu.options(job_seconds=60.0)
    ws.emu.faults(error_rate=1.0, error_on="POST /v1/neptune-export")  # a 5xx: sent or not, unknown
    assert ws.apply().code == 1
    ws.emu.faults(error_rate=0.0, error_on="")
    assert exports(ws) == [] and len(ws.ledger().pending("graph-export")) == 1
    later = (datetime.now(UTC) + timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    monkeypatch.setattr(workflow, "now_iso", lambda: later)  # past confirmWithinSeconds
    [action] = ws.plan_json()["actions"]
    assert action["action"] == "retrain" and "taken as never started" in action["reason"], action
    assert ws.apply().code == 0 and len(exports(ws)) == 1
    assert [g["action"] for g in ws.ledger().generations("graph-export")] == ["unconfirmed", "retrain"]


def test_no_export_endpoint_is_a_one_line_error_saying_what_to_set(path: Workspace, monkeypatch: Any) -> None:
    monkeypatch.delenv("NEPTUNE_EXPORT_ENDPOINT")
    r = path.apply()
    assert r.code == 1
    assert "exportEndpoint" in r.out + r.err and "Traceback" not in r.out + r.err


def test_export_requests_are_signed_for_execute_api(path: Workspace, monkeypatch: Any) -> None:
    ws = path
    ws.emu.options(auth_keys={"AKIAFAKEFAKEFAKE0000": "fake-secret-never-printed-0000000000000"})
    monkeypatch.setenv("NEPTUNE_AUTH", "iam")
    r = converge(ws, "--auth", "iam")
    assert r.code == 0, r.out + r.err
    posts = ws.emu.log("POST", "/v1/neptune-export")
    assert posts and all(e["signed"] for e in posts)
    unsigned = ws.emu.http.post(f"{ws.emu.url}/v1/neptune-export", json={}, timeout=10)
    assert unsigned.status_code == 403 and json.loads(unsigned.text) == {
        "message": "Missing Authentication Token"
    }


def test_policy_refresh_exports_again_and_the_new_data_flows_to_the_endpoint(
    path: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = path
    (ws.specs / "graph-export.yaml").write_text(export_manifest("policy:\n  refreshEverySeconds: 3600\n"))
    assert converge(ws).code == 0
    first, model = ws.current("graph-export"), ws.current("fraud-rgcn")
    assert set(ws.actions().values()) == {"noop"}  # not due yet: nothing to do
    later = (datetime.now(UTC) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    monkeypatch.setattr(workflow, "now_iso", lambda: later)  # two hours on: the refresh is due
    r = run("pass")
    assert r.code == 0, r.out + r.err
    assert ws.current("graph-export") != first and len(exports(ws)) == 2, r.out
    assert "policy.refreshEverySeconds 3600" in r.out
    assert converge(ws).code == 0
    assert len(exports(ws)) == 2  # one refresh per period, however many plans it holds
    assert len(ws.emu.ids("processing")) == 2 and ws.current("fraud-rgcn") != model
    served = ws.emu.emulator.store.jobs["endpoint/fraud-endpoint"].params["mlModelTrainingJobId"]
    assert served == ws.current("fraud-rgcn")


def test_a_lost_ledger_finds_the_finished_export_by_its_completion_file(path: Workspace) -> None:
    ws = path
    for name in ("graph-data", "fraud-rgcn", "fraud-endpoint"):
        (ws.specs / f"{name}.yaml").unlink()
    assert converge(ws).code == 0
    handle = ws.current("graph-export")
    ws.state.unlink()
    doc = ws.plan_json()
    [action] = doc["actions"]
    assert action["action"] == "record" and action.get("adopt"), action
    assert ws.apply().code == 0 and len(exports(ws)) == 1
    assert ws.current("graph-export") == handle
    assert set(ws.actions().values()) == {"noop"}


def test_prune_of_a_running_export_forgets_it_the_service_cannot_stop_one(path: Workspace) -> None:
    ws = path
    for name in ("fraud-rgcn", "fraud-endpoint"):
        (ws.specs / f"{name}.yaml").unlink()
    text = (ws.specs / "graph-data.yaml").read_text()  # another manifest stays, on data of its own
    (ws.specs / "graph-data.yaml").write_text(
        text.replace("{ref: graph-export}", "s3://ml-artifacts/exports/other")
    )
    ws.emu.options(job_seconds=60.0)
    assert ws.apply().code == 0
    (ws.specs / "graph-export.yaml").unlink()
    actions = {a["name"]: a for a in ws.plan_json("--prune")["actions"]}
    action = actions["graph-export"]
    assert action["action"] == "forget" and "can't be stopped" in action["reason"], action
    r = ws.apply("--prune")
    assert r.code == 0, r.out + r.err
    assert ws.ledger().names() == ["graph-data"] and len(exports(ws)) == 1
