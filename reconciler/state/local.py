"""Local-file backend: ``state.json`` (atomic rename), ``state.json.journal`` (append-only JSON
lines, fsync'd) and ``state.json.lock`` (a lease created with O_EXCL)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, cast

from ..errors import StateError
from .lease import Lease


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
            try:
                base = json.loads(raw)
            except ValueError as e:
                raise StateError(
                    f"ledger {self.path} is not valid JSON ({e}); it was not used",
                    "restore it from a backup, or rebuild it with `reconciler import`",
                ) from None
        return base, self._read_journal()

    def _read_journal(self) -> list[Any]:
        try:
            text = self.journal.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        lines = text.split("\n")
        entries: list[Any] = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entries.append(json.loads(line))
            except ValueError:
                if number == len(lines):  # torn last write (no newline): it never happened
                    break
                raise StateError(
                    f"journal {self.journal}:{number} is damaged; the ledger was not used",
                    "inspect the file; every line is one JSON entry",
                ) from None
        return entries

    def append(self, entry: dict[str, Any]) -> None:
        self.journal.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n"
        with open(self.journal, "a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())

    def write_base(self, data: dict[str, Any]) -> None:
        payload = (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()
        write_atomic(self.path, payload)
        # Entries are now in the base; replay skips them by serial even if this unlink is lost.
        self.journal.unlink(missing_ok=True)

    def delete_all(self) -> None:
        for p in (self.path, self.journal):
            p.unlink(missing_ok=True)

    # -- lease --------------------------------------------------------------------
    def create_lock(self, lease: Lease) -> bool:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.lock_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(lease, f)
            f.flush()
            os.fsync(f.fileno())
        return True

    def read_lock(self) -> Lease | None:
        try:
            data = json.loads(self.lock_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except ValueError:
            return {"id": "?", "owner": "unknown (damaged lock file)", "expires": 0}
        return cast(Lease, data) if isinstance(data, dict) else None

    def replace_lock(self, old: Lease, lease: Lease) -> bool:
        """Take over ``old`` (expired): write ours only if the file still holds ``old``."""
        if self.read_lock() != old:
            return False
        write_atomic(self.lock_path, json.dumps(lease).encode())
        return self.read_lock() == lease

    def delete_lock(self, lease: Lease | None) -> bool:
        if lease is not None and self.read_lock() != lease:
            return False
        self.lock_path.unlink(missing_ok=True)
        return True
