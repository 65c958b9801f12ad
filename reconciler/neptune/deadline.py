"""A deadline per call: socket timeouts bound each read, so a server that trickles one byte a
second is never timed out; a watchdog shuts the call's socket down once the call's whole deadline
(connect + send + answer) has passed, and the call fails as timed out."""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from typing import Any


class _Watchdog:
    """One thread for every deadline of the process (a timer thread per call would cost more
    than the call): a heap of expiry times, woken when an earlier one arrives."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Deadline]] = []
        self._seq = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, deadline: Deadline) -> None:
        with self._wake:
            due = time.monotonic() + deadline.seconds
            earliest = not self._heap or due < self._heap[0][0]
            heapq.heappush(self._heap, (due, next(self._seq), deadline))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="http-deadlines", daemon=True)
                self._thread.start()
            if earliest:  # the watchdog sleeps until the earliest: a later one needs no wake-up
                self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._heap:
                    self._wake.wait()
                due, _, deadline = self._heap[0]
                left = due - time.monotonic()
                if left > 0:
                    self._wake.wait(left)
                    continue
                heapq.heappop(self._heap)
            deadline.fire()


_WATCHDOG = _Watchdog()


class Deadline:
    """Armed around one call: when it fires, the connection the call uses is shut down."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.conn: Any | None = None
        self.fired = False
        self.done = False
        self._lock = threading.Lock()

    def __enter__(self) -> Deadline:
        _WATCHDOG.arm(self)
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:  # after this, fire() does nothing: the connection may serve another call
            self.done = True  # the heap entry is dropped when it comes due

    def attach(self, conn: Any) -> None:
        with self._lock:
            self.conn = conn
            if self.fired:
                _shutdown(conn)

    def fire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.fired = True
            if self.conn is not None:
                _shutdown(self.conn)


def _shutdown(conn: Any) -> None:
    sock = getattr(conn, "sock", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
