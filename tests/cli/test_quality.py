"""Model quality decides what serves: a promotion gate on the model's evaluation metrics, read
from eval_metrics_info.json in S3 (moto's server) where the emulator writes it as a job completes."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest

from ..helpers import Workspace, run
from .test_graph import dp_manifest, model_manifest

GATE = "promote:\n    metric: accuracy\n"


def endpoint(gate: str = GATE) -> str:
    return textwrap.dedent("""\
        apiVersion: neptune-ml.reconciler/v1
        kind: Endpoint
        metadata:
          name: fraud-endpoint
        spec:
          mlModelTrainingJobId: {ref: fraud-rgcn}
        policy:
        """) + textwrap.indent(gate, "  ")


@pytest.fixture
def gated(ws_s3: Workspace) -> Workspace:
    """data-1 → fraud-rgcn → fraud-endpoint (gated on accuracy); the emulator writes to moto's S3."""
    ws = ws_s3
    (ws.specs / "data-1.yaml").write_text(dp_manifest("data-1"))
    (ws.specs / "fraud-rgcn.yaml").write_text(model_manifest("data-1"))
    (ws.specs / "fraud-endpoint.yaml").write_text(endpoint())
    return ws


def train(ws: Workspace, accuracy: Any) -> str:
    """Apply until fraud-rgcn has a new job, give it ``accuracy``, and let it complete."""
    before = ws.ledger().current("fraud-rgcn")
    for _ in range(3):
        assert ws.apply().code == 0
        cur = ws.ledger().current("fraud-rgcn")
        if cur is not None and cur != before:
            break
        ws.emu.advance(120)
    job = ws.current("fraud-rgcn")
    ws.emu.admin("POST", "metrics", id=job, metrics={"accuracy": accuracy, "loss": 0.1})
    ws.emu.advance(120)
    return job


def serves(ws: Workspace) -> str:
    return str(ws.emu.emulator.store.jobs["endpoint/fraud-endpoint"].params["mlModelTrainingJobId"])


def new_data(ws: Workspace, name: str, previous: str) -> None:
    (ws.specs / f"{name}.yaml").write_text(dp_manifest(name, previous=previous))
    text = (ws.specs / "fraud-rgcn.yaml").read_text()
    (ws.specs / "fraud-rgcn.yaml").write_text(text.replace(f"{{ref: {previous}}}", f"{{ref: {name}}}"))
    assert ws.apply().code == 0
    ws.emu.advance(120)


def test_a_worse_model_is_held_with_both_numbers_promoted_by_hand_and_a_better_one_on_its_own(
    gated: Workspace,
) -> None:
    ws = gated
    first = train(ws, 0.80)
    assert ws.apply().code == 0  # the endpoint: the first model passes (nothing served yet)
    assert serves(ws) == first
    ws.emu.advance(120)
    new_data(ws, "data-2", "data-1")
    second = train(ws, 0.70)
    plan = run("plan")
    assert plan.code == 2 and "‖ fraud-endpoint: hold" in plan.out, plan.out
    assert "accuracy 0.7 < 0.8 served now" in plan.out
    comment = run("plan", "--format", "markdown")
    assert "accuracy 0.7 &lt; 0.8 served now" in comment.out  # GitHub renders &lt; as <
    held = ws.apply("--converge", "--poll-interval", "50ms", "--timeout", "1m")
    assert (
        "fraud-endpoint: held for promotion (policy.promote: accuracy 0.7 < 0.8 served now); "
        "`reconciler apply --promote fraud-endpoint` rolls it out" in held.out
    ), held.out
    assert serves(ws) == first  # still the better model
    rows = {r["name"]: r for r in json.loads(run("status", "--format", "json").out)}
    assert rows["fraud-endpoint"]["serves"]["metric"] == {
        "path": "accuracy",
        "served": 0.8,
        "candidate": 0.7,
        "candidateJob": second,
    }
    assert rows["fraud-rgcn"]["metric"] == {"path": "accuracy", "value": 0.7}
    promoted = ws.apply("--promote", "fraud-endpoint")
    assert promoted.code == 0, promoted.out + promoted.err
    assert serves(ws) == second
    record = ws.ledger().current("fraud-endpoint")["promoted"]
    assert record["over"] == "accuracy 0.7 < 0.8 served now" and record["by"] and record["at"]
    ws.emu.advance(120)
    new_data(ws, "data-3", "data-2")
    third = train(ws, 0.90)
    assert ws.apply().code == 0
    assert serves(ws) == third  # better than what is served: promoted by the gate on its own
    assert "promoted" not in ws.ledger().current("fraud-endpoint")


