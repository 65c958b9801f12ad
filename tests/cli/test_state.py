"""state show / rm / lock / unlock and import."""

from __future__ import annotations

import json

from reconciler.state import open_state

from ..helpers import Workspace, run


def test_state_show(ws: Workspace) -> None:
    assert run("state", "show").out == f"no ledger at {ws.state} yet\n"
    ws.emu.seed_dp("dp-m")
    ws.write("m")
    ws.apply()
    job = ws.current("m")
    r = run("state", "show")
    assert r.lines[0].startswith(f"ledger {ws.state} · serial 2 · lineage ")
    assert r.lines[2].split() == ["NAME", "KIND", "JOB", "ACTION", "FINAL", "NOTES", "APPLIED"]
    assert r.lines[3].split()[:5] == ["m", "model", job, "create", "-"]
    data = json.loads(run("state", "show", "--format", "json").out)
    assert data["resources"]["m"]["generations"][0]["jobId"] == job


def test_state_rm_forgets_without_touching_the_cluster(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-m")
    ws.write("m")
    ws.apply()
    job = ws.current("m")
    r = run("state", "rm", "m")
    assert r.lines == ["forgot m (1 job(s) left untouched on the cluster)"]
    assert ws.ledger().names() == [] and ws.emu.status(job) == "InProgress"
    assert ws.emu.log("DELETE") == []
    assert run("state", "rm", "m").code == 1


def test_import_adopts_an_existing_job(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-m")
    ws.emu.http.post(
        f"{ws.emu.url}/ml/modeltraining",
        json={"id": "hand-made-1", "dataProcessingJobId": "dp-m", "trainModelS3Location": "s3://bkt/m"},
    )
    ws.write("m")
    r = run("import", "m", "hand-made-1")
    assert r.code == 0 and r.lines == ["imported hand-made-1 (InProgress) as the current job of m"]
    assert ws.current("m") == "hand-made-1"
    assert ws.ledger().generations("m")[0]["action"] == "import"
    assert run("plan").code == 0  # adopted: in sync, nothing to create
    assert run("import", "m", "hand-made-1").code == 1  # already there
    r = run("import", "m", "no-such-job")
    assert r.code == 1 and "MLResourceNotFoundException" in r.err
    assert run("import", "nope", "hand-made-1").err.startswith("error: no manifest named 'nope'")


def test_unlock_force(ws: Workspace) -> None:
    store = open_state(str(ws.state))
    store.lock("apply")
    assert run("state", "unlock").code == 1
    r = run("state", "unlock", "--force")
    assert r.code == 0 and r.out.startswith(f"unlocked {ws.state} (was ")
    assert run("state", "lock").out == f"{ws.state}: not locked\n"
