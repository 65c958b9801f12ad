"""Each retryable kind of fault the service model lists, on create, get, list and stop, taking
effect before its error is answered (an unknown outcome) or not: rerunning apply converges with
no duplicate job and a ledger that knows every job."""

from __future__ import annotations

import pytest

from ..helpers import Workspace, run

KINDS = [
    {"error_status": 500, "error_code": "InternalFailureException"},
    {"error_status": 408, "error_code": "ClientTimeoutException"},
    {"error_status": 400, "error_code": "ThrottlingException"},
    {"error_status": 429, "error_code": "TooManyRequestsException"},
    {"error_status": 500, "error_code": "ConcurrentModificationException"},
]


def converge(ws: Workspace, *args: str) -> None:
    for _ in range(15):
        if ws.apply(*args).code == 0 and run("plan", *args).code == 0:
            return
    pytest.fail("no convergence in 15 runs")


@pytest.mark.parametrize("kind", KINDS, ids=[k["error_code"] for k in KINDS] + [])
@pytest.mark.parametrize("applies", [True, False], ids=["took-effect", "refused"])
def test_retryable_faults_end_in_the_right_state(
    ws: Workspace, kind: dict[str, object], applies: bool
) -> None:
    ws.emu.seed_dp("dp-1")
    for name in ("a", "b", "c"):
        ws.write(name, dp="dp-1", policy="deletion: clean")
    ws.emu.faults(error_rate=0.35, error_applies=applies, seed=7, **kind)
    converge(ws)  # creates, gets, lists
    ws.write("a", dp="dp-1", policy="suspend: true")  # a stop
    ws.remove("b")  # a prune stop (1 of 3)
    converge(ws, "--confirm-prune", "b")
    ws.emu.faults(error_rate=0.0)
    ids = ws.emu.training_ids()
    assert len(ids) == 3  # one job per manifest, never two
    assert {ws.emu.status(j) for j in ids if j.startswith(("a-", "b-"))} <= {"Stopping", "Stopped"}
    led = ws.ledger()
    assert sorted(led.names()) == ["a", "c"]
    assert {g["jobId"] for n in led.names() for g in led.generations(n)} == {
        j for j in ids if not j.startswith("b-")
    }


def test_dropped_answers_on_every_call(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-1")
    for name in ("a", "b", "c"):
        ws.write(name, dp="dp-1")
    ws.emu.faults(drop_rate=0.3, seed=3)
    converge(ws)
    ws.remove("c")
    converge(ws, "--confirm-prune", "c")
    ws.emu.faults(drop_rate=0.0)
    assert len(ws.emu.training_ids()) == 3 and sorted(ws.ledger().names()) == ["a", "b"]


def test_a_5xx_saying_not_found_never_recreates(ws: Workspace) -> None:
    """Defect: a 5xx whose body names MLResourceNotFoundException read as 'vanished', so apply
    recreated (a duplicate -r2) while the original ran. Now the plan fails and starts nothing."""
    ws.emu.seed_dp("dp-1")
    ws.write("a", dp="dp-1")
    assert ws.apply().code == 0
    # Only the job's own status read fails (the list call answers): the case that read as vanished.
    ws.emu.faults(error_rate=1.0, error_status=503, error_code="MLResourceNotFoundException",
                  error_on="GET /ml/modeltraining/")  # fmt: skip
    r = ws.apply()
    assert r.code == 1 and "MLResourceNotFoundException" in r.err
    ws.emu.faults(error_rate=0.0)
    assert ws.emu.training_ids() == [ws.current("a")]
    assert ws.actions() == {"a": "noop"}
