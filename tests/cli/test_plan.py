"""`reconciler plan` against the emulator: one test per action kind, then apply converges it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.manifests import schema

from ..helpers import Workspace, run


def converge(ws: Workspace, *args: str) -> None:
    """Apply, then the same plan shows nothing to do."""
    r = ws.apply(*args)
    assert r.code == 0, r.out + r.err
    after = run("plan", *args)
    assert after.code == 0, after.out
    assert after.lines[-1].startswith("Plan: ") and "to " not in after.lines[-1].split(":", 1)[1].replace(
        "unchanged", ""
    )


def started(ws: Workspace, name: str = "m") -> str:
    ws.emu.seed_dp(f"dp-{name}")
    ws.write(name)
    assert ws.apply().code == 0
    return ws.current(name)


def test_create(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-m")
    ws.write("m")
    r = run("plan")
    assert r.code == 2
    assert r.lines[2].startswith("  + m: create m-") and r.lines[-1] == "Plan: 1 to create."
    converge(ws)


def test_noop_exit_0(ws: Workspace) -> None:
    job = started(ws)
    r = run("plan")
    assert r.code == 0 and f"  m: in sync: job {job} is InProgress" in r.lines


def test_incremental(ws: Workspace) -> None:
    job = started(ws)
    ws.emu.advance(61)
    ws.emu.seed_dp("dp-m-2")
    ws.write("m", dp="dp-m-2")
    action = ws.plan_json()["actions"][0]
    assert (action["action"], action["previousJobId"], action["currentJobId"]) == ("incremental", job, job)
    converge(ws)


def test_retrain(ws: Workspace) -> None:
    started(ws)
    ws.emu.advance(61)
    ws.write("m", spec="maxHPONumberOfTrainingJobs: 12")
    action = ws.plan_json()["actions"][0]
    assert action["action"] == "retrain" and action["forcesNewJob"]
    assert action["changes"] == [
        {"path": "spec.maxHPONumberOfTrainingJobs", "op": "change", "old": 2, "new": 12, "effect": "new-job"}
    ]
    assert action["costBound"] == {
        "instanceType": "ml.p3.2xlarge",
        "instanceHours": 288.0,
        "hpoJobs": 12,
        "timeoutSeconds": 86400,
        "unit": "training job",
    }
    converge(ws)


def test_retry(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-m")
    ws.write("m", policy="retries: 1")
    assert ws.apply().code == 0
    job = ws.current("m")
    ws.emu.fail(job, "AlgorithmError: out of memory")
    action = ws.plan_json()["actions"][0]
    assert (action["action"], action["jobId"]) == ("retry", f"{job}-r2")
    assert "out of memory" in action["reason"]
    converge(ws)


def test_recreate(ws: Workspace) -> None:
    job = started(ws)
    ws.emu.delete(job)
    assert ws.actions() == {"m": "recreate"}
    converge(ws)
    assert ws.current("m") == f"{job}-r2"


def test_stop_on_suspend(ws: Workspace) -> None:
    job = started(ws)
    ws.write("m", policy="suspend: true")
    action = ws.plan_json()["actions"][0]
    assert (action["action"], action["jobId"]) == ("stop", job)
    converge(ws)
    assert ws.emu.status(job) in ("Stopping", "Stopped")


def test_prune_stop_and_forget(ws: Workspace) -> None:
    running = started(ws, "a")
    started(ws, "b")
    ws.emu.fail(ws.current("b"))
    ws.write("keep")
    ws.emu.seed_dp("dp-keep")
    ws.remove("a")
    ws.remove("b")
    r = run("plan")
    assert "warning: a: manifest removed; plan with --prune to stop or forget its job" in r.out
    # Both managed manifests are gone: more than half, so --prune alone refuses.
    assert ws.actions("--prune") == {"a": "blocked", "b": "blocked", "keep": "create"}
    assert ws.actions("--prune-all") == {"a": "hold", "b": "forget", "keep": "create"}
    assert ws.actions("--prune-all", "--confirm-prune", "a") == {"a": "stop", "b": "forget", "keep": "create"}
    converge(ws, "--prune-all", "--confirm-prune", "a")
    assert ws.emu.status(running) == "Stopping"
    assert ws.ledger().names() == ["keep"]


def test_wait_and_blocked(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-w", "InProgress")
    ws.emu.seed_dp("dp-b", "Failed")
    ws.write("w")
    ws.write("b")
    r = run("plan")
    assert r.code == 2  # blocked is not in sync
    assert ws.actions() == {"b": "blocked", "w": "wait"}
    ws.remove("b")
    assert run("plan").code == 0  # wait alone is in sync: nothing to send


def test_record(ws: Workspace) -> None:
    started(ws)
    ws.write("m", spec="trainingInstanceType: ml.p3.8xlarge", policy="retries: 2")
    plan = ws.plan_json()
    assert plan["actions"][0]["action"] == "record"
    assert {c["path"]: c["effect"] for c in plan["actions"][0]["changes"]} == {
        "spec.trainingInstanceType": "next-job",
        "policy.retries": "policy",
    }
    converge(ws)


def test_adopt_existing_id(ws: Workspace) -> None:
    job = started(ws)
    ws.state.unlink()  # a lost ledger: the deterministic id finds the job again
    action = ws.plan_json()["actions"][0]
    assert (action["action"], action["adopt"], action["jobId"]) == ("record", True, job)
    converge(ws)
    assert ws.current("m") == job
    assert len([e for e in ws.emu.log("POST") if e["body"].get("id") == job]) == 1


def test_replace(ws: Workspace) -> None:
    job = started(ws)
    action = ws.plan_json("--replace", "m")["actions"][0]
    assert (action["action"], action["stopJobId"], action["jobId"]) == ("retrain", job, f"{job}-r2")
    assert ws.apply("--replace", "m").code == 0
    assert ws.emu.status(job) == "Stopping"
    assert run("plan").code == 0  # --replace is a one-off: the next plan is in sync


def test_plan_json_matches_its_schema(ws: Workspace) -> None:
    started(ws)
    ws.write("n")
    doc = ws.plan_json()
    assert list(schema.validator(schema.PLAN).iter_errors(doc)) == []
    assert doc["formatVersion"] == 1 and doc["summary"]["blocked"] == 1 and doc["summary"]["noop"] == 1


def test_markdown_and_selection(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-a")
    ws.emu.seed_dp("dp-b")
    ws.write("a", labels="{team: risk}")
    ws.write("b", labels="{team: growth}")
    r = run("plan", "--format", "markdown", "-l", "team=risk")
    assert r.out.startswith("### reconciler plan: 1 to create\n")
    assert "| `+` | a | create |" in r.out and "| b |" not in r.out
    assert ws.actions("--target", "b") == {"b": "create"}


def test_plan_changes_nothing(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-m")
    ws.write("m")
    run("plan")
    assert not ws.state.exists() and ws.emu.log("POST") == [] and ws.emu.log("DELETE") == []


def test_plan_out_saves_fingerprints(ws: Workspace, tmp_path: Path) -> None:
    ws.emu.seed_dp("dp-m")
    ws.write("m")
    out = tmp_path / "plan.json"
    r = run("plan", "--out", str(out))
    assert r.code == 2 and f"saved plan to {out}" in r.err
    doc = json.loads(out.read_text())
    assert doc["fingerprints"]["job/dp-m"] == "Completed"
    assert doc["stateSerial"] == 0 and doc["stateLocation"] == str(ws.state)


def test_empty_folder_is_refused(ws: Workspace) -> None:
    r = run("plan")
    assert r.code == 1 and r.err.startswith("error: no manifests found in specs/")


def test_invalid_manifest_stops_plan(ws: Workspace) -> None:
    ws.write("m", spec="maxHPONumberOfTrainingJobs: 0")
    r = run("plan")
    assert r.code == 1 and r.err.startswith(
        "error: specs/m.yaml:8:31: M016: spec.maxHPONumberOfTrainingJobs is 0"
    )


@pytest.mark.parametrize("bad", ["team", "=x"])
def test_bad_selector(ws: Workspace, bad: str) -> None:
    ws.write("m")
    assert run("plan", "-l", bad).code == 1


def test_a_manifest_error_is_said_at_once_while_the_ledger_s_jobs_were_being_read(ws: Workspace) -> None:
    """A plan reads the jobs the ledger knows while the manifests load; a broken manifest still
    ends the run at once with its error, even when those reads hang on a silent endpoint (they are
    read-only and on threads an exit does not wait for)."""
    import os
    import socket
    import subprocess
    import sys
    import time

    ws.emu.seed_dp("dp-fraud-rgcn")
    ws.write("fraud-rgcn")
    assert ws.apply().code == 0
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # connections are taken, never answered: a read waits for its 30 s deadline
    try:
        (ws.specs / "fraud-rgcn.yaml").write_text("apiVersion: neptune-ml.reconciler/v1\nkind: Nope\n")
        env = {**os.environ, "NEPTUNE_ENDPOINT": f"http://127.0.0.1:{silent.getsockname()[1]}"}
        began = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "reconciler", "plan"], cwd=ws.root, env=env, capture_output=True,
            text=True, timeout=60,
        )  # fmt: skip
        took = time.monotonic() - began
    finally:
        silent.close()
    assert done.returncode == 1 and "M003" in done.stdout + done.stderr, done.stdout + done.stderr
    assert took < 20, f"the exit waited {took:.0f} s for reads of a silent endpoint"


def test_a_plan_never_has_more_reads_on_the_wire_than_parallelism(ws: Workspace) -> None:
    """The ledger's jobs are read while the manifests load and the jobs the manifests name follow
    them: at most --parallelism reads at a time, beside the one list call (the emulator counts the
    most requests it answered at once)."""
    for i in range(24):
        ws.emu.seed_dp(f"dp-m{i:02d}")
        ws.write(f"m{i:02d}")
    assert ws.apply("--parallelism", "3").code == 0
    ws.emu.faults(latency_ms=40)  # every call waits: concurrent ones overlap on the emulator
    r = run("plan", "--refresh-all", "--parallelism", "3")  # 24 jobs in the ledger, 24 data jobs named
    assert r.code == 0, r.out + r.err
    reads = [e for e in ws.emu.log("GET") if "/ml/" in e["path"]]
    assert len(reads) >= 48
    most = ws.emu.admin("GET", "stats")["mostInFlight"]
    assert 3 <= most <= 3 + 1, most
