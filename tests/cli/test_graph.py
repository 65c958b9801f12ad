"""From data to a serving model, declared in git, against the emulator: DataProcessingJob and
Endpoint manifests, references, ``apply --converge``, promotion, prune, an interrupted converge."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from reconciler.emulator.creates import CREATES

from ..helpers import Workspace, run

FAST = ("--poll-interval", "50ms", "--timeout", "2m")


def dp_manifest(name: str, previous: str | None = None) -> str:
    prev = f"\n  previousDataProcessingJobId: {{ref: {previous}}}" if previous else ""
    return (
        textwrap.dedent(f"""\
        apiVersion: neptune-ml.reconciler/v1
        kind: DataProcessingJob
        metadata:
          name: {name}
        spec:
          inputDataS3Location: s3://ml-artifacts/exports/{name}
          processedDataS3Location: s3://ml-artifacts/processed/{name}""")
        + prev
        + "\n"
    )


def model_manifest(data: str) -> str:
    return textwrap.dedent(f"""\
        apiVersion: neptune-ml.reconciler/v1
        kind: ModelTrainingJob
        metadata:
          name: fraud-rgcn
        spec:
          dataProcessingJobId: {{ref: {data}}}
          trainModelS3Location: s3://ml-artifacts/fraud
          modelName: rgcn
        policy:
          retries: 0
        """)


def endpoint_manifest(promote: str = "auto") -> str:
    return textwrap.dedent(f"""\
        apiVersion: neptune-ml.reconciler/v1
        kind: Endpoint
        metadata:
          name: fraud-endpoint
        spec:
          mlModelTrainingJobId: {{ref: fraud-rgcn}}
          instanceCount: 2
        policy:
          promote: {promote}
        """)


@pytest.fixture
def graph(ws: Workspace) -> Workspace:
    ws.emu.options(job_seconds=0.2)  # real seconds: converge polls the way a user's run does
    (ws.specs / "data-11.yaml").write_text(dp_manifest("data-11"))
    (ws.specs / "fraud-rgcn.yaml").write_text(model_manifest("data-11"))
    (ws.specs / "fraud-endpoint.yaml").write_text(endpoint_manifest())
    return ws


def endpoint_serves(ws: Workspace) -> str:
    return str(ws.emu.emulator.store.jobs["endpoint/fraud-endpoint"].params["mlModelTrainingJobId"])


def converge(ws: Workspace, *extra: str) -> Any:
    r = ws.apply("--converge", *FAST, *extra)
    return r


def repoint(ws: Workspace) -> None:
    (ws.specs / "data-12.yaml").write_text(dp_manifest("data-12", previous="data-11"))
    (ws.specs / "fraud-rgcn.yaml").write_text(model_manifest("data-12"))


def test_converge_from_an_empty_cluster_ends_with_the_endpoint_serving_the_completed_model(
    graph: Workspace,
) -> None:
    r = converge(graph)
    assert r.code == 0, r.out + r.err
    assert "Converged after 4 round(s): git and the cluster agree." in r.out
    model = graph.current("fraud-rgcn")
    assert graph.emu.ids("endpoint") == ["fraud-endpoint"] and endpoint_serves(graph) == model
    assert graph.emu.emulator.store.get("endpoint", "fraud-endpoint")["status"] == "InService"
    assert graph.emu.emulator.store.get("training", model)["status"] == "Completed"
    after = run("plan")
    assert after.code == 0 and "Plan: 3 unchanged." in after.out
    status = run("status")
    assert f"fraud-endpoint serves {model} (fraud-rgcn generation 1, its latest Completed)" in status.out
    assert f"fraud-rgcn trained on {graph.current('data-11')} (data-11)" in status.out
    rows = {row["name"]: row for row in json.loads(run("status", "--format", "json").out)}
    assert rows["fraud-endpoint"]["serves"] == {
        "job": model,
        "manifest": "fraud-rgcn",
        "generation": 1,
        "latestCompleted": True,
    }
    assert rows["fraud-rgcn"]["trainedOn"] == {"job": graph.current("data-11"), "manifest": "data-11"}