def test_the_minimum_holds_even_the_first_model(gated: Workspace) -> None:
    (gated.specs / "fraud-endpoint.yaml").write_text(endpoint(GATE + "    minimum: 0.85\n"))
    train(gated, 0.80)
    plan = run("plan")
    assert "accuracy 0.8 < minimum 0.85" in plan.out and "‖ fraud-endpoint: hold" in plan.out
    assert "endpoint/fraud-endpoint" not in gated.emu.emulator.store.jobs


def test_a_missing_file_is_a_hold_never_a_promotion(gated: Workspace, s3: Any) -> None:
    job = train(gated, 0.80)
    bucket, _, prefix = "ml-artifacts/fraud".partition("/")
    s3.delete_object(Bucket=bucket, Key=f"{prefix}/{job}/processing/eval_metrics_info.json")
    plan = run("plan")
    assert "‖ fraud-endpoint: hold" in plan.out and "no metrics file at s3://ml-artifacts/fraud/" in plan.out
    assert gated.apply().code == 0  # a hold, never a promotion
    assert "endpoint/fraud-endpoint" not in gated.emu.emulator.store.jobs
    (gated.specs / "fraud-endpoint.yaml").write_text(endpoint("promote:\n    metric: loss.value\n"))
    r = run("plan")  # a path into a number that is not a mapping: no such path, a hold
    assert "‖ fraud-endpoint: hold" in r.out


def test_a_non_numeric_metric_blocks_with_the_path(gated: Workspace) -> None:
    train(gated, "high")
    plan = run("plan")
    assert plan.code == 2 and "fraud-endpoint: blocked" in plan.out, plan.out
    assert "accuracy is 'high', not a number" in plan.out


def test_a_steady_plan_reads_no_metrics_once_they_are_recorded(
    gated: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = train(gated, 0.80)
    assert gated.apply().code == 0  # records the job's final status and its metrics
    seen = gated.ledger().current("fraud-rgcn")["seen"]
    assert seen["metrics"] == {"accuracy": 0.8, "loss": 0.1} and seen["output"].endswith(
        f"{first}/processing"
    )
    monkeypatch.setenv("RECONCILER_S3_ENDPOINT", "http://127.0.0.1:9")  # no S3 there: a read would fail
    r = run("plan")
    assert r.code == 0, r.out + r.err
    assert "fraud-endpoint: in sync" in r.out


def test_state_show_lists_each_generation_with_its_metrics_and_who_promoted(gated: Workspace) -> None:
    ws = gated
    train(ws, 0.80)
    assert ws.apply().code == 0
    ws.emu.advance(120)
    new_data(ws, "data-2", "data-1")
    train(ws, 0.70)
    assert ws.apply("--promote", "fraud-endpoint").code == 0
    assert ws.apply().code == 0  # records the second model's final status and metrics
    shown = run("state", "show").out
    assert "accuracy 0.8, loss 0.1" in shown and "accuracy 0.7, loss 0.1" in shown
    assert "over the gate (accuracy 0.7 < 0.8 served now)" in shown


def test_the_emulator_writes_the_metrics_file_under_the_processing_output(gated: Workspace, s3: Any) -> None:
    job = train(gated, 0.5)
    got = gated.emu.http.get(f"{gated.emu.url}/ml/modeltraining/{job}", timeout=10).json()
    where = got["processingJob"]["outputLocation"]
    bucket, _, prefix = where.removeprefix("s3://").partition("/")
    body = s3.get_object(Bucket=bucket, Key=f"{prefix}/eval_metrics_info.json")["Body"].read()
    assert json.loads(body) == {"accuracy": 0.5, "loss": 0.1}
    late = gated.emu.http.post(
        f"{gated.emu.url}/__emulator/metrics", json={"id": job, "metrics": {"accuracy": 1}}, timeout=10
    )
    assert late.status_code == 400  # written already: a finished job's metrics never change


def test_the_pr_comment_shows_a_retrained_models_last_generations_with_their_metric(gated: Workspace) -> None:
    first = train(gated, 0.80)
    assert gated.apply().code == 0
    text = (gated.specs / "fraud-rgcn.yaml").read_text()
    (gated.specs / "fraud-rgcn.yaml").write_text(
        text.replace("modelName: rgcn", "modelName: rgcn\n  maxHPONumberOfTrainingJobs: 4")
    )
    comment = run("plan", "--format", "markdown").out
    assert "| its last generations | trained on | metric |" in comment
    assert f"| `{first}` | `{gated.current('data-1')}` | accuracy 0.8 |" in comment
