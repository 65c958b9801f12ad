"""`reconciler apply` and `status` against the emulator: intents, resume, prune, saved plans, wait."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.emulator import Emulator, Options
from reconciler.state import open_state

from ..helpers import Emu, Workspace, run


@pytest.fixture
def fast(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emu]:
    """An emulator whose jobs finish in half a second, for --wait."""
    emulator = Emulator(Options(job_seconds=0.5, stop_seconds=0.2))
    emulator.start()
    monkeypatch.setenv("NEPTUNE_ENDPOINT", emulator.url)
    ws.emu = Emu(emulator)
    yield ws.emu
    emulator.stop()


def creates(emu: Emu) -> Counter[str]:
    return Counter(e["body"].get("id") for e in emu.log("POST") if e["path"] == "/ml/modeltraining")


def test_create_wait_completed(ws: Workspace, fast: Emu) -> None:
    fast.seed_dp("dp-m")
    ws.write("m")
    r = ws.apply("--wait", "--poll-interval", "100ms")
    assert r.code == 0, r.out + r.err
    job = ws.current("m")
    assert f"m: started {job}" in r.lines
    assert "Apply complete: 1 succeeded, 0 failed." in r.lines
    assert f"m: {job} Completed after 0s, 2 models" in r.lines or any(
        line.startswith(f"m: {job} Completed after") for line in r.lines
    )
    assert r.lines[-1] == "All started jobs Completed."
    assert run("plan").code == 0


def test_wait_reports_failure_with_exit_1(ws: Workspace, fast: Emu) -> None:
    fast.seed_dp("dp-m")
    fast.seed_dp("dp-ok")
    ws.write("m")
    ws.write("ok")
    fast.faults(fail_prefix="m-")
    r = ws.apply("--wait", "--poll-interval", "100ms")
    assert r.code == 1
    job = ws.current("m")
    (line,) = [x for x in r.err.splitlines() if x.startswith("error:")]
    assert line.startswith(
        f"error: m: job {job} ended Failed: AlgorithmError: injected failure (emulator) (logs: https://"
    )
    assert line.endswith("; fix the cause, then change the spec or `reconciler apply --replace m`")
    assert "All started jobs Completed." not in r.lines


def test_wait_timeout_is_an_error(ws: Workspace, fast: Emu) -> None:
    fast.seed_dp("dp-m")
    ws.write("m")
    r = ws.apply("--wait", "--poll-interval", "50ms", "--timeout", "0s")
    assert r.code == 1 and f"error: timed out after 0s waiting for {ws.current('m')}" in r.err


def test_incremental_chain_of_three(ws: Workspace) -> None:
    emu = ws.emu
    emu.seed_dp("dp-1")
    ws.write("m", dp="dp-1")
    assert ws.apply().code == 0
    jobs = [ws.current("m")]
    for n in (2, 3):
        emu.advance(61)
        emu.seed_dp(f"dp-{n}")
        ws.write("m", dp=f"dp-{n}")
        r = ws.apply()
        assert r.code == 0, r.out
        jobs.append(ws.current("m"))
    gens = ws.ledger().generations("m")
    assert [g["jobId"] for g in gens] == jobs
    assert [g["action"] for g in gens] == ["create", "incremental", "incremental"]
    assert [g["spec"].get("previousModelTrainingJobId") for g in gens] == [None, jobs[0], jobs[1]]
    sent = {e["body"]["id"]: e["body"].get("previousModelTrainingJobId") for e in emu.log("POST")}
    assert sent == {jobs[0]: None, jobs[1]: jobs[0], jobs[2]: jobs[1]}
    assert gens[0]["finalStatus"] == "Completed"


def test_retrain_with_supersede_stop(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-m")
    ws.write("m", policy="onSupersede: stop")
    ws.apply()
    old = ws.current("m")
    ws.write("m", spec="maxHPONumberOfTrainingJobs: 10", policy="onSupersede: stop")
    r = ws.apply()
    new = ws.current("m")
    assert r.code == 0 and f"m: stopped {old}; started {new}" in r.lines
    assert ws.emu.status(old) == "Stopping" and ws.emu.status(new) == "InProgress"
    log = [(e["method"], e["path"]) for e in ws.emu.log() if e["method"] in ("POST", "DELETE")]
    assert log[-2:] == [("DELETE", f"/ml/modeltraining/{old}"), ("POST", "/ml/modeltraining")]
    assert ws.ledger().generations("m")[0]["stopped"] is True


def test_retry_after_injected_failure(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-m")
    ws.write("m", policy="retries: 1")
    ws.apply()
    first = ws.current("m")
    ws.emu.fail(first, "InternalServerError")
    r = ws.apply()
    assert r.code == 0 and ws.current("m") == f"{first}-r2"
    ws.emu.fail(f"{first}-r2", "InternalServerError")
    assert ws.actions() == {"m": "blocked"}
    r = ws.apply()
    assert r.code == 1  # blocked: the cluster can't match git until someone acts
    assert any(
        line.startswith(f"m: blocked: job {first}-r2 Failed: InternalServerError; no retries left")
        for line in r.lines
    )
    assert "Apply complete: 0 succeeded, 0 failed, 1 blocked." in r.lines
    assert len(creates(ws.emu)) == 2  # nothing was sent


def test_prune_with_max_stops(ws: Workspace) -> None:
    for name in ("a", "b", "c"):
        ws.emu.seed_dp(f"dp-{name}")
        ws.write(name, policy="deletion: clean" if name == "a" else "")
    ws.write("keep")
    ws.emu.seed_dp("dp-keep")
    assert ws.apply().code == 0
    jobs = {n: ws.current(n) for n in "abc"}
    for name in "abc":
        ws.remove(name)
    r = ws.apply("--prune", "--max-stops", "2")
    assert r.code == 1 and ws.emu.log("DELETE") == []  # 3 of 4: more than half needs --prune-all
    assert "(half or more), so nothing is pruned; if they are all meant to go, pass --prune-all" in r.out
    confirm = ("--confirm-prune", "a", "--confirm-prune", "b", "--confirm-prune", "c")
    r = ws.apply("--prune-all", "--max-stops", "2", *confirm)
    assert r.code == 1
    assert f"a: stopped {jobs['a']} (clean) and forgot it" in r.lines
    assert f"b: stopped {jobs['b']} and forgot it" in r.lines
    assert "c: FAILED: skipped: it would stop more than --max-stops 2 jobs in one run" in r.lines
    assert ws.emu.status(jobs["c"]) == "InProgress"
    deletes = {e["path"].rsplit("/", 1)[1]: e["query"]["clean"] for e in ws.emu.log("DELETE")}
    assert deletes == {jobs["a"]: "true", jobs["b"]: "false"}
    assert ws.apply("--prune-all", "--max-stops", "2", *confirm).code == 0
    assert ws.ledger().names() == ["keep"]
    assert run("plan", "--prune").code == 0


def test_saved_plan_runs_exactly(ws: Workspace, tmp_path: Path) -> None:
    ws.emu.seed_dp("dp-m")
    ws.write("m")
    out = tmp_path / "plan.json"
    assert run("plan", "--out", str(out)).code == 2
    ws.write("m", spec="maxHPONumberOfTrainingJobs: 9")  # edits after the review are not applied
    r = run("apply", "--plan", str(out))
    assert r.code == 0, r.err
    saved = json.loads(out.read_text())["actions"][0]
    assert ws.current("m") == saved["jobId"]
    sent = ws.emu.log("POST")[-1]["body"]
    assert sent == saved["spec"] and "maxHPONumberOfTrainingJobs" not in sent  # not the later edit


def test_stale_saved_plan_is_refused(ws: Workspace, tmp_path: Path) -> None:
    ws.emu.seed_dp("dp-m")
    ws.write("m")
    out = tmp_path / "plan.json"
    run("plan", "--out", str(out))
    assert ws.apply().code == 0  # someone else applied in between
    r = run("apply", "--plan", str(out))
    assert r.code == 1
    assert r.err.startswith("error: stale plan: ledger serial 0 → 2; m: job/m-")
    assert "run `reconciler plan --out FILE` again" in r.err
    assert len(creates(ws.emu)) == 1


def test_stale_when_a_touched_job_moved(ws: Workspace, tmp_path: Path) -> None:
    ws.emu.seed_dp("dp-m")
    ws.write("m", policy="onSupersede: stop")
    ws.apply()
    job = ws.current("m")
    ws.write("m", spec="maxHPONumberOfTrainingJobs: 4", policy="onSupersede: stop")
    out = tmp_path / "plan.json"
    run("plan", "--out", str(out))
    ws.emu.advance(61)  # the job we planned to stop finished meanwhile
    r = run("apply", "--plan", str(out))
    assert r.code == 1 and f"job/{job} InProgress → Completed" in r.err


def test_second_apply_is_refused_while_locked(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-m")
    ws.write("m")
    store = open_state(str(ws.state))
    lease = store.lock("apply", "someone else's plan")
    try:
        r = ws.apply()
        assert r.code == 1 and "is locked by" in r.err and "wait for it to finish" in r.err
        assert ws.emu.log("POST") == []
        assert "locked by" in run("state", "lock").out
        assert run("state", "unlock").code == 1  # not expired: needs --force
    finally:
        store.unlock(lease)
    assert ws.apply().code == 0


def test_apply_needs_confirmation_without_a_terminal(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-m")
    ws.write("m")
    r = run("apply")
    assert r.code == 1 and "stdin is not a terminal" in r.err
    assert ws.emu.log("POST") == []


def test_one_failure_does_not_stop_the_others(ws: Workspace) -> None:
    for name in ("a", "b", "c"):
        ws.emu.seed_dp(f"dp-{name}")
        ws.write(name)
    ws.emu.faults(reject_prefix="b-")
    r = ws.apply()
    assert r.code == 1
    assert any(line.startswith("a: started a-") for line in r.lines)
    assert any(line.startswith("c: started c-") for line in r.lines)
    failed = next(line for line in r.lines if line.startswith("b: "))
    assert failed.startswith("b: FAILED: POST /ml/modeltraining: BadRequestException: Request rejected")
    assert "Apply complete: 2 succeeded, 1 failed." in r.lines
    assert ws.ledger().names() == ["a", "c"] and ws.ledger().pending("b") == []
    ws.emu.faults(reject_prefix="")
    assert ws.actions() == {"a": "noop", "b": "create", "c": "noop"}


def _apply_until_paused(ws: Workspace, point: str) -> None:
    env = {**os.environ, "RECONCILER_PAUSE_AT": point, "RECONCILER_PAUSE_SECONDS": "30"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--auto-approve"],
        cwd=ws.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert line.startswith(f"paused at {point} "), line + proc.stderr.read()
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL


def test_a_fleets_create_intents_go_ahead_in_one_write_and_a_crash_then_loses_nothing(ws: Workspace) -> None:
    """Several creates: their intents are journalled together before the first call (one write,
    not one per create); killed at the first call, every intent is there, no job was created,
    and the next apply settles each by a GET and creates each job exactly once."""
    names = [f"m{i}" for i in range(5)]
    for name in names:
        ws.emu.seed_dp(f"dp-{name}")
        ws.write(name)
    _apply_until_paused(ws, "create-intent")
    ledger = ws.ledger()
    assert [len(ledger.pending(n)) for n in names] == [1] * 5
    assert creates(ws.emu) == Counter()
    journal = ws.state.with_name("state.json.journal").read_text().splitlines()
    assert {json.loads(line)["serial"] for line in journal} == {
        1,
        2,
        3,
        4,
        5,
    }  # all five, before the first call
    assert run("state", "unlock").code == 0
    r = ws.apply()
    assert r.code == 0, r.out + r.err
    assert creates(ws.emu) == Counter({ws.current(n): 1 for n in names})
    assert all(ws.ledger().pending(n) == [] for n in names)


@pytest.mark.parametrize("point", ["create-intent", "create-call"])
def test_killed_apply_resumes_without_duplicates(ws: Workspace, point: str) -> None:
    ws.emu.seed_dp("dp-m")
    ws.write("m")
    _apply_until_paused(ws, point)
    pending = ws.ledger().pending("m")
    assert [p["op"] for p in pending] == ["create"]
    job = pending[0]["jobId"]
    assert creates(ws.emu) == (Counter({job: 1}) if point == "create-call" else Counter())
    assert "that process is gone" in run("state", "lock").out
    assert run("state", "unlock").code == 0  # the killed holder is gone: no --force needed
    r = ws.apply()
    assert r.code == 0, r.out + r.err
    assert creates(ws.emu) == Counter({job: 1})  # exactly one job, whatever the crash point
    assert ws.current("m") == job and ws.ledger().pending("m") == []
    assert ws.emu.training_ids() == [job]
    assert run("plan").code == 0


def test_killed_stop_resumes(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-m")
    ws.write("m")
    ws.apply()
    job = ws.current("m")
    ws.remove("m")
    ws.write("other")
    ws.emu.seed_dp("dp-other")
    env = {**os.environ, "RECONCILER_PAUSE_AT": "stop-intent", "RECONCILER_PAUSE_SECONDS": "30"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--auto-approve", "--confirm-prune", "m"],
        cwd=ws.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None and proc.stderr.readline().startswith("paused at stop-intent")
    proc.kill()
    proc.communicate(timeout=10)
    open_state(str(ws.state)).force_unlock()
    assert ws.apply("--confirm-prune", "m").code == 0
    assert ws.emu.status(job) == "Stopping" and "m" not in ws.ledger().names()


def test_status(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-a")
    ws.write("a", spec="maxHPONumberOfTrainingJobs: 4")
    ws.write("b", policy="retries: 0")
    ws.emu.seed_dp("dp-b")
    ws.apply()
    ws.emu.advance(30)
    ws.emu.fail(ws.current("b"), "ResourceLimitExceeded: no capacity")
    r = run("status")
    assert r.code == 0
    header = r.lines[0].split()
    assert header == ["NAME", "KIND", "JOB", "STATUS", "HPO", "NEXT", "AGE"]
    assert all(len(line) <= 80 for line in r.lines if "logs:" not in line and ": " not in line[:3])
    assert all(line == line.rstrip() for line in r.out.splitlines())  # no trailing blanks to copy
    row_a = next(line for line in r.lines if line.startswith("a "))
    assert ws.current("a").removeprefix("a-") in row_a and "InProgress" in row_a and "2/4" in row_a
    b_notes = [line for line in r.lines if line.startswith("b: ")]
    assert len(b_notes) == 1 and "ResourceLimitExceeded: no capacity" in b_notes[0]  # said once
    assert "logs: https://" in b_notes[0] and r.out.count("logs: https://") == 1
    assert r.lines[-1] == "1 of 2 in sync (1 blocked)."
    rows = {row["name"]: row for row in json.loads(run("status", "--format", "json").out)}
    assert rows["b"]["pending"] == "blocked" and rows["a"]["pending"] is None
    assert rows["a"]["hpo"] == {"done": 2, "total": 4} and rows["b"]["logUrl"].startswith("https://")
    ws.remove("a")
    r = run("status")
    assert any(line.startswith("a ") and "orphaned" in line for line in r.lines)
    assert "a: manifest removed from git: `apply --prune` stops or forgets its job" in r.lines
    assert r.lines[-1] == "0 of 1 in sync (1 blocked); 1 removed from git (prune to stop or forget)."
    assert run("plan").lines[0].startswith("Plan for 1 manifest(s) (+1 removed from git)")


def test_status_counts_the_job_s_own_budget_and_a_wait_is_not_in_sync(ws: Workspace) -> None:
    """The HPO total came from git (12/20 for a job run with 12), and a waiting manifest was
    counted in sync ("9 of 10")."""
    ws.emu.seed_dp("dp-a")
    ws.write("a", spec="maxHPONumberOfTrainingJobs: 12")
    ws.write("d")  # the schema default (2) when the manifest does not say
    ws.emu.seed_dp("dp-d")
    ws.apply()
    ws.write("a", spec="maxHPONumberOfTrainingJobs: 20")
    ws.emu.seed_dp("dp-w", "InProgress")
    ws.write("w")
    rows = {row["name"]: row for row in json.loads(run("status", "--format", "json").out)}
    assert rows["a"]["hpo"]["total"] == 12 and rows["d"]["hpo"]["total"] == 2
    assert rows["a"]["kind"] == "ModelTrainingJob" and rows["w"]["pending"] == "wait"
    r = run("status")
    assert r.lines[-1] == "1 of 3 in sync (2 waiting)."  # a waits for its running job to finish
    row_a = next(line for line in r.lines if line.startswith("a "))
    assert row_a.split()[1] == "model" and "/12" in row_a


@pytest.mark.parametrize(("answer", "code"), [("yes", 0), ("no", 1)])
def test_confirmation_on_a_terminal(ws: Workspace, answer: str, code: int) -> None:
    import pty

    ws.emu.seed_dp("dp-m")
    ws.write("m")
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "reconciler", "apply"],
            cwd=ws.root, stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        os.write(master, f"{answer}\n".encode())
        out, err = proc.communicate(timeout=30)
    finally:
        os.close(master)
        os.close(slave)
    assert proc.returncode == code, out + err
    assert "Only 'yes' is accepted:" in out
    if answer == "yes":
        assert "Apply complete: 1 succeeded, 0 failed." in out and len(creates(ws.emu)) == 1
    else:
        assert err == "error: apply cancelled; nothing was changed\n" and creates(ws.emu) == Counter()


def test_lock_timeout_waits_for_the_other_apply(ws: Workspace) -> None:
    import threading

    ws.emu.seed_dp("dp-m")
    ws.write("m")
    store = open_state(str(ws.state))
    lease = store.lock("apply")
    r = ws.apply("--lock-timeout", "1s")
    assert r.code == 1 and "is locked by" in r.err  # still held after a second
    threading.Timer(0.5, store.unlock, args=(lease,)).start()
    r = ws.apply("--lock-timeout", "10s")
    assert r.code == 0 and len(creates(ws.emu)) == 1


def test_ctrl_c_while_waiting_says_what_is_true(ws: Workspace) -> None:
    """A real SIGINT during --wait: exit 130, the lock released, the running jobs named, and how
    to go on."""
    ws.emu.seed_dp("dp-m")
    ws.write("m")
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--auto-approve", "--wait", "--poll-interval", "200ms"],
        cwd=ws.root, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("Waiting for"):
            break
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=60)
    finally:  # never leave the child running into the next test (its warnings would fail that one)
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    job = ws.current("m")
    assert proc.returncode == 130, err
    assert f"interrupted while waiting; these jobs keep running on the cluster: {job}." in err
    assert "The state lock was released; rerun `reconciler apply` to resume" in err
    assert not ws.state.with_name("state.json.lock").exists()
    assert ws.emu.status(job) == "InProgress"
