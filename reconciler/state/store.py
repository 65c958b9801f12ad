"""StateStore: a ledger on a backend, changed one journal entry at a time, plus the lease.

Each change is one small append (O(1) bytes; one PUT on S3); ``compact`` folds the journal
into the base document at the end of a run, or in the next run after a crash.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol, cast

from ..core.ledger import Ledger
from ..core.records import Entry, JournalOp, now_iso
from ..errors import LockError, LockHeld, StateError
from .journal import GroupCommit
from .lease import DEFAULT_TTL, Lease, describe_lease, expired, holder_gone, new_lease
from .validate import check, check_entry

MAX_RUN = 3600.0  # a run that holds the lease longer than this stops renewing it


class Backend(Protocol):
    def describe(self) -> str: ...
    # The base, already checked (validate.ledger_from), and the journal's entries.
    def read(self) -> tuple[Any, list[Any]]: ...
    def append(self, entry: dict[str, Any]) -> None: ...
    def write_base(self, data: dict[str, Any]) -> None: ...
    def delete_all(self) -> None: ...
    def create_lock(self, lease: Lease) -> bool: ...
    def read_lock(self) -> Lease | None: ...
    def replace_lock(self, old: Lease, lease: Lease) -> bool: ...
    def delete_lock(self, lease: Lease | None) -> bool: ...
    def owns(self, lease: Lease) -> bool: ...
    def lock_age(self) -> float | None: ...
    def append_many(self, entries: list[dict[str, Any]]) -> None: ...


class StateStore:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.ledger = Ledger(None, exists=False)
        self.journal_length = 0
        self.lease: Lease | None = None  # the lease this store holds, checked before each write
        self.notices: list[str] = []  # what taking the lease did that the user should hear
        self._mutex = threading.Lock()
        self.journal = GroupCommit(self._write_batch)

    @property
    def location(self) -> str:
        return self.backend.describe()

    def load(self) -> Ledger:
        """Read the base and replay the journal written since; refuse anything damaged."""
        base, entries = self.backend.read()
        where = self.location
        ledger = Ledger(base, exists=True) if base is not None else Ledger(None, exists=False)  # checked
        replayed = 0
        seen: dict[int, Any] = {}
        for raw in sorted(entries, key=lambda e: e.get("serial", 0) if isinstance(e, dict) else 0):
            entry = check_entry(raw, f"{where} (journal)")
            if seen.setdefault(entry["serial"], entry) != entry:
                raise StateError(
                    f"ledger journal at {where} holds two different entries with serial {entry['serial']} "
                    "(two writers without the lock?); it was not used",
                    "inspect the journal and keep the entry that matches the cluster, then `reconciler state show`",
                )
            if entry["serial"] <= ledger.serial:
                continue  # already folded into the base by a compaction that then crashed, or a repeat
            if entry["serial"] != ledger.serial + 1:
                raise StateError(
                    f"ledger journal at {where} skips from serial {ledger.serial} to {entry['serial']}; "
                    "it was not used",
                    "restore the missing journal entry or the ledger from a backup",
                )
            ledger.apply(entry)
            replayed += 1
        if replayed:
            ledger.exists = True
            check(ledger.data, f"{where} (after replaying the journal)")
        self.ledger, self.journal_length = ledger, replayed
        return ledger

    def commit(self, op: JournalOp, name: str, *, durable: bool = True, **fields: Any) -> Entry:
        """Append one change and apply it to the in-memory ledger (thread-safe). Returns once the
        entry is durable (entries committed together share one write); ``durable=False``: an
        outcome whose loss the next run settles (its intent is durable), written with the next
        entry that waits, or by ``flush`` (at the end of the run, before the lease goes)."""
        return self.commit_many([cast(Entry, {**fields, "op": op, "name": name})], durable=durable)[0]

    def flush(self) -> None:
        """Every entry committed so far durable."""
        self.journal.flush()

    def commit_many(self, changes: list[Entry], *, durable: bool = True) -> list[Entry]:
        """Append several changes (``op``, ``name`` and fields each) as one write, in order."""
        if not changes:
            return []
        with self._mutex:
            if not self.ledger.exists and self.journal_length == 0:
                # A first write creates the base, so the lineage exists before any entry refers to it.
                self._check_lease()
                self.backend.write_base(self.ledger.data)
                self.ledger.exists = True
            done = []
            for change in changes:
                entry = cast(Entry, {**change, "serial": self.ledger.serial + 1, "at": now_iso()})
                self.journal.submit(dict(entry))
                self.ledger.apply(entry)
                self.journal_length += 1
                done.append(entry)
        if durable:
            self.journal.wait(done[-1]["serial"])
        return done

    def _write_batch(self, entries: list[dict[str, Any]]) -> None:
        self._check_lease()  # once per batch: a run that lost the lease writes nothing more
        self.backend.append_many(entries)

    def _check_lease(self) -> None:
        if self.lease is not None and not self.backend.owns(self.lease):
            raise LockError(
                f"lost the state lock on {self.location}: another process holds it now; nothing more was written",
                "rerun apply: it settles what this run started by a GET on each id",
            )

    def compact(self) -> None:
        self.flush()
        with self._mutex:
            if self.journal.failed is not None:
                return  # the journal on disk is the truth; the next run replays it
            if self.journal_length:
                self.backend.write_base(self.ledger.data)
                self.journal_length = 0

    # -- the lease ----------------------------------------------------------------------
    def lock(self, operation: str, plan: str = "", ttl: float = DEFAULT_TTL) -> Lease:
        """Take the lease, or raise LockError naming its holder. An expired lease, or one whose
        process is gone from this host, is taken over (and ``notices`` says so)."""
        lease = new_lease(operation, plan, ttl)
        if self.backend.create_lock(lease):
            return lease
        held = self.backend.read_lock()
        if held is None and self.backend.create_lock(lease):
            return lease
        age = self.backend.lock_age() if held is not None else None
        if held is not None:
            gone = holder_gone(held)
            if (gone or expired(held, age)) and self.backend.replace_lock(held, lease):
                why = "its process is gone" if gone else "it had expired"
                self.notices.append(f"took over the state lock of {describe_lease(held, age)}: {why}")
                return lease
            held = self.backend.read_lock() or held
            age = self.backend.lock_age()
        raise LockHeld(
            f"state {self.location} is locked by {describe_lease(held, age)}",
            "wait for it to finish; if it died, `reconciler state unlock` (or --force)",
        )

    @contextmanager
    def held(
        self,
        operation: str,
        plan: str = "",
        ttl: float = DEFAULT_TTL,
        wait: float = 0.0,
        max_run: float = MAX_RUN,
    ) -> Iterator[Lease]:
        """Hold the lease for the block (waiting up to ``wait`` seconds for it), renewing it in
        the background for at most ``max_run`` seconds; always released."""
        deadline = time.monotonic() + wait
        while True:
            try:
                lease = self.lock(operation, plan, ttl)
                break
            except LockError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(min(1.0, max(0.05, deadline - time.monotonic())))
        self.lease = lease
        stop = threading.Event()
        renew_until = time.monotonic() + max_run

        def heartbeat() -> None:
            # A run past its own limit stops renewing: a wedged apply can't keep the lock forever.
            while not stop.wait(ttl / 3) and time.monotonic() < renew_until:
                try:
                    with self._mutex:
                        if self.lease is not None:
                            self.lease = self.renew(self.lease)
                except StateError:
                    return  # the next write fails loudly: someone else holds the lease now

        beat = threading.Thread(target=heartbeat, daemon=True)
        beat.start()
        try:
            yield lease
        finally:
            try:
                self.flush()  # what was committed without waiting, durable before the lease goes
            finally:
                stop.set()
                beat.join(timeout=5)
                with self._mutex:
                    held, self.lease = self.lease, None
                if held is not None:
                    self.unlock(held)

    def renew(self, lease: Lease) -> Lease:
        renewed: Lease = {**lease, "expires": time.time() + float(lease["ttl"])}
        if not self.backend.replace_lock(lease, renewed):
            raise LockError(f"lost the state lock on {self.location}", "another process took it over")
        return renewed

    def unlock(self, lease: Lease) -> None:
        self.backend.delete_lock(lease)

    def read_lock(self) -> Lease | None:
        return self.backend.read_lock()

    def lock_age(self) -> float | None:
        """Seconds since the lease read last was written, by the backend's own clock."""
        return self.backend.lock_age()

    def force_unlock(self) -> Lease | None:
        held = self.backend.read_lock()
        self.backend.delete_lock(None)
        return held