def test_new_data_gives_an_incremental_job_and_the_same_endpoint_updated_to_serve_it(
    graph: Workspace,
) -> None:
    assert converge(graph).code == 0
    old = graph.current("fraud-rgcn")
    repoint(graph)
    r = converge(graph)
    assert r.code == 0, r.out + r.err
    gens = graph.ledger().generations("fraud-rgcn")
    new = gens[-1]
    assert new["action"] == "incremental" and new["spec"]["previousModelTrainingJobId"] == old
    assert new["spec"]["dataProcessingJobId"] == graph.current("data-12")
    dp12 = graph.ledger().current("data-12")
    assert dp12 is not None and dp12["spec"]["previousDataProcessingJobId"] == graph.current("data-11")
    assert graph.emu.ids("endpoint") == ["fraud-endpoint"]  # updated in place: the same id
    assert endpoint_serves(graph) == new["jobId"] != old
    assert [g["action"] for g in graph.ledger().generations("fraud-endpoint")] == ["create", "update"]
    assert sorted(graph.emu.ids("training")) == sorted([old, new["jobId"]])
    rows = [line.split() for line in run("state", "show").lines]
    update = next(r for r in rows if "update" in r)
    assert update[update.index("update") :][:4] == ["update", "-", "serving", new["jobId"]]
    incremental = next(r for r in rows if new["jobId"] in r and "incremental" in r)
    assert incremental[incremental.index("incremental") :][:7] == [
        "incremental",
        "Completed",
        "from",
        f"{old},",
        "trained",
        "on",
        graph.current("data-12"),
    ]


def test_a_failed_new_model_leaves_the_endpoint_serving_the_old_one_and_status_says_so(
    graph: Workspace,
) -> None:
    assert converge(graph).code == 0
    old = graph.current("fraud-rgcn")
    graph.emu.options(job_seconds=60.0)  # the next jobs run long enough to fail them by hand
    repoint(graph)
    graph.apply()  # the new data-processing job
    graph.emu.advance(61)
    assert graph.apply().code == 0  # the incremental training job
    new = graph.current("fraud-rgcn")
    assert new != old
    graph.emu.fail(new, "AlgorithmError: loss diverged")
    r = converge(graph)
    assert r.code == 1 and "blocked" in r.err
    assert endpoint_serves(graph) == old
    status = run("status")
    assert (
        f"fraud-endpoint serves {old} (fraud-rgcn generation 1, its latest Completed; its newest job {new} is Failed)"
        in status.out
    )
    actions = {a["name"]: a for a in graph.plan_json()["actions"]}
    assert (
        actions["fraud-endpoint"]["action"] == "noop"
        and f"serving {old}" in actions["fraud-endpoint"]["reason"]
    )
    assert actions["fraud-rgcn"]["action"] == "blocked" and "loss diverged" in actions["fraud-rgcn"]["reason"]


def test_manual_promotion_holds_the_new_model_until_promote(graph: Workspace) -> None:
    (graph.specs / "fraud-endpoint.yaml").write_text(endpoint_manifest("manual"))
    assert converge(graph).code == 0
    old = graph.current("fraud-rgcn")
    repoint(graph)
    r = converge(graph)
    assert r.code == 0, r.out + r.err
    assert (
        "fraud-endpoint: held for promotion (policy.promote: manual); "
        "`reconciler apply --promote fraud-endpoint` rolls it out" in r.out
    )
    assert endpoint_serves(graph) == old
    plan = run("plan")
    assert plan.code == 2 and "‖ fraud-endpoint: hold" in plan.out
    assert run("plan", "--promote", "nope").code == 1
    done = graph.apply("--promote", "fraud-endpoint", "--wait", *FAST)
    assert done.code == 0, done.out + done.err
    assert endpoint_serves(graph) == graph.current("fraud-rgcn") != old


def test_pruning_an_endpoint_deletes_it(graph: Workspace) -> None:
    assert converge(graph).code == 0
    (graph.specs / "fraud-endpoint.yaml").unlink()
    assert graph.actions("--prune")["fraud-endpoint"] == "hold"
    r = converge(graph, "--prune")
    assert r.code == 0 and "held: a prune that destroys work needs `--confirm-prune fraud-endpoint`" in r.out
    assert graph.emu.emulator.store.get("endpoint", "fraud-endpoint")["status"] == "InService"
    assert graph.actions("--confirm-prune", "fraud-endpoint")["fraud-endpoint"] == "delete"
    r = graph.apply("--confirm-prune", "fraud-endpoint")
    assert r.code == 0 and "fraud-endpoint: deleted fraud-endpoint and forgot it" in r.out
    assert graph.emu.emulator.store.get("endpoint", "fraud-endpoint")["status"] == "Deleting"
    assert "fraud-endpoint" not in graph.ledger().names()


