"""A lost ledger never starts a duplicate: every case the adversarial run found, on the emulator
(whose list call shows every job), then `state rebuild` and a damaged (null/empty) ledger."""

from __future__ import annotations

import pytest

from ..helpers import Workspace, run


def lose_ledger(ws: Workspace) -> None:
    for suffix in ("", ".journal", ".lock"):
        ws.state.with_name(ws.state.name + suffix).unlink(missing_ok=True)


def test_after_an_incremental_update_the_incremental_job_is_adopted(ws: Workspace) -> None:
    # Both jobs are Completed: only a list call that shows every job can lead back to them (the
    # service's shows active jobs; the README says what a lost ledger then costs).
    ws.emu.options(list_all=True)
    ws.emu.seed_dp("dp-1")
    ws.write("m", dp="dp-1")
    ws.apply()
    base = ws.current("m")
    ws.emu.advance(61)
    ws.emu.seed_dp("dp-2")
    ws.write("m", dp="dp-2")
    ws.apply()
    incremental = ws.current("m")
    lose_ledger(ws)
    doc = ws.plan_json()
    (a,) = doc["actions"]
    assert (a["action"], a["adopt"], a["jobId"], a["spec"]["previousModelTrainingJobId"]) == (
        "record", True, incremental, base,
    )  # fmt: skip
    assert ws.apply().code == 0
    assert ws.actions() == {"m": "noop"} and len(ws.emu.training_ids()) == 2


def test_after_a_retry_the_newest_attempt_is_adopted_and_retries_stay_spent(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-m")
    ws.write("m", policy="retries: 1")
    ws.apply()
    first = ws.current("m")
    ws.emu.fail(first, "InternalServerError")
    ws.apply()
    ws.emu.fail(f"{first}-r2", "InternalServerError")
    lose_ledger(ws)
    assert ws.apply().code == 0  # adopts -r2
    assert ws.current("m") == f"{first}-r2"
    assert ws.actions() == {"m": "blocked"}  # no -r3 past retries: 1
    assert sorted(ws.emu.training_ids()) == [first, f"{first}-r2"]


def test_a_change_waiting_on_a_running_job_starts_nothing_beside_it(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-m")
    ws.write("m")
    ws.apply()
    running = ws.current("m")
    ws.write("m", spec="maxHPONumberOfTrainingJobs: 10")
    lose_ledger(ws)
    (a,) = ws.plan_json()["actions"]
    assert (a["action"], a["adopt"], a["jobId"]) == ("record", True, running)
    assert "not in the ledger (a lost ledger?) and trains another spec" in a["reason"]
    assert ws.apply().code == 0 and ws.emu.training_ids() == [running]
    (a,) = ws.plan_json()["actions"]  # adopted, its spec unknown: the new spec waits for it
    assert (a["action"], a["jobId"]) == ("wait", running)
    assert "the ledger does not know what job" in a["reason"]
    ws.emu.advance(61)  # once it has finished, the new spec starts
    assert ws.actions() == {"m": "retrain"}


def test_after_a_drift_recreate_the_base_id_is_not_created_again(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-m")
    ws.write("m")
    ws.apply()
    base = ws.current("m")
    ws.emu.delete(base)
    ws.apply()
    assert ws.current("m") == f"{base}-r2"
    lose_ledger(ws)
    assert ws.apply().code == 0
    assert ws.current("m") == f"{base}-r2" and ws.emu.training_ids() == [f"{base}-r2"]
    assert ws.actions() == {"m": "noop"}


def test_state_rebuild_reports_what_it_found(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-m")
    for name in ("a", "b"):
        ws.write(name, dp="dp-m")
    ws.apply()
    a_job = ws.current("a")
    ws.write("c", dp="dp-m")
    lose_ledger(ws)
    r = run("state", "rebuild")
    assert r.code == 0, r.err
    assert f"a: adopted {a_job} (jobs seen: {a_job})" in r.lines
    assert "c: no job of this spec on the cluster (jobs seen: none)" in r.lines
    assert "Rebuild complete: 2 adopted, 1 unchanged." in r.lines
    assert ws.actions() == {"a": "noop", "b": "noop", "c": "create"}
    r = run("state", "rebuild")
    assert "a: already in the ledger (current " + a_job + ")" in r.lines


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("null", "holds null"),
        ("", "is empty"),
        ("  \n", "is empty"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"serial": ' + "1" * 5000 + "}", "is not valid JSON (Exceeds the limit (4300 digits)"),
    ],
)
def test_a_null_or_empty_ledger_is_an_error_not_a_missing_one(ws: Workspace, content: str, says: str) -> None:
    ws.emu.seed_dp("dp-m")
    ws.write("m")
    ws.apply()
    ws.state.write_text(content)
    r = run("plan")
    assert r.code == 1 and says in r.err and "state rebuild" in r.err
    assert run("apply", "--auto-approve").code == 1 and len(ws.emu.training_ids()) == 1
