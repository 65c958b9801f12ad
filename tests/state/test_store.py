"""The ledger and its backends, for real: a local folder and moto's S3 server on loopback."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from reconciler.errors import LockError, StateError
from reconciler.state import StateStore, open_state
from reconciler.state.local import LocalBackend

GEN = {
    "jobId": "m-0123456789",
    "specHash": "0" * 64,
    "spec": {"dataProcessingJobId": "dp"},
    "action": "create",
    "appliedAt": "2026-11-30T00:00:00Z",
    "commit": None,
}
APPLIED = {
    "spec": {"dataProcessingJobId": "dp"},
    "policy": {},
    "labels": {},
    "appliedAt": "2026-11-30T00:00:00Z",
}


@pytest.fixture(params=["local", "s3"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "local":
        return str(tmp_path / "state" / "state.json")
    s3 = request.getfixturevalue("s3")
    bucket = f"state-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    return f"s3://{bucket}/team/state.json"


def store_at(location: str, s3_endpoint: str | None = None) -> StateStore:
    return open_state(location, s3_endpoint=s3_endpoint)


@pytest.fixture
def opener(location: str, request: pytest.FixtureRequest) -> Any:
    endpoint = request.getfixturevalue("s3_endpoint") if location.startswith("s3://") else None
    return lambda: store_at(location, endpoint)


def create(store: StateStore, name: str = "m", job: str = "m-0123456789") -> None:
    store.commit(
        "intent", name, jobId=job, pending={"op": "create", "jobId": job, "at": "2026-11-30T00:00:00Z"}
    )
    store.commit("created", name, jobId=job, generation={**GEN, "jobId": job}, applied=APPLIED)


def with_one_job(tmp_path: Path) -> Path:
    """A local ledger at ``tmp_path/state.json`` whose journal records one created job."""
    path = tmp_path / "state.json"
    store = StateStore(LocalBackend(str(path)))
    store.load()
    create(store)
    return path


def compact(path: Path) -> None:
    store = StateStore(LocalBackend(str(path)))
    store.load()
    store.compact()


def test_empty_then_journal_then_compact(opener: Any) -> None:
    store = opener()
    ledger = store.load()
    assert not ledger.exists and ledger.serial == 0 and ledger.names() == []
    create(store)
    again = opener().load()
    assert again.serial == 2 and again.current("m")["jobId"] == "m-0123456789"
    assert again.pending("m") == [] and again.lineage == store.ledger.lineage
    store.compact()
    third = opener()
    assert third.load().data == store.ledger.data and third.journal_length == 0


def test_every_write_is_small(tmp_path: Path) -> None:
    """Appending an entry costs the same whatever the ledger's size (no whole rewrites)."""
    path = tmp_path / "state.json"
    store = StateStore(LocalBackend(str(path)))
    store.load()
    sizes = []
    for i in range(300):
        create(store, f"m{i}", f"m{i}-0123456789")
        sizes.append(path.with_name("state.json.journal").stat().st_size)
    growth = [b - a for a, b in zip(sizes, sizes[1:], strict=False)]
    assert max(growth) < 2 * min(growth) < 2000
    assert path.stat().st_size < 1000  # the base was written once, before the first entry


def test_compaction_crash_is_harmless(tmp_path: Path) -> None:
    path = with_one_job(tmp_path)
    journal = path.with_name("state.json.journal").read_text()
    compact(path)
    path.with_name("state.json.journal").write_text(journal)  # as if the unlink was lost
    reloaded = StateStore(LocalBackend(str(path))).load()
    assert reloaded.serial == 2 and len(reloaded.generations("m")) == 1


def test_torn_last_journal_line_is_ignored(tmp_path: Path) -> None:
    path = with_one_job(tmp_path)
    with open(path.with_name("state.json.journal"), "a") as f:
        f.write('{"serial": 3, "op": "forg')
    assert StateStore(LocalBackend(str(path))).load().serial == 2


def test_damaged_journal_line_is_refused(tmp_path: Path) -> None:
    path = with_one_job(tmp_path)
    journal = path.with_name("state.json.journal")
    lines = journal.read_text().splitlines()
    journal.write_text("garbage\n" + "\n".join(lines[1:]) + "\n")
    with pytest.raises(StateError, match=r"journal .*:1 is damaged"):
        StateStore(LocalBackend(str(path))).load()


def test_gap_in_serials_is_refused(tmp_path: Path) -> None:
    path = with_one_job(tmp_path)
    journal = path.with_name("state.json.journal")
    journal.write_text(journal.read_text().splitlines()[1] + "\n")
    with pytest.raises(StateError, match="skips from serial 0 to 2"):
        StateStore(LocalBackend(str(path))).load()


