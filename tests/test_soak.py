"""Slow: a fleet applied through an unreliable network converges with no duplicate job."""

from __future__ import annotations

import pytest

from .helpers import Workspace, run

pytestmark = pytest.mark.slow


def test_fleet_converges_under_faults(ws: Workspace) -> None:
    names = [f"m{i:02d}" for i in range(40)]
    ws.emu.seed_dp("dp-shared")
    for name in names:
        ws.write(name, dp="dp-shared")
    ws.emu.faults(error_rate=0.15, drop_rate=0.15, seed=42)
    for _ in range(4):  # a run may leave some names failed or pending; reruns finish the job
        ws.apply("--parallelism", "8")
        if run("plan").code == 0:
            break
    ws.emu.faults(error_rate=0.0, drop_rate=0.0)
    assert run("plan").code == 0
    ledger = ws.ledger()
    assert ledger.names() == names
    assert all(len(ledger.generations(n)) == 1 and not ledger.pending(n) for n in names)
    jobs = ws.emu.training_ids()
    assert sorted(jobs) == sorted(ledger.current(n)["jobId"] for n in names)  # one job per model, no strays
    assert len(ws.emu.log("POST")) > len(names)  # the faults really forced retries
