"""A deadline per HTTP call. requests' timeouts bound each socket read, so a server that trickles
one byte a second is never timed out; here a watchdog shuts the call's socket down once the
call's whole deadline (connect + send + answer) has passed, and the call fails as timed out."""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_calls = threading.local()  # the Deadline of the call this thread is making, if any


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
            heapq.heappush(self._heap, (time.monotonic() + deadline.seconds, next(self._seq), deadline))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="http-deadlines", daemon=True)
                self._thread.start()
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
        self.conn: HTTPConnection | None = None
        self.fired = False
        self.done = False
        self._lock = threading.Lock()

    def __enter__(self) -> Deadline:
        _calls.deadline = self
        _WATCHDOG.arm(self)
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:  # after this, fire() does nothing: the connection may serve another call
            self.done = True  # the heap entry is dropped when it comes due
        _calls.deadline = None

    def attach(self, conn: HTTPConnection) -> None:
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


def _shutdown(conn: HTTPConnection) -> None:
    sock = getattr(conn, "sock", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _track(conn: HTTPConnection) -> None:
    deadline = getattr(_calls, "deadline", None)
    if deadline is not None:
        deadline.attach(conn)


class _Tracked:
    """Mixed into urllib3's connections: tracked by the call's Deadline, and (for a tunnel)
    connected to another address than the one they name, sign for and verify TLS against."""

    connect_to: tuple[str, int] | None = None

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        _track(self)  # type: ignore[arg-type]

    def request(self, *args: Any, **kwargs: Any) -> None:
        _track(self)  # type: ignore[arg-type]  # a pooled connection is reused without connect()
        super().request(*args, **kwargs)  # type: ignore[misc]

    def _new_conn(self) -> socket.socket:
        conn: Any = self  # a mixin: the attributes are urllib3's
        if self.connect_to is None:
            return super()._new_conn()  # type: ignore[misc,no-any-return]
        named = (conn._dns_host, conn.port)
        conn._dns_host, conn.port = self.connect_to
        try:
            return super()._new_conn()  # type: ignore[misc,no-any-return]
        finally:
            conn._dns_host, conn.port = named


class DeadlineAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections can be shut down by a call's Deadline, optionally all
    connected to ``connect_to`` (HOST, PORT)."""

    def __init__(self, *args: Any, connect_to: tuple[str, int] | None = None, **kwargs: Any) -> None:
        self.connect_to = connect_to  # before super().__init__, which builds the pool manager
        super().__init__(*args, **kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        extra = {"connect_to": self.connect_to}
        http = type("Connection", (_Tracked, HTTPConnection), extra)
        https = type("HTTPSConnection", (_Tracked, HTTPSConnection), extra)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("Pool", (HTTPConnectionPool,), {"ConnectionCls": http}),
            "https": type("HTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https}),
        }


def deadline_session(pool_size: int, connect_to: tuple[str, int] | None = None) -> requests.Session:
    session = requests.Session()
    adapter = DeadlineAdapter(
        pool_connections=2, pool_maxsize=max(1, pool_size), max_retries=0, connect_to=connect_to
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
