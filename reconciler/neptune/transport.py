"""The wire: every HTTP call of the client, on urllib3's connection pool (the one module that
knows the HTTP library), with a deadline per call. Socket timeouts bound each read, so a server
that trickles one byte a second is never timed out; here a watchdog shuts the call's socket down
once the call's whole deadline (connect + send + answer) has passed, and the call fails as timed
out."""

from __future__ import annotations

import heapq
import itertools
import json
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

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


@dataclass(frozen=True)
class Answer:
    """One HTTP answer, read whole (the attributes the error and JSON readers use)."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes
    reason: str = ""

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


class TransportError(Exception):
    """The call got no answer: it timed out, or no connection was made (``unsent``: nothing left)."""

    def __init__(self, kind: str, cause: BaseException, *, unsent: bool = False) -> None:
        super().__init__(f"{kind} ({type(cause).__name__})")
        self.kind = kind  # "timed out" or "connection failed"
        self.cause_name = type(cause).__name__
        self.unsent = unsent


class Wire:
    """A client's HTTP, straight on urllib3's pool: connections tracked by each call's
    Deadline (and connected to ``connect_to`` for a tunnel), a proxy when the environment names one
    for the endpoint, the CA bundle requests would use, SigV4 when ``auth`` is set. requests costs
    ~2x the CPU per call (its sessions, hooks and adapters) for nothing this client uses."""

    def __init__(
        self, pool_size: int, connect_to: tuple[str, int] | None = None,
        proxy: str | None = None, ca_bundle: str | None = None, auth: Any = None,
    ) -> None:  # fmt: skip
        import certifi
        import urllib3

        self.auth = auth  # a SigV4Auth (``sign``), or None: unsigned
        self.headers = {"User-Agent": "reconciler/0.1", "Accept": "application/json"}
        tls: dict[str, Any] = {"ca_certs": ca_bundle or certifi.where(), "cert_reqs": "CERT_REQUIRED"}
        size = max(1, pool_size)
        self.proxied = bool(proxy)
        self._pools: dict[str, Any] = {}
        if proxy:
            self.pool: Any = urllib3.ProxyManager(proxy, num_pools=2, maxsize=size, block=False, **tls)
        else:
            self.pool = urllib3.PoolManager(num_pools=2, maxsize=size, block=False, **tls)
        extra = {"connect_to": connect_to}
        http = type("Connection", (_Tracked, HTTPConnection), extra)
        https = type("HTTPSConnection", (_Tracked, HTTPSConnection), extra)
        self.pool.pool_classes_by_scheme = {
            "http": type("Pool", (HTTPConnectionPool,), {"ConnectionCls": http}),
            "https": type("HTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https}),
        }

    def _pool_for(self, url: str) -> tuple[Any, str]:
        """The connection pool of ``url``'s origin (looked up once: the manager's lookup parses the
        URL and builds a key on every call) and the request target it sends; through a proxy, the
        proxy manager itself and the whole URL."""
        if self.proxied:
            return self.pool, url
        cut = url.find("/", url.find("//") + 2)
        origin, target = (url, "/") if cut < 0 else (url[:cut], url[cut:])
        found = self._pools.get(origin)
        if found is None:
            found = self._pools[origin] = self.pool.connection_from_url(origin)
        return found, target

    def request(
        self,
        method: str,
        url: str,
        *,
        query: Mapping[str, str] | None,
        body: Any,
        timeout: tuple[float, float],
    ) -> Answer:
        """Send one request and read its whole answer (no retries, no redirects followed)."""
        import urllib3
        from urllib3.exceptions import HTTPError, NewConnectionError

        if query:
            url = f"{url}?{urlencode(query)}"
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self.auth is not None:
            headers.update(self.auth.sign(method, url, data, headers.get("Content-Type")))
        pool, target = self._pool_for(url)
        try:
            response = pool.urlopen(
                method, target, body=data, headers=headers, redirect=False, retries=False,
                timeout=urllib3.Timeout(connect=timeout[0], read=timeout[1]), preload_content=True,
                assert_same_host=False,
            )  # fmt: skip
        except NewConnectionError as e:  # refused, unreachable, unresolvable (a ConnectTimeoutError too)
            raise TransportError("connection failed", e, unsent=True) from None
        except urllib3.exceptions.ConnectTimeoutError as e:
            raise TransportError("timed out", e, unsent=True) from None
        except urllib3.exceptions.TimeoutError as e:
            raise TransportError("timed out", e) from None
        except (HTTPError, OSError) as e:
            raise TransportError("connection failed", e) from None
        return Answer(response.status, response.headers, response.data, response.reason or "")
