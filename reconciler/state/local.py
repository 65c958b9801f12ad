"""Local-file backend: ``state.json`` (atomic rename), ``state.json.journal`` (append-only JSON
lines, fsync'd) and ``state.json.lock`` (a lease that appears atomically with its content)."""

from __future__ import annotations

import fcntl
import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, cast

from ..errors import StateError
from .lease import Lease, damaged_lease
from .validate import encoded, ledger_from


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - some filesystems refuse directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, payload: bytes) -> None:
    """Temp file in the same folder, fsync, rename over, fsync the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(payload)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


class LocalBackend:
    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.journal = self.path.with_name(self.path.name + ".journal")
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.guard_path = self.path.with_name(self.path.name + ".lock.guard")
        self.lock_mtime: float | None = None
        self._appending: IO[str] | None = None  # the journal, open for appends while a run writes
        self._owned: tuple[int, int, int, str] | None = None  # the lock file as last seen holding ours

    def describe(self) -> str:
        return str(self.path)

    # -- ledger -------------------------------------------------------------------
    def read(self) -> tuple[Any, list[Any]]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            base = None
        except OSError as e:
            raise StateError(f"cannot read ledger {self.path}: {e.strerror}") from None
        else:
            base = ledger_from(raw, str(self.path))
        return base, self._read_journal()

    def _read_journal(self) -> list[Any]:
        try:
            text = self.journal.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except UnicodeDecodeError as e:
            raise StateError(
                f"journal {self.journal} is damaged (not UTF-8 at byte {e.start}); the ledger was not used",
                "inspect the file; every line is one JSON entry",
            ) from None
        lines = text.split("\n")
        entries: list[Any] = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entries.append(json.loads(line))
            except (ValueError, RecursionError):
                if number == len(lines):  # torn last write (no newline): it never happened
                    break
                raise StateError(
                    f"journal {self.journal}:{number} is damaged; the ledger was not used",
                    "inspect the file; every line is one JSON entry",
                ) from None
        return entries

    def append(self, entry: dict[str, Any]) -> None:
        self.append_many([entry])

    def append_many(self, entries: list[dict[str, Any]]) -> None:
        """Entries as JSON lines in one write and one fsync (a torn last line is ignored on read)."""
        lines = "".join(json.dumps(e, sort_keys=True, separators=(",", ":")) + "\n" for e in entries)
        if self._appending is None:  # opened once per run, not per write (a write is a fsync's time)
            self.journal.parent.mkdir(parents=True, exist_ok=True)
            self._appending = open(self.journal, "a", encoding="utf-8")  # noqa: SIM115 - kept open
        try:
            self._appending.write(lines)
            self._appending.flush()
            os.fsync(self._appending.fileno())
        except BaseException:
            self._close_journal()  # the next write opens it again, after whatever was torn
            raise

    def _close_journal(self) -> None:
        appending, self._appending = self._appending, None
        if appending is not None:
            try:
                appending.close()
            except OSError:
                pass  # what it held was written and fsynced, or the write already failed

    __del__ = _close_journal  # a store dropped without compacting leaves no file open

    def write_base(self, data: dict[str, Any]) -> None:
        write_atomic(self.path, encoded(data))
        # Entries are now in the base; replay skips them by serial even if this unlink is lost.
        self._close_journal()
        self.journal.unlink(missing_ok=True)

    def delete_all(self) -> None:
        self._close_journal()
        for p in (self.path, self.journal):
            p.unlink(missing_ok=True)

    # -- lease --------------------------------------------------------------------
    # The lease file appears with its content (written aside, then hard-linked into place, which
    # fails when a lease exists), and every change of an existing lease is a compare-and-swap
    # under an flock on a guard file, so two processes can never both believe they hold it.
    @contextmanager
    def _guard(self) -> Iterator[None]:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.guard_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the flock

    def create_lock(self, lease: Lease) -> bool:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.lock_path.with_name(f".{self.lock_path.name}.{uuid.uuid4().hex}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(lease, f)
            f.flush()
            os.fsync(f.fileno())
        try:
            with self._guard():
                os.link(tmp, self.lock_path)
        except FileExistsError:
            return False
        finally:
            tmp.unlink(missing_ok=True)
        _fsync_dir(self.lock_path.parent)
        return True

    def read_lock(self) -> Lease | None:
        """The lease, or None. A lock file that can't be read is held until it is older than the ttl."""
        try:
            raw = self.lock_path.read_bytes()
            mtime = self.lock_path.stat().st_mtime
        except FileNotFoundError:
            self.lock_mtime = None
            return None
        self.lock_mtime = mtime
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            return cast(Lease, data)
        return damaged_lease("lock file", mtime)

    def lock_age(self) -> float | None:
        """How old the lock file read last is, by the file system's clock (the mtime of a file
        written now), not by any process's: a holder or taker with a skewed clock can't matter."""
        if self.lock_mtime is None:
            return None
        probe = self.lock_path.with_name(f".{self.lock_path.name}.{uuid.uuid4().hex}.now")
        try:
            probe.write_bytes(b"")
            now = probe.stat().st_mtime
        except OSError:
            now = time.time()
        finally:
            probe.unlink(missing_ok=True)
        return max(0.0, now - self.lock_mtime)

    def replace_lock(self, old: Lease, lease: Lease) -> bool:
        """Write ``lease`` only if the file still holds ``old`` (an expired or renewed lease)."""
        with self._guard():
            if self.read_lock() != old:
                return False
            write_atomic(self.lock_path, json.dumps(lease).encode())
            return True

    def delete_lock(self, lease: Lease | None) -> bool:
        with self._guard():
            if lease is not None and self.read_lock() != lease:
                return False
            self.lock_path.unlink(missing_ok=True)
            return True

    def owns(self, lease: Lease) -> bool:
        """Whether the lock file still holds this lease (checked before every journal write: read
        again only when the file changed since it was last seen holding it, as every write of a
        lease replaces the file)."""
        try:
            seen = self.lock_path.stat()
        except FileNotFoundError:
            return False
        mark = (seen.st_ino, seen.st_mtime_ns, seen.st_size, str(lease.get("id")))
        if mark == self._owned:
            return True
        held = self.read_lock()
        ours = held is not None and held.get("id") == lease.get("id")
        self._owned = mark if ours else None  # a change after this stat is a new mark: read again
        return ours