def test_a_saved_plan_and_converge_do_not_mix(graph: Workspace) -> None:
    r = graph.apply("--converge", "--plan", "plan.json")
    assert r.code == 1 and "--converge plans afresh each round" in r.err


@pytest.mark.parametrize("point", ["create-intent", "create-call"])
def test_an_interrupted_converge_resumes_with_no_duplicate(graph: Workspace, point: str) -> None:
    """Killed at the endpoint's create (round 3), a second converge ends the path: one of each."""
    assert converge(graph, "--target", "data-11").code == 0
    assert converge(graph, "--target", "data-11", "--target", "fraud-rgcn").code == 0
    env = {**os.environ, "RECONCILER_PAUSE_AT": point, "RECONCILER_PAUSE_SECONDS": "30"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--auto-approve", "--converge", *FAST],
        cwd=graph.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert line.startswith(f"paused at {point} fraud-endpoint"), line + proc.stderr.read()
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)
    assert run("state", "unlock").code == 0
    r = converge(graph)
    assert r.code == 0, r.out + r.err
    assert graph.emu.ids("endpoint") == ["fraud-endpoint"]
    assert len(graph.emu.ids("training")) == 1 and len(graph.emu.ids("processing")) == 1
    assert endpoint_serves(graph) == graph.current("fraud-rgcn")
    assert [g["action"] for g in graph.ledger().generations("fraud-endpoint")] == ["create"]
    assert run("plan").code == 0


def test_references_are_checked_offline_with_where_and_a_did_you_mean(in_tmp: Any) -> None:
    specs = in_tmp / "specs"
    specs.mkdir()
    (specs / "data.yaml").write_text(dp_manifest("data-11"))
    (specs / "model.yaml").write_text(model_manifest("data-1"))
    (specs / "ep.yaml").write_text(endpoint_manifest().replace("{ref: fraud-rgcn}", "{ref: data-11}"))
    (specs / "a.yaml").write_text(dp_manifest("loop-a", previous="loop-b"))
    (specs / "b.yaml").write_text(dp_manifest("loop-b", previous="loop-a"))
    r = run("validate")
    assert r.code == 1
    assert (
        "specs/model.yaml:6:30: R006: spec.dataProcessingJobId refers to 'data-1', which no manifest is "
        "named; did you mean 'data-11'?"
    ) in r.out
    assert (
        "specs/ep.yaml:6:31: R007: spec.mlModelTrainingJobId refers to 'data-11', a DataProcessingJob"
        in r.out
    )
    assert (
        "specs/a.yaml:8:38: R008: references form a cycle: loop-a → loop-b → loop-a; break it at one of them"
        in r.out
    )


def test_jobs_subcommands_reach_the_data_processing_and_endpoint_resources(graph: Workspace) -> None:
    assert converge(graph).code == 0
    dp = graph.current("data-11")
    listed = run("jobs", "endpoints", "list")
    assert listed.code == 0 and listed.lines == ["fraud-endpoint  InService"]
    got = run("jobs", "endpoints", "get", "fraud-endpoint", "--format", "json")
    assert got.code == 0 and '"status": "InService"' in got.out
    assert run("jobs", "dataprocessing", "get", dp).lines[:2] == [
        f"id:         {dp}",
        "status:     Completed",
    ]
    assert run("jobs", "dataprocessing", "stop", dp).code == 1  # a Completed job can't be stopped
    deleted = run("jobs", "endpoints", "delete", "fraud-endpoint", "--clean")
    assert deleted.code == 0 and deleted.lines == ["fraud-endpoint: Deleting (clean)"]


def test_import_adopts_an_existing_data_processing_job_and_endpoint(graph: Workspace) -> None:
    CREATES["processing"](
        graph.emu.emulator.store,
        {
            "id": "dp-made-by-hand",
            "inputDataS3Location": "s3://b/in",
            "processedDataS3Location": "s3://b/out",
        },
    )
    graph.emu.advance(1)
    assert run("import", "data-11", "dp-made-by-hand").code == 0
    assert graph.current("data-11") == "dp-made-by-hand"
    assert run("import", "fraud-endpoint", "nope").code == 1  # checked with a GET on /ml/endpoints
    assert converge(graph).code == 0
    model = graph.current("fraud-rgcn")
    assert graph.ledger().current("fraud-rgcn")["spec"]["dataProcessingJobId"] == "dp-made-by-hand"
    store = graph.emu.emulator.store
    CREATES["endpoint"](store, {"id": "legacy-endpoint", "mlModelTrainingJobId": model})
    graph.emu.advance(1)
    r = run("import", "fraud-endpoint", "legacy-endpoint")
    assert r.code == 0, r.err
    # The import does not know what the endpoint serves: the next plan updates it in place.
    assert graph.actions()["fraud-endpoint"] == "update"


