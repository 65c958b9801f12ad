"""The wire: every HTTP call of the client, on the standard library's ``http.client`` with a
keep-alive connection per concurrent call (with ``answer``, the modules that know how HTTP is spoken), each
connection handed to its call's deadline (``deadline``) to shut down if the call takes too long."""

from __future__ import annotations

import base64
import http.client
import json
import select
import socket
import ssl
import threading
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

from .answer import Answer, Response
from .deadline import Deadline

CERTIFICATE, HANDSHAKE = "the server's certificate is not trusted", "the TLS handshake failed"


class TransportError(Exception):
    """The call got no answer: it timed out, no connection was made (``unsent``: nothing left), or
    TLS refused the server (``tls``: its certificate or handshake; trying again will not help)."""

    def __init__(self, kind: str, cause: BaseException, *, unsent: bool = False, tls: str = "") -> None:
        # what failed, when the kind doesn't say it already ("connection failed (ConnectionRefusedError)")
        self.cause_name = "" if isinstance(cause, TimeoutError) else type(cause).__name__
        super().__init__(f"{kind} ({self.cause_name})" if self.cause_name else kind)
        self.kind = kind  # "timed out connecting", "timed out waiting for the answer", "connection failed", CERTIFICATE, HANDSHAKE
        self.unsent = unsent
        self.tls = tls  # what TLS said, for the message (never a header or a credential)


class _Connection(http.client.HTTPConnection):
    """One keep-alive connection: to the endpoint, to a tunnel's address (``connect_to``: the
    request still names the endpoint, and TLS verifies the endpoint's name), or to a proxy (CONNECT
    for https; for http the request names the whole URL)."""

    response_class = Response

    def __init__(
        self, host: str, port: int, *, connect_to: tuple[str, int] | None, timeout: tuple[float, float],
        **more: Any,
    ) -> None:  # fmt: skip
        super().__init__(host, port, timeout=timeout[0], **more)
        self.read_timeout = timeout[1]
        name, at = connect_to or (host, port)
        # An ASCII name as bytes: a str makes getaddrinfo load the idna codec (~5 ms of a run).
        there = (name.encode("ascii") if name.isascii() else name, at)
        self._create_connection = lambda _named, wait, source: socket.create_connection(
            there,  # type: ignore[arg-type]  # getaddrinfo takes bytes; typeshed says str
            wait,
            source,
        )

    def connect(self) -> None:
        super().connect()
        self.sock.settimeout(self.read_timeout)  # connecting had the connect timeout

    def dropped(self) -> bool:
        """The server closed (or wrote to) this idle connection: it can't carry another call."""
        if hasattr(select, "poll"):
            poll = select.poll()
            poll.register(self.sock, select.POLLIN)
            return bool(poll.poll(0))
        return bool(select.select([self.sock], [], [], 0)[0])


class _TLSConnection(_Connection, http.client.HTTPSConnection):
    """The same over TLS (``context=``): verified against the name the request is for."""


class _Origin:
    """Idle keep-alive connections to one place (at most ``size`` kept: a call beyond them opens
    one of its own, closed after it)."""

    def __init__(self, make: Callable[[], _Connection], size: int) -> None:
        self.make, self.size = make, size
        self._idle: list[_Connection] = []
        self._lock = threading.Lock()

    def take(self) -> _Connection:
        while True:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None:
                return self.make()
            if not conn.dropped():
                return conn
            conn.close()

    def give(self, conn: _Connection) -> None:
        with self._lock:
            if len(self._idle) < self.size:
                self._idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    __del__ = close  # a client dropped without close() leaves no socket open


