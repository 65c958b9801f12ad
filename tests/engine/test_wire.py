"""What goes on the wire, read back from the emulator's request log after a lifecycle: a create
carries only what the manifest and reconciler.yaml set (plus id and previous id); list and stop
calls carry neptuneIamRoleArn when one is configured."""

from __future__ import annotations

from ..helpers import Workspace, run

ROLE = "arn:aws:iam::123456789012:role/NeptuneML"


def test_creates_send_only_what_was_set_and_every_call_carries_the_role(ws: Workspace) -> None:
    (ws.root / "reconciler.yaml").write_text(f"defaults:\n  neptuneIamRoleArn: {ROLE}\n")
    for dp in ("dp-1", "dp-2"):
        ws.emu.seed_dp(dp)
    ws.write("a", dp="dp-1")
    ws.write("b", dp="dp-1", spec="trainingInstanceType: ml.g4dn.xlarge\nmaxHPONumberOfTrainingJobs: 4")
    assert ws.apply().code == 0
    ws.emu.advance(61)
    ws.write("a", dp="dp-2")  # incremental
    ws.write("c", dp="dp-1")  # runs, then is pruned (a stop)
    assert ws.apply().code == 0
    ws.write("a", dp="dp-2", policy="suspend: true")  # a stop of the running incremental job
    ws.remove("c")
    assert ws.apply("--confirm-prune", "c").code == 0
    assert run("jobs", "list", "--neptune-iam-role-arn", ROLE).code == 0

    written = {"a": {"dataProcessingJobId", "trainModelS3Location"}}
    written["b"] = written["a"] | {"trainingInstanceType", "maxHPONumberOfTrainingJobs"}
    written["c"] = written["a"]
    creates = [e["body"] for e in ws.emu.log("POST") if e["path"] == "/ml/modeltraining"]
    assert len(creates) == 4
    for body in creates:
        allowed = written[body["id"].split("-")[0]] | {
            "neptuneIamRoleArn",
            "id",
            "previousModelTrainingJobId",
        }
        assert set(body) <= allowed, body
        assert body["neptuneIamRoleArn"] == ROLE
    assert any("previousModelTrainingJobId" in b for b in creates)
    lists = [e for e in ws.emu.log("GET") if e["path"] == "/ml/modeltraining"]
    stops = ws.emu.log("DELETE")
    assert lists and len(stops) == 2
    assert all(e["query"].get("neptuneIamRoleArn") == ROLE for e in lists + stops), lists + stops


def test_the_graph_sends_only_what_was_written_and_every_call_carries_the_role(ws: Workspace) -> None:
    """Data processing, training and endpoint calls: resolved references, no schema defaults."""
    (ws.root / "reconciler.yaml").write_text(f"defaults:\n  neptuneIamRoleArn: {ROLE}\n")
    ws.emu.options(job_seconds=0.2)
    (ws.specs / "d.yaml").write_text(
        "apiVersion: neptune-ml.reconciler/v1\nkind: DataProcessingJob\nmetadata: {name: d}\n"
        "spec: {inputDataS3Location: 's3://bkt/in', processedDataS3Location: 's3://bkt/out'}\n"
    )
    (ws.specs / "m.yaml").write_text(
        "apiVersion: neptune-ml.reconciler/v1\nkind: ModelTrainingJob\nmetadata: {name: m}\n"
        "spec: {dataProcessingJobId: {ref: d}, trainModelS3Location: 's3://bkt/m'}\n"
    )
    (ws.specs / "e.yaml").write_text(
        "apiVersion: neptune-ml.reconciler/v1\nkind: Endpoint\nmetadata: {name: e}\n"
        "spec: {mlModelTrainingJobId: {ref: m}}\n"
    )
    r = ws.apply("--converge", "--poll-interval", "50ms", "--timeout", "1m")
    assert r.code == 0, r.out + r.err
    (ws.specs / "e.yaml").unlink()
    assert ws.apply("--confirm-prune", "e").code == 0
    posts = {e["path"]: e["body"] for e in ws.emu.log("POST")}
    dp, model = ws.current("d"), ws.current("m")
    assert posts["/ml/dataprocessing"] == {
        "inputDataS3Location": "s3://bkt/in", "processedDataS3Location": "s3://bkt/out",
        "neptuneIamRoleArn": ROLE, "id": dp,
    }  # fmt: skip
    assert posts["/ml/modeltraining"]["dataProcessingJobId"] == dp  # the reference, resolved
    assert posts["/ml/endpoints"] == {"mlModelTrainingJobId": model, "neptuneIamRoleArn": ROLE, "id": "e"}
    reads = [e for e in ws.emu.log("GET") if e["path"].startswith(("/ml/dataprocessing/", "/ml/endpoints/"))]
    deletes = [e for e in ws.emu.log("DELETE") if e["path"] == "/ml/endpoints/e"]
    assert reads and deletes
    assert all(e["query"].get("neptuneIamRoleArn") == ROLE for e in reads + deletes), reads + deletes