def test_explain_and_schema_know_every_kind() -> None:
    r = run("explain", "instanceCount")
    assert r.code == 0 and r.lines[0] == "field:       spec.instanceCount (kind: Endpoint)"
    assert "on change:   update: an endpoint is updated in place (same id) to take the change" in r.lines
    assert run("explain", "processingTimeOutInSeconds").lines[0].endswith("(kind: DataProcessingJob)")
    assert run("explain", "maxWaitTime").lines[0] == "field:       spec.maxWaitTime"  # training first
    typo = run("explain", "instanceCont")
    assert typo.code == 1 and "did you mean 'spec.instanceCount'?" in typo.err
    for which in ("dataprocessingjob", "endpoint"):
        assert (
            f'"title": "{ {"dataprocessingjob": "DataProcessingJob", "endpoint": "Endpoint"}[which] }"'
            in run("schema", which).out
        )


def test_converge_gives_up_at_its_timeout_saying_what_still_waits(graph: Workspace) -> None:
    graph.emu.options(job_seconds=600.0)
    r = graph.apply("--converge", "--poll-interval", "50ms", "--timeout", "1s")
    assert r.code == 1
    assert r.err.startswith("error: --converge timed out after 1s (1 round(s)): still data-11-")
    assert "fraud-rgcn waiting (new model: no job yet; waits for data-processing job data-11-" in r.err
    assert graph.emu.ids("processing") and not graph.emu.ids("training")  # nothing ran ahead of its data


def test_a_running_data_processing_job_is_stopped_on_its_own_resource_when_pruned(graph: Workspace) -> None:
    graph.emu.options(job_seconds=600.0)
    assert graph.apply("--target", "data-11").code == 0
    job = graph.current("data-11")
    (graph.specs / "data-11.yaml").unlink()
    (graph.specs / "fraud-rgcn.yaml").unlink()
    (graph.specs / "fraud-endpoint.yaml").unlink()
    (graph.specs / "other.yaml").write_text(dp_manifest("other"))
    r = graph.apply("--prune-all", "--confirm-prune", "data-11", "--confirm-prune", "fraud-endpoint")
    assert r.code == 0, r.out + r.err
    assert f"data-11: stopped {job} and forgot it" in r.out
    stops = graph.emu.log("DELETE")
    assert [e["path"] for e in stops] == [f"/ml/dataprocessing/{job}"]
    rows = {row["name"]: row for row in json.loads(run("status", "--format", "json").out)}
    assert rows["other"]["kind"] == "DataProcessingJob"


def test_a_lost_ledger_starts_nothing_twice_along_the_graph(graph: Workspace) -> None:
    assert converge(graph).code == 0
    made = {k: graph.emu.ids(k) for k in ("processing", "training", "endpoint")}
    graph.state.unlink()
    r = converge(graph)
    assert r.code == 0, r.out + r.err
    assert {k: graph.emu.ids(k) for k in made} == made  # adopted, round by round, never made again
    assert "+ fraud-rgcn: create" not in r.out and "= fraud-rgcn: record" in r.out  # the plan says so too
    assert graph.current("fraud-rgcn") == made["training"][0]
    assert endpoint_serves(graph) == made["training"][0]


def test_a_file_named_alone_may_refer_outside_it_a_folder_may_not(in_tmp: Any) -> None:
    """A pre-commit hook passes only the changed files: a reference outside them is a warning."""
    specs = in_tmp / "specs"
    specs.mkdir()
    (specs / "model.yaml").write_text(model_manifest("data-11"))
    alone = run("validate", "specs/model.yaml")
    assert (
        alone.code == 0
        and "R006: warning: spec.dataProcessingJobId refers to 'data-11', which is not" in alone.out
    )
    folder = run("validate", "specs")
    assert (
        folder.code == 1
        and "R006: spec.dataProcessingJobId refers to 'data-11', which no manifest" in folder.out
    )