class Wire:
    """A client's HTTP: keep-alive connections (as many as calls at once), each tracked by its
    call's Deadline, connected to ``connect_to`` for a tunnel or through a proxy when the
    environment names one for the endpoint, TLS verified against the CA bundle requests would use,
    SigV4 when ``auth`` is set. On ``http.client`` directly: requests costs ~3x the CPU per call and
    urllib3's pool ~2x (its response objects and pool bookkeeping) for nothing this client uses, and
    at 16-64 calls at once a plan is bound by the client's CPU, not the wire."""

    def __init__(
        self, pool_size: int, connect_to: tuple[str, int] | None = None,
        proxy: str | None = None, ca_bundle: str | None = None, auth: Any = None,
    ) -> None:  # fmt: skip
        self.auth = auth  # a SigV4Auth (``sign``), or None: unsigned
        self.headers = {"User-Agent": "reconciler/0.1", "Accept": "application/json"}
        self.size = max(1, pool_size)
        self.connect_to = connect_to
        self.ca_bundle = ca_bundle
        self._tls: ssl.SSLContext | None = None
        self._origins: dict[str, tuple[_Origin, bool]] = {}
        self._lock = threading.Lock()
        self.proxy = urlsplit(proxy) if proxy else None
        self._proxy_auth: dict[str, str] = {}
        if self.proxy is not None and self.proxy.username is not None:
            user = f"{unquote(self.proxy.username)}:{unquote(self.proxy.password or '')}"
            self._proxy_auth = {"Proxy-Authorization": "Basic " + base64.b64encode(user.encode()).decode()}

    def tls(self) -> ssl.SSLContext:
        """Certificates checked against the bundle requests would use (certifi's, or the
        environment's), and the name the request is for."""
        if self._tls is None:
            import certifi

            self._tls = ssl.create_default_context(cafile=self.ca_bundle or certifi.where())
        return self._tls

    def _origin(self, url: str, timeout: tuple[float, float]) -> tuple[_Origin, str, bool]:
        """Where ``url`` is sent (its origin's connections, looked up once), the request target,
        and whether the proxy must be told who is asking (a request in absolute form)."""
        cut = url.find("/", url.find("//") + 2)
        origin, target = (url, "/") if cut < 0 else (url[:cut], url[cut:])
        found = self._origins.get(origin)
        if found is None:
            with self._lock:
                found = self._origins.get(origin) or self._origins.setdefault(
                    origin, self._open(origin, timeout)
                )
        pool, absolute = found
        return pool, url if absolute else target, absolute

    def _open(self, origin: str, timeout: tuple[float, float]) -> tuple[_Origin, bool]:
        parts = urlsplit(origin)
        secure = parts.scheme == "https"
        host, port = parts.hostname or "", parts.port or (443 if secure else 80)
        proxy = self.proxy
        if proxy is None:
            return _Origin(self._maker(host, port, secure, self.connect_to, timeout), self.size), False
        via = (proxy.hostname or "", proxy.port or (443 if proxy.scheme == "https" else 80))
        if not secure:  # the proxy is sent the whole URL, and carries the answer back
            return _Origin(self._maker(*via, proxy.scheme == "https", None, timeout), self.size), True
        make = self._maker(*via, True, None, timeout)

        def tunnelled() -> _Connection:  # CONNECT through the proxy; TLS end to end with the endpoint
            conn = make()
            conn.set_tunnel(host, port, headers=self._proxy_auth)
            return conn

        return _Origin(tunnelled, self.size), False

    def _maker(
        self, host: str, port: int, secure: bool, connect_to: tuple[str, int] | None,
        timeout: tuple[float, float],
    ) -> Callable[[], _Connection]:  # fmt: skip
        if not secure:
            return lambda: _Connection(host, port, connect_to=connect_to, timeout=timeout)
        tls = self.tls()
        return lambda: _TLSConnection(host, port, connect_to=connect_to, timeout=timeout, context=tls)

    def close(self) -> None:
        """Close every idle connection (a call in flight closes or keeps its own when it ends)."""
        with self._lock:
            origins, self._origins = list(self._origins.values()), {}
        for pool, _ in origins:
            pool.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        query: Mapping[str, str] | None,
        body: Any,
        timeout: tuple[float, float],
        deadline: Deadline | None = None,
    ) -> Answer:
        """Send one request and read its whole answer (no retries, no redirects followed);
        ``deadline``, armed around the call, is handed the connection to shut down if it fires."""
        if query:
            url = f"{url}?{urlencode(query)}"
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self.auth is not None:
            headers.update(self.auth.sign(method, url, data, headers.get("Content-Type")))
        pool, target, absolute = self._origin(url, timeout)
        if absolute:
            headers.update(self._proxy_auth)
        conn = pool.take()
        if deadline is not None:
            deadline.attach(conn)
        if conn.sock is None:
            _connect(conn, deadline)
        try:
            conn.request(method, target, body=data, headers=headers)
            response = conn.getresponse()
            content = response.read()
        except TimeoutError as e:
            conn.close()
            raise TransportError("timed out waiting for the answer", e) from None
        except (http.client.HTTPException, OSError) as e:  # reset, closed, a garbled answer
            conn.close()
            raise TransportError("connection failed", e) from None
        if response.will_close:
            conn.close()
        else:
            pool.give(conn)
        return Answer(response.status, response.headers, content, response.reason or "")


def _connect(conn: _Connection, deadline: Deadline | None) -> None:
    """Connect ``conn`` (a failure here means nothing was sent)."""
    try:
        conn.connect()
    except ssl.SSLCertVerificationError as e:
        conn.close()
        detail = e.verify_message or e.reason or str(e)
        raise TransportError(CERTIFICATE, e, unsent=True, tls=detail) from None
    except ssl.SSLError as e:
        conn.close()
        raise TransportError(HANDSHAKE, e, unsent=True, tls=e.reason or type(e).__name__) from None
    except TimeoutError as e:
        conn.close()
        raise TransportError("timed out connecting", e, unsent=True) from None
    except OSError as e:  # refused, unreachable, unresolvable; a proxy refusing the tunnel
        conn.close()
        raise TransportError("connection failed", e, unsent=True) from None
    if deadline is not None:
        deadline.attach(conn)  # the deadline may have fired while connecting