def test_a_journal_that_is_not_utf8_is_refused_in_one_line(tmp_path: Path) -> None:
    path = with_one_job(tmp_path)
    with open(path.with_name("state.json.journal"), "ab") as f:
        f.write(b'{"serial": 3, "op": "forget", "name": "\xff\xfe"}\n')
    with pytest.raises(StateError, match="not UTF-8 at byte"):
        StateStore(LocalBackend(str(path))).load()


@pytest.mark.parametrize(
    ("entry", "missing"),
    [
        ({"op": "intent", "jobId": "m-1"}, "'pending' is a required property"),
        ({"op": "created", "jobId": "m-1"}, "'generation' is a required property"),
        ({"op": "record"}, "'applied' is a required property"),
        ({"op": "final", "jobId": "m-1"}, "'status' is a required property"),
    ],
)
def test_a_journal_entry_missing_what_its_op_needs_is_refused(
    tmp_path: Path, entry: dict[str, Any], missing: str
) -> None:
    """Schema-valid entries that lacked their op's field crashed the replay (exit 3)."""
    path = tmp_path / "state.json"
    StateStore(LocalBackend(str(path))).load()
    path.with_name("state.json.journal").write_text(json.dumps({"serial": 1, "name": "m", **entry}) + "\n")
    with pytest.raises(StateError, match=missing):
        StateStore(LocalBackend(str(path))).load()


def test_two_different_entries_with_one_serial_are_refused_a_repeat_is_not(tmp_path: Path) -> None:
    path = with_one_job(tmp_path)
    journal = path.with_name("state.json.journal")
    lines = journal.read_text().splitlines()
    journal.write_text("\n".join([*lines, lines[1]]) + "\n")  # the same entry twice: harmless
    assert StateStore(LocalBackend(str(path))).load().serial == 2
    other = {**json.loads(lines[1]), "jobId": "m-9999999999"}
    journal.write_text("\n".join([*lines, json.dumps(other)]) + "\n")
    with pytest.raises(StateError, match="two different entries with serial 2"):
        StateStore(LocalBackend(str(path))).load()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(serial=-1), "fails its schema at serial"),
        (
            lambda d: d["resources"]["m"]["generations"][0].update(jobId="bad id!"),
            "fails its schema at resources/m/generations/0/jobId",
        ),
        (lambda d: d.update(version=2), "has version 2"),
    ],
)
def test_invalid_ledger_is_refused_not_half_read(tmp_path: Path, mutate: Any, message: str) -> None:
    path = with_one_job(tmp_path)
    compact(path)
    data = json.loads(path.read_text())
    mutate(data)
    path.write_text(json.dumps(data))
    with pytest.raises(StateError, match=message):
        StateStore(LocalBackend(str(path))).load()