def test_an_endpoint_naming_a_literal_job_waits_until_it_is_completed(graph: Workspace) -> None:
    graph.emu.options(job_seconds=600.0)
    graph.emu.seed_dp("dp-lit")
    CREATES["training"](
        graph.emu.emulator.store,
        {"id": "lit-model", "dataProcessingJobId": "dp-lit", "trainModelS3Location": "s3://b/m"},
    )
    (graph.specs / "fraud-endpoint.yaml").write_text(
        endpoint_manifest().replace("{ref: fraud-rgcn}", "lit-model")
    )
    act = {a["name"]: a for a in graph.plan_json("--target", "fraud-endpoint")["actions"]}["fraud-endpoint"]
    assert act["action"] == "wait" and "model-training job lit-model is InProgress" in act["reason"]
    graph.emu.advance(601)
    assert graph.actions("--target", "fraud-endpoint")["fraud-endpoint"] == "create"


def test_a_saved_graph_plan_matches_its_schema_and_applies_exactly(graph: Workspace) -> None:
    from reconciler.manifests import schema

    assert run("plan", "--out", "plan.json").code == 2
    doc = json.loads((graph.root / "plan.json").read_text())
    assert list(schema.validator(schema.PLAN).iter_errors(doc)) == []
    assert [a["kind"] for a in doc["actions"]] == ["DataProcessingJob", "ModelTrainingJob", "Endpoint"]
    assert doc["edges"] == [
        {"from": "fraud-endpoint", "to": "fraud-rgcn", "field": "mlModelTrainingJobId"},
        {"from": "fraud-rgcn", "to": "data-11", "field": "dataProcessingJobId"},
    ]
    r = graph.apply("--plan", "plan.json")
    assert r.code == 0, r.out + r.err
    assert graph.emu.ids("processing") == [graph.current("data-11")] and graph.emu.ids("training") == []


def test_a_vanished_endpoint_is_created_again_and_the_ledger_says_what_it_serves(graph: Workspace) -> None:
    assert converge(graph).code == 0
    old = graph.current("fraud-rgcn")
    graph.emu.options(job_seconds=60.0)
    repoint(graph)
    graph.apply()
    graph.emu.advance(61)
    graph.apply()
    graph.emu.advance(61)  # the incremental job is Completed; the endpoint still serves the old one
    graph.emu.admin("POST", "delete", id="fraud-endpoint", resource="endpoints")  # drift
    act = {a["name"]: a for a in graph.plan_json()["actions"]}["fraud-endpoint"]
    assert act["action"] == "recreate" and act["spec"]["mlModelTrainingJobId"] != old
    assert graph.apply().code == 0
    new = graph.current("fraud-rgcn")
    assert endpoint_serves(graph) == new
    gens = graph.ledger().generations("fraud-endpoint")
    assert [g["action"] for g in gens] == ["create", "recreate"] and gens[-1]["spec"][
        "mlModelTrainingJobId"
    ] == new
    assert f"fraud-endpoint serves {new} (fraud-rgcn generation 2, its latest Completed)" in run("status").out


def test_state_rebuild_finds_the_whole_graph_again(graph: Workspace) -> None:
    assert converge(graph).code == 0
    before = {n: graph.current(n) for n in ("data-11", "fraud-rgcn", "fraud-endpoint")}
    graph.state.unlink()
    r = run("state", "rebuild")
    assert r.code == 0, r.out + r.err
    assert "Rebuild complete: 3 adopted, 0 unchanged." in r.out
    assert {n: graph.current(n) for n in before} == before
    # The endpoint was recorded without a spec: the next apply updates it in place, nothing else.
    assert graph.actions() == {"data-11": "noop", "fraud-rgcn": "noop", "fraud-endpoint": "update"}
    assert converge(graph).code == 0
    assert {k: len(graph.emu.ids(k)) for k in ("processing", "training", "endpoint")} == {
        "processing": 1, "training": 1, "endpoint": 1,
    }  # fmt: skip


