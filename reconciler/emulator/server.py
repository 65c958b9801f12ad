"""HTTP front of the emulator: Neptune ML's routes, error envelope and headers, plus admin routes.

Served on loopback only. ``/__emulator/*`` lets tests seed data-processing jobs, fail or delete
jobs, move the clock, change faults and read the request log; faults never touch those routes.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .admin import admin
from .creates import CREATES
from .exports import Exports, is_export
from .exports import route as export_route
from .faults import FaultConfig, Faults
from .model import Options, ServiceError, invalid
from .resources import RESOURCES
from .sigv4 import check as check_signature
from .store import Store

MAX_BODY = 1024 * 1024
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class Emulator:
    """A running emulator: ``start()`` returns its URL, ``stop()`` shuts it down."""

    def __init__(
        self,
        options: Options | None = None,
        faults: FaultConfig | None = None,
        state_file: str | None = None,
        artifacts: Any = None,
    ) -> None:
        self.store = Store(options or Options(), state_file=state_file, artifacts=artifacts)
        opts, store = self.store.options, self.store
        self.exports = Exports(  # the Neptune-Export service, on the same clock, writing to the same S3
            store.now, lambda: opts.export_seconds or opts.job_seconds,
            lambda location, files: store.artifacts.put(location, files) if store.artifacts else None,
        )  # fmt: skip
        self.faults = Faults(faults or FaultConfig())
        self.requests: deque[dict[str, Any]] = deque(maxlen=20_000)
        self.served = 0  # API requests answered, and the emulator's own time on them (no latency)
        self.busy = 0.0
        self.in_flight = 0  # API requests being answered now, and the most there have been at once
        self.most_in_flight = 0
        self._stats = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        if host not in LOOPBACK:
            raise ValueError(f"the emulator listens on loopback only, not {host!r}")
        handler = type("Handler", (_Handler,), {"emulator": self})
        server_cls = _Server6 if ":" in host else _Server
        self._server = server_cls((host, port), handler)
        self._threads = [
            threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True),
            threading.Thread(target=self._reap, daemon=True),
        ]
        for t in self._threads:
            t.start()
        return self.url

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    def _reap(self) -> None:
        while not self._stopping.wait(0.25):
            try:
                self.store.settle()
                self.exports.settle()
            except Exception as e:  # an S3 hiccup must not kill the emulator
                print(f"emulator: artifact write failed: {e}", file=sys.stderr)

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for t in self._threads:
            t.join(timeout=5)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer is normal (timeouts, dropped-answer faults): no traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "NeptuneMLEmulator/1.0"
    emulator: Emulator
    raw_body: bytes = b""
    # Buffered: headers and body leave in one send when the response is flushed, and with
    # Nagle off a reused connection never waits for a delayed ACK (that cost ~40 ms a request).
    wbufsize = -1
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read their own logs
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _not_allowed(self) -> None:
        """Any other method: 405 in the service's JSON envelope (not the stdlib's 501 HTML page)."""
        try:
            self.rfile.read(max(0, int(self.headers.get("Content-Length") or 0)))
        except ValueError:
            self.close_connection = True
        error = ServiceError(405, "MethodNotAllowedException", f"Method {self.command} is not allowed")
        self._error(error, str(uuid.uuid4()), {"Allow": "GET, POST, DELETE"})

    def do_HEAD(self) -> None:  # noqa: N802 - the stdlib's naming
        self.send_response(405)
        self.send_header("Allow", "GET, POST, DELETE")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_PUT = do_PATCH = do_OPTIONS = _not_allowed

    def _handle(self, method: str) -> None:
        began = time.perf_counter()
        request_id = str(uuid.uuid4())
        url = urlsplit(self.path)
        parts = [unquote(p) for p in url.path.split("/") if p]
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        try:
            body = self._read_body()
        except ServiceError as e:
            self._error(e, request_id)
            return
        if parts[:1] == ["__emulator"]:
            self._run(lambda: admin(self.emulator, method, parts[1:], body), request_id)
            return
        keys = self.emulator.store.options.auth_keys
        self.gateway = is_export(parts)  # the export service answers as API Gateway does
        if keys is not None:
            service = "execute-api" if self.gateway else "neptune-db"
            denied = check_signature(method, self.path, dict(self.headers), self.raw_body, keys,
                                     self.emulator.store.options.region, service)  # fmt: skip
            if denied is not None:
                code = (
                    "MissingAuthenticationTokenException"
                    if denied.startswith("Missing")
                    else "AccessDeniedException"
                )
                self._error(
                    ServiceError(403, code if self.gateway else "AccessDeniedException", denied), request_id
                )
                return
        self.emulator.requests.append({
            "method": method, "path": url.path, "query": query, "body": body,
            "signed": "authorization" in {k.lower() for k in self.headers},
            "time": time.time(),
        })  # fmt: skip
        with self.emulator._stats:
            self.emulator.in_flight += 1
            self.emulator.most_in_flight = max(self.emulator.most_in_flight, self.emulator.in_flight)
        decision = self.emulator.faults.decide()
        try:
            if decision.delay:
                time.sleep(decision.delay)
            self._answer(method, parts, query, body, decision, request_id)
        finally:
            with self.emulator._stats:  # its own time: all of it but the injected latency
                self.emulator.in_flight -= 1
                self.emulator.served += 1
                self.emulator.busy += time.perf_counter() - began - decision.delay

    def _answer(
        self, method: str, parts: list[str], query: dict[str, str], body: Any, decision: Any, request_id: str
    ) -> None:
        """The real route, or the fault the decision injects instead."""
        fault = self._injected(decision, method, body, "/" + "/".join(parts))
        if fault is not None:
            if decision.error and self.emulator.faults.config.error_applies:
                try:  # the request takes effect, then the error is answered: an unknown outcome
                    self._route(method, parts, query, body)
                except ServiceError:
                    pass
            self._error(fault[0], request_id, fault[1])
            return
        if decision.drop:  # the request takes effect, the answer is lost: the nasty case
            try:
                self._route(method, parts, query, body)
            except ServiceError:
                pass
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if method == "DELETE" and self.emulator.store.options.empty_delete:
            self._run(lambda: self._route(method, parts, query, body), request_id, empty=True)
            return
        self._run(lambda: self._route(method, parts, query, body), request_id)

    def _injected(
        self, decision: Any, method: str, body: Any, path: str
    ) -> tuple[ServiceError, dict[str, str]] | None:
        """The error a fault decision answers with instead of the real route, if any."""
        if decision.throttle_after is not None:
            throttled = ServiceError(429, "TooManyRequestsException", "Rate exceeded")
            return throttled, {"Retry-After": str(int(decision.throttle_after))}
        c = self.emulator.faults.config
        if decision.error and f"{method} {path}".startswith(c.error_on):
            return ServiceError(c.error_status, c.error_code, "Injected fault (emulator)"), {}
        prefix = self.emulator.faults.config.reject_prefix
        if (
            prefix
            and method == "POST"
            and isinstance(body, dict)
            and str(body.get("id", "")).startswith(prefix)
        ):
            return ServiceError(400, "BadRequestException", "Request rejected (injected fault)"), {}
        return None

    def _read_body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ServiceError(400, "BadRequestException", "Request body too large")
        raw = self.rfile.read(length) if length else b""
        self.raw_body = raw
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise ServiceError(400, "BadRequestException", "Invalid JSON in request body") from None

    def _run(self, action: Any, request_id: str, *, empty: bool = False) -> None:
        try:
            result = action()
        except ServiceError as e:
            self._error(e, request_id)
            return
        except (KeyError, TypeError, ValueError) as e:
            self._error(ServiceError(400, "BadRequestException", f"Bad request: {e!r}"), request_id)
            return
        except Exception as e:  # never a hung connection, always the envelope
            self._error(ServiceError(500, "InternalFailureException", f"Emulator error: {e!r}"), request_id)
            return
        if empty:
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.send_header("x-amzn-RequestId", request_id)
            self.end_headers()
            return
        self._send(200, result, request_id)

    def _route(self, method: str, parts: list[str], query: dict[str, str], body: Any) -> Any:
        store = self.emulator.store
        if is_export(parts):
            return export_route(self.emulator.exports, method, parts, body)
        if len(parts) < 2 or parts[0] != "ml" or parts[1] not in RESOURCES or len(parts) > 3:
            raise ServiceError(400, "BadRequestException", f"Unsupported path /{'/'.join(parts)}")
        resource = RESOURCES[parts[1]]
        kind = resource.kind
        if len(parts) == 2:
            if method == "GET":
                return {"ids": store.list_ids(kind, _max_items(query))}
            if method == "POST":
                if not isinstance(body, dict):
                    raise ServiceError(400, "BadRequestException", "Request body must be a JSON object")
                created = CREATES[kind](store, body)
                prefix = self.emulator.faults.config.fail_prefix
                if kind == "training" and prefix and created["id"].startswith(prefix):
                    store.fail(created["id"], "AlgorithmError: injected failure (emulator)", halfway=True)
                return created
        elif method == "GET":
            return store.get(kind, parts[2])
        elif method == "DELETE":
            if resource.deletes:
                _bool(query, "clean")  # accepted; the emulator keeps no endpoint artifacts
                return store.delete_endpoint(parts[2])
            return store.stop(kind, parts[2], _bool(query, "clean"))
        raise ServiceError(
            405, "MethodNotAllowedException", f"Method {method} is not allowed on /{'/'.join(parts)}"
        )

    def _error(self, e: ServiceError, request_id: str, headers: dict[str, str] | None = None) -> None:
        doc: dict[str, str] = {"requestId": request_id, "code": e.code, "detailedMessage": e.message}
        if getattr(self, "gateway", False):
            doc = {"message": e.message}  # API Gateway's body; the code is in x-amzn-ErrorType
        self._send(e.status, doc, request_id, {"x-amzn-ErrorType": e.code, **(headers or {})})

    def _send(self, status: int, doc: Any, request_id: str, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-amzn-RequestId", request_id)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(payload)


def _max_items(query: dict[str, str]) -> int:
    raw = query.get("maxItems", "10")
    try:
        value = int(raw)
    except ValueError:
        raise invalid(f"Invalid maxItems {raw!r}: must be an integer between 1 and 1024") from None
    if not 1 <= value <= 1024:
        raise invalid(f"Invalid maxItems {value}: must be between 1 and 1024")
    return value


def _bool(query: dict[str, str], key: str) -> bool:
    raw = query.get(key, "false")
    if raw.lower() not in ("true", "false"):
        raise invalid(f"Invalid boolean for {key}: {raw!r}")
    return raw.lower() == "true"