def test_not_json_is_refused(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text("{not json")
    with pytest.raises(StateError, match="not valid JSON"):
        StateStore(LocalBackend(str(tmp_path / "state.json"))).load()


def test_s3_concurrent_writers_are_detected(s3: Any, s3_endpoint: str) -> None:
    bucket = f"state-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    location = f"s3://{bucket}/state.json"
    first = store_at(location, s3_endpoint)
    first.load()
    create(first)
    first.compact()
    a, b, c = (store_at(location, s3_endpoint) for _ in range(3))
    for store in (a, b, c):
        store.load()
    a.commit("forget", "m")
    with pytest.raises(StateError, match="another writer changed the ledger"):
        b.commit("forget", "m")  # same serial: IfNoneMatch refuses the journal object
    b.compact()  # a store whose journal write failed folds nothing into the base
    a.compact()
    c.journal_length = 1  # c believes it has something to fold in
    with pytest.raises(StateError, match="since it was read"):
        c.compact()  # stale ETag: IfMatch refuses the base


def test_s3_missing_bucket_is_clear(s3_endpoint: str) -> None:
    with pytest.raises(StateError, match="state bucket 'no-such-bucket-here' does not exist"):
        store_at("s3://no-such-bucket-here/state.json", s3_endpoint).load()


def test_bad_s3_location() -> None:
    with pytest.raises(StateError, match="is not s3://bucket/key"):
        store_at("s3://only-bucket")


# -- the lease -------------------------------------------------------------------------
def test_second_lock_fails_naming_the_holder(opener: Any) -> None:
    first, second = opener(), opener()
    lease = first.lock("apply", "plan.json")
    with pytest.raises(LockError, match=r"is locked by .* \(pid \d+, apply since .*expires in \d+s\)"):
        second.lock("apply")
    assert second.read_lock()["id"] == lease["id"]
    first.unlock(lease)
    assert second.read_lock() is None
    second.unlock(second.lock("apply"))


def test_expired_lease_is_taken_over(opener: Any) -> None:
    first, second = opener(), opener()
    stale = first.lock("apply", ttl=0.01)
    time.sleep(1.1)  # S3's clock (LastModified, Date) counts whole seconds
    lease = second.lock("apply")
    assert second.read_lock()["id"] == lease["id"] != stale["id"]
    first.unlock(stale)  # the old holder's unlock must not release the new lease
    assert second.read_lock()["id"] == lease["id"]


def test_renew_and_force_unlock(opener: Any) -> None:
    store = opener()
    lease = store.lock("apply", ttl=60)
    renewed = store.renew(lease)
    assert renewed["expires"] >= lease["expires"]
    assert store.force_unlock()["id"] == lease["id"]
    assert store.read_lock() is None


def test_an_outcome_not_waited_for_is_written_by_the_next_wait_or_before_the_lease_goes(opener: Any) -> None:
    """``durable=False`` (a create's outcome): nothing is written for it at once; the next commit
    that waits writes both in order, and leaving ``held`` writes what is left."""
    store = opener()
    store.load()
    job = "m-0123456789"
    with store.held("apply"):
        store.commit(
            "intent", "m", jobId=job, pending={"op": "create", "jobId": job, "at": "2026-11-30T00:00:00Z"}
        )
        store.commit(
            "created", "m", durable=False, jobId=job, generation={**GEN, "jobId": job}, applied=APPLIED
        )
        assert store.ledger.current("m")["jobId"] == job  # this process sees it at once
        on_disk = opener().load()
        assert on_disk.serial == 1 and on_disk.pending("m")  # the intent alone: a run killed now settles it
        store.commit("record", "n", applied=APPLIED)  # waits: writes the outcome before it
        assert opener().load().serial == 3
        store.commit("record", "o", durable=False, applied=APPLIED)
        assert opener().load().serial == 3
    after = opener().load()
    assert after.serial == 4 and after.current("m")["jobId"] == job and after.pending("m") == []
    assert store.read_lock() is None


def test_held_releases_on_error(opener: Any) -> None:
    store = opener()
    with pytest.raises(RuntimeError), store.held("apply"):
        raise RuntimeError("boom")
    assert store.read_lock() is None


def test_concurrent_commits_share_writes_and_stay_in_serial_order(tmp_path: Path) -> None:
    import threading

    from reconciler.core import records
    from reconciler.core.records import JournalOp

    store = open_state(str(tmp_path / "state.json"))
    store.load()
    barrier = threading.Barrier(16)

    def worker(i: int) -> None:
        barrier.wait()
        for k in range(20):
            store.commit(JournalOp.RECORD, f"m{i}-{k}", applied=records.applied({}, None))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = (tmp_path / "state.json.journal").read_text().splitlines()
    assert [json.loads(line)["serial"] for line in lines] == list(range(1, 321))
    assert store.journal.batches < 320  # committers that arrived together shared a write
    assert open_state(str(tmp_path / "state.json")).load().serial == 320


def test_a_ledger_is_checked_once_per_content_and_any_change_is_checked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The schema check of the base is remembered by its exact bytes (and the schema's): a steady
    plan reading the same ledger again skips it; a byte changed, or caching off, checks again."""
    from reconciler.state import validate

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("RECONCILER_NO_CACHE", raising=False)
    checks: list[str] = []
    real = validate.check
    monkeypatch.setattr(validate, "check", lambda data, where: checks.append(where) or real(data, where))
    path = with_one_job(tmp_path)
    compact(path)  # the base now holds the job
    checks.clear()
    for _ in range(3):
        assert StateStore(LocalBackend(str(path))).load().names() == ["m"]
    assert len(checks) == 1  # once for these bytes
    document = json.loads(path.read_text())
    document["resources"]["m"]["generations"][0]["specHash"] = "not a hash"
    path.write_text(json.dumps(document))
    with pytest.raises(StateError, match="fails its schema"):
        StateStore(LocalBackend(str(path))).load()
    with pytest.raises(StateError, match="fails its schema"):  # refused again: a failure is never remembered
        StateStore(LocalBackend(str(path))).load()
    assert len(checks) == 3
    compact_again = json.loads(path.read_text())
    compact_again["resources"]["m"]["generations"][0]["specHash"] = "0" * 64
    path.write_text(json.dumps(compact_again))
    monkeypatch.setenv("RECONCILER_NO_CACHE", "1")
    StateStore(LocalBackend(str(path))).load()
    StateStore(LocalBackend(str(path))).load()
    assert len(checks) == 5  # no cache: every load checks
    marks = tmp_path / "cache" / "reconciler" / "ledgers"
    assert len(list(marks.iterdir())) == 2  # the first base compact() read, and the base it wrote