def test_replace_under_converge_is_one_act(graph: Workspace) -> None:
    """`--replace NAME` with --converge retrains once (round one) and then converges; it used to
    replace again every round (-r2 … -r9, then blocked)."""
    assert converge(graph).code == 0
    first = graph.current("fraud-rgcn")
    r = converge(graph, "--replace", "fraud-rgcn")
    assert r.code == 0, r.out + r.err
    models = graph.emu.ids("training")
    assert len(models) == 2 and first in models, models
    assert endpoint_serves(graph) == graph.current("fraud-rgcn") != first
    updates = [e for e in graph.emu.log("POST") if e["path"] == "/ml/endpoints" and e["body"].get("update")]
    r = converge(graph, "--replace", "fraud-endpoint")
    assert r.code == 0, r.out + r.err
    again = [e for e in graph.emu.log("POST") if e["path"] == "/ml/endpoints" and e["body"].get("update")]
    assert len(again) == len(updates) + 1


def test_converge_waits_for_a_job_an_earlier_run_started_and_a_pass_says_it_runs(graph: Workspace) -> None:
    """A job started by an earlier apply (or pass) is still running: nothing is left to do, but the
    graph is still moving (the endpoint follows the model once it completes). A pass says so and is
    not converged; converge waits for it and ends with the endpoint serving it."""
    assert converge(graph).code == 0
    old = graph.current("fraud-rgcn")
    graph.emu.options(job_seconds=1.5)
    assert graph.apply("--replace", "fraud-rgcn").code == 0
    new = graph.current("fraud-rgcn")
    assert new != old and endpoint_serves(graph) == old
    passed = run("pass")
    assert passed.code == 0 and passed.lines[-1] == "pass progressing: 1 running (fraud-rgcn)", passed.out
    r = converge(graph)
    assert r.code == 0, r.out + r.err
    assert endpoint_serves(graph) == new
    assert run("pass").lines[-1].startswith("pass converged")


def test_a_converge_does_not_read_again_what_its_wait_saw_finish(
    graph: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A finished job can't change: once a round's wait saw the data job Completed, the next
    rounds' plans take that answer (and record it) instead of reading the job again."""
    from reconciler.engine import workflow

    gets_when_seen: dict[str, int] = {}
    real = workflow.wait_started

    def spy(client: Any, result: Any, *args: Any, **kwargs: Any) -> Any:
        views = real(client, result, *args, **kwargs)
        for job, view in views.items():
            if view is not None and view.terminal:
                gets_when_seen[job] = len([e for e in graph.emu.log("GET") if e["path"].endswith(f"/{job}")])
        return views

    monkeypatch.setattr(workflow, "wait_started", spy)
    r = converge(graph)
    assert r.code == 0 and "Converged after 4 round(s)" in r.out, r.out + r.err
    data, model = graph.current("data-11"), graph.current("fraud-rgcn")
    assert data in gets_when_seen and model in gets_when_seen
    for job in (data, model):
        gets = [e for e in graph.emu.log("GET") if e["path"].endswith(f"/{job}")]
        assert len(gets) == gets_when_seen[job], f"{job} read again after its wait saw it finish"
    dp = graph.ledger().current("data-11")
    assert dp is not None and dp["finalStatus"] == "Completed" and dp["seen"]["cluster"]  # recorded
    assert run("plan").code == 0  # and nothing was lost by not reading it


def test_each_chain_of_a_converge_moves_at_its_own_pace(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two chains, one with a slow data job: the fast chain's model starts as soon as its own data
    job completes, not once the slow one has (a round's wait ends when something a waiting
    manifest needs settles), and the converge still ends with both trained."""
    slow = 3.0
    store = ws.emu.emulator.store
    monkeypatch.setattr(store.options, "duration", lambda job_id: slow if job_id.startswith("slow-") else 0.2)
    for chain in ("fast", "slow"):
        (ws.specs / f"{chain}-data.yaml").write_text(dp_manifest(f"{chain}-data"))
        model = model_manifest(f"{chain}-data").replace("name: fraud-rgcn", f"name: {chain}-model")
        (ws.specs / f"{chain}-model.yaml").write_text(
            model.replace("s3://ml-artifacts/fraud", f"s3://ml-artifacts/{chain}")
        )
    r = converge(ws)
    assert r.code == 0, r.out + r.err
    posts = {
        e["body"]["id"].split("-")[0] + "-" + e["path"].split("/")[2]: e["time"] for e in ws.emu.log("POST")
    }
    assert posts["fast-modeltraining"] - posts["slow-dataprocessing"] < slow - 1.0, r.out
    assert "Waiting for 1 job(s) this round started and 1 still running..." in r.out, r.out
    assert {j.split("-")[0] for j in ws.emu.ids("training")} == {"fast", "slow"}
