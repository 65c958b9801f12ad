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
