"""Group commit: journal entries become durable in serial order, and committers that arrive
together share one write (one fsync on a local file). A commit returns once its entry is durable,
so 'intent before call' holds (an outcome may be left to the next write or ``flush``: losing it
leaves the intent, which the next run settles); what fails to be written stops every later commit."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ..errors import StateError


class GroupCommit:
    def __init__(self, write: Callable[[list[dict[str, Any]]], None]) -> None:
        self._write = write
        self._cond = threading.Condition()
        self._queue: list[dict[str, Any]] = []
        self._durable = 0  # serial of the last durable entry
        self._submitted = 0  # serial of the last entry queued
        self._busy = False  # a leader is writing a batch
        self.failed: BaseException | None = None
        self.batches = 0  # how many writes (for tests and benchmarks)

    def submit(self, entry: dict[str, Any]) -> None:
        """Queue ``entry`` (called in serial order, under the store's mutex)."""
        with self._cond:
            self._refuse_if_failed()
            self._queue.append(entry)
            self._submitted = entry["serial"]

    def flush(self) -> None:
        """Return once every entry queued so far is durable (after a failed write, nothing more is
        written: the journal on disk is what the next run reads)."""
        with self._cond:
            last = self._submitted
        if last > self._durable and self.failed is None:
            self.wait(last)

    def wait(self, serial: int) -> None:
        """Return once the entry ``serial`` is durable: write the queue if nobody else is."""
        with self._cond:
            while self._durable < serial:
                self._refuse_if_failed()
                if self._busy:
                    self._cond.wait()
                    continue
                batch, self._queue, self._busy = self._queue, [], True
                error: BaseException | None = None
                self._cond.release()
                try:
                    self._write(batch)
                except BaseException as e:  # noqa: BLE001 - every waiter must hear of it
                    error = e
                finally:
                    self._cond.acquire()
                    self._busy = False
                    self._cond.notify_all()
                if error is not None:
                    self.failed = error
                    raise error
                self._durable, self.batches = batch[-1]["serial"], self.batches + 1

    def _refuse_if_failed(self) -> None:
        if self.failed is not None:
            raise StateError(
                f"an earlier journal write failed ({self.failed}); nothing more was written in this run",
                "rerun: the next run settles what this one started by a GET on each id",
            ) from self.failed
