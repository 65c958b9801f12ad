"""The lease: it appears with its content, an unreadable one is held, changes are compare-and-swap,
a writer that lost it writes nothing, and a holder that died on this host is taken over."""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

from reconciler.core import records
from reconciler.core.records import JournalOp
from reconciler.errors import LockError
from reconciler.state import open_state
from reconciler.state.lease import holder_gone, new_lease, process_start
from reconciler.state.local import LocalBackend

from ..helpers import Workspace


def _race_create(path: str, barrier: multiprocessing.synchronize.Barrier, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    backend = LocalBackend(path)
    lease = new_lease("apply", "", 60)
    barrier.wait()
    out.put(lease["id"] if backend.create_lock(lease) else None)


def _race_takeover(
    path: str, stale: dict, barrier: multiprocessing.synchronize.Barrier, out: multiprocessing.Queue
) -> None:  # type: ignore[type-arg]
    backend = LocalBackend(path)
    lease = new_lease("apply", "", 60)
    barrier.wait()
    out.put(lease["id"] if backend.replace_lock(stale, lease) else None)  # type: ignore[arg-type]


@pytest.mark.parametrize("race", ["create", "takeover"])
def test_exactly_one_of_eight_processes_wins(tmp_path: Path, race: str) -> None:
    path = str(tmp_path / "state.json")
    stale = new_lease("apply", "", 0.001)
    if race == "takeover":
        assert LocalBackend(path).create_lock(stale)
    ctx = multiprocessing.get_context("fork")
    barrier, out = ctx.Barrier(8), ctx.Queue()
    target, extra = (_race_create, ()) if race == "create" else (_race_takeover, (stale,))
    procs = [ctx.Process(target=target, args=(path, *extra, barrier, out)) for _ in range(8)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=30)
    winners = [w for w in (out.get(timeout=5) for _ in procs) if w]
    assert len(winners) == 1
    assert json.loads(Path(path + ".lock").read_text())["id"] == winners[0]


def test_an_empty_lock_file_is_held_until_older_than_the_ttl(ws: Workspace) -> None:
    """The race the adversarial run found: an empty lock file used to be 'expired' at once."""
    ws.write("m")
    ws.emu.seed_dp("dp-m")
    lock = ws.state.with_name("state.json.lock")
    lock.parent.mkdir(parents=True)
    lock.write_bytes(b"")
    r = ws.apply()
    assert r.code == 1 and "locked by unknown (damaged or empty lock file)" in r.err
    assert lock.read_bytes() == b"" and ws.emu.training_ids() == []
    old = time.time() - 3600
    os.utime(lock, (old, old))
    r = ws.apply()
    assert r.code == 0, r.err
    assert "took over the state lock of unknown (damaged or empty lock file)" in r.out
    assert len(ws.emu.training_ids()) == 1 and not lock.exists()


def test_a_writer_that_lost_the_lease_writes_nothing(tmp_path: Path) -> None:
    store = open_state(str(tmp_path / "state.json"))
    store.load()
    with store.held("apply"):
        store.commit(JournalOp.RECORD, "m", applied=records.applied({}, None))
        other = new_lease("apply", "", 60)
        Path(str(tmp_path / "state.json.lock")).write_text(json.dumps(other))  # someone took it over
        with pytest.raises(LockError, match="lost the state lock"):
            store.commit(JournalOp.RECORD, "n", applied=records.applied({}, None))
    replayed = open_state(str(tmp_path / "state.json")).load()
    assert replayed.names() == ["m"]
    assert json.loads(Path(str(tmp_path / "state.json.lock")).read_text())["id"] == other["id"]


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_a_lease_of_a_dead_process_on_this_host_is_taken_over(ws: Workspace) -> None:
    ws.write("m")
    ws.emu.seed_dp("dp-m")
    dead = {**new_lease("apply", "", 3600), "pid": _dead_pid(), "owner": "ci"}
    lock = ws.state.with_name("state.json.lock")
    lock.parent.mkdir(parents=True)
    lock.write_text(json.dumps(dead))
    r = ws.apply()
    assert r.code == 0, r.err
    assert "took over the state lock of ci on" in r.out and "its process is gone" in r.out
    assert len(ws.emu.training_ids()) == 1


def test_a_reused_pid_is_not_mistaken_for_the_holder() -> None:
    me = os.getpid()
    lease = {**new_lease("apply", "", 60), "pid": me}
    assert process_start(me) is not None and not holder_gone(lease)
    assert holder_gone({**lease, "pidStart": (process_start(me) or 0) + 1})
    assert not holder_gone({**lease, "host": socket.gethostname() + "-elsewhere", "pid": _dead_pid()})


class _SkewedTime:
    """``time`` as a process whose clock runs ``skew`` seconds ahead sees it."""

    def __init__(self, skew: float) -> None:
        self.skew = skew

    def time(self) -> float:
        return time.time() + self.skew

    def __getattr__(self, name: str) -> object:
        return getattr(time, name)


@pytest.mark.parametrize("where", ["local", "s3"])
def test_a_taker_whose_clock_runs_ahead_cannot_take_a_live_lease(
    tmp_path: Path, where: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """The holder wrote its lease a moment ago; a taker 300 s ahead used to see it expired (3 of
    4 races). Expiry is judged by the backend's clock: the file's mtime, S3's LastModified."""
    if where == "local":
        location, endpoint = str(tmp_path / "state.json"), None
    else:
        s3 = request.getfixturevalue("s3")
        s3.create_bucket(Bucket="skew")
        location, endpoint = "s3://skew/state.json", request.getfixturevalue("s3_endpoint")
    holder = open_state(location, s3_endpoint=endpoint)
    holder.lock("apply", ttl=120)
    import reconciler.state.lease as lease_module
    import reconciler.state.store as store_module

    skewed = _SkewedTime(300)
    monkeypatch.setattr(lease_module, "time", skewed)
    monkeypatch.setattr(store_module, "time", skewed)
    taker = open_state(location, s3_endpoint=endpoint)
    with pytest.raises(LockError, match=r"expires in \d+s"):
        taker.lock("apply")


def test_a_lease_claiming_ten_years_lasts_at_most_the_cap(ws: Workspace) -> None:
    """A lock file claiming a ten-year ttl blocked everyone and `state unlock` refused without
    --force; a lease lasts at most MAX_TTL after its last write, whatever it claims."""
    from reconciler.state.lease import MAX_TTL

    ws.write("m")
    ws.emu.seed_dp("dp-m")
    decade = 10 * 365 * 86400.0
    lease = {**new_lease("apply", "", decade), "host": "elsewhere", "expires": time.time() + decade}
    lock = ws.state.with_name("state.json.lock")
    lock.parent.mkdir(parents=True)
    lock.write_text(json.dumps(lease))
    r = ws.apply()
    assert (
        r.code == 1 and f"expires in {int(MAX_TTL) - 1}s" in r.err or f"expires in {int(MAX_TTL)}s" in r.err
    )
    old = time.time() - MAX_TTL - 5
    os.utime(lock, (old, old))
    from ..helpers import run

    r = run("state", "unlock")
    assert r.code == 0 and "unlocked" in r.out, r.err
    lock.write_text(json.dumps(lease))
    os.utime(lock, (old, old))
    r = ws.apply()
    assert r.code == 0 and "took over the state lock" in r.out and "it had expired" in r.out, r.err


def test_the_lease_is_read_again_only_when_its_file_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each journal write checks the lease is still ours: by the lock file's identity and time,
    reading it only when it changed (a renewal, or anyone else's write, replaces or rewrites it)."""

    store = open_state(str(tmp_path / "state.json"))
    store.load()
    reads: list[int] = []
    real = LocalBackend.read_lock
    monkeypatch.setattr(LocalBackend, "read_lock", lambda self: reads.append(1) or real(self))
    with store.held("apply"):
        reads.clear()
        for i in range(20):
            store.commit(JournalOp.RECORD, f"m{i}", applied=records.applied({}, None))
        assert len(reads) == 1  # read once, then known by its stat
        assert store.lease is not None
        store.lease = store.renew(store.lease)  # what the heartbeat does: a new file
        reads.clear()
        store.commit(JournalOp.RECORD, "n", applied=records.applied({}, None))
        assert len(reads) == 1  # the file the renewal wrote is read again
        other = new_lease("apply", "", 60)
        Path(str(tmp_path / "state.json.lock")).write_text(json.dumps(other))
        with pytest.raises(LockError, match="lost the state lock"):
            store.commit(JournalOp.RECORD, "o", applied=records.applied({}, None))
    assert open_state(str(tmp_path / "state.json")).load().names() == sorted(
        ["n", *(f"m{i}" for i in range(20))]
    )
