"""``reconciler pass``: one bounded step a scheduler calls again and again; it never waits, says
what it came to in its last line, and a held lock is *busy*, not an error."""

from __future__ import annotations

from ..helpers import Result, Workspace, run
from .test_graph import dp_manifest, endpoint_manifest, model_manifest


def last(r: Result) -> str:
    return r.out.rstrip("\n").splitlines()[-1]


def test_passes_reach_what_converge_reaches(ws: Workspace) -> None:
    ws.emu.options(job_seconds=60.0)
    (ws.specs / "data-11.yaml").write_text(dp_manifest("data-11"))
    (ws.specs / "fraud-rgcn.yaml").write_text(model_manifest("data-11"))
    (ws.specs / "fraud-endpoint.yaml").write_text(endpoint_manifest())
    endings, lasts = [], []
    for _ in range(8):
        r = run("pass")
        assert r.code == 0, r.out + r.err
        lasts.append(last(r))
        endings.append(last(r).split(":")[0])
        if endings[-1] == "pass converged":
            break
        ws.emu.advance(61)  # what a scheduler's interval does: the jobs a pass started finish
    assert endings[0] == "pass progressing" and endings[-1] == "pass converged", endings
    assert (
        lasts[0] == "pass progressing: 1 acted; 2 waiting (fraud-rgcn, fraud-endpoint)"
    )  # as the README shows
    assert (len(ws.emu.ids("processing")), len(ws.emu.ids("training")), ws.emu.ids("endpoint")) == (
        1, 1, ["fraud-endpoint"],
    )  # fmt: skip
    assert run("plan").code == 0
    assert last(run("pass")) == "pass converged: 3 in sync"


def test_a_pass_that_finds_the_state_locked_is_busy_and_does_nothing(ws: Workspace) -> None:
    from reconciler.state import open_state

    ws.emu.seed_dp("dp-m")
    ws.write("m")
    store = open_state(str(ws.state))
    lease = store.lock("apply")
    try:
        r = run("pass")
    finally:
        store.unlock(lease)
    assert r.code == 0 and last(r).startswith("pass busy: state ") and "is locked by" in last(r)
    assert ws.emu.training_ids() == []
    assert run("pass").code == 0 and len(ws.emu.training_ids()) == 1


def test_blocked_or_failed_needs_a_person_and_replace_is_not_a_schedule(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-m", "Failed")
    ws.write("m")
    r = run("pass")
    assert r.code == 1 and last(r).startswith("pass blocked: m")
    r = run("pass", "--replace", "m")
    assert r.code == 2 and "--replace is one act" in r.err
