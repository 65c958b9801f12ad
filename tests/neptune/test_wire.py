"""The wire on real sockets: TLS verified against the CA bundle and the name the request is for
(through a tunnel too), a refused certificate said once with what to do, https through a proxy's
CONNECT with its credentials, keep-alive connections kept and a closed one replaced unseen."""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import select
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from reconciler.errors import ConfigError
from reconciler.neptune import ApiError, NeptuneClient, ServerError, make_client


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _certificates(folder: Path, names: list[str]) -> tuple[Path, Path, Path]:
    """A CA (its PEM), and a server certificate it signed for ``names`` (PEM, key)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder().subject_name(_name("test CA")).issuer_name(_name("test CA"))
        .public_key(ca_key.public_key()).serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    alt: list[x509.GeneralName] = []
    for n in names:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            alt.append(x509.DNSName(n))
    leaf = (
        x509.CertificateBuilder().subject_name(_name(names[0])).issuer_name(ca.subject)
        .public_key(key.public_key()).serial_number(2)
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


@dataclass
class Seen:
    connections: int = 0  # accepted (a failed handshake counts)
    hosts: list[str] = field(default_factory=list)
    close_after_answer: bool = False  # hang up after each answer, without saying so


class _Cluster(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    seen: Seen

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's naming
        self.seen.hosts.append(self.headers.get("Host", ""))
        body = json.dumps({"ids": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if self.seen.close_after_answer:
            self.close_connection = True

    def log_message(self, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, seen: Seen, tls: ssl.SSLContext | None) -> None:
        handler = type("Cluster", (_Cluster,), {"seen": seen})
        super().__init__(("127.0.0.1", 0), handler)
        self.seen, self.tls = seen, tls

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = self.socket.accept()
        self.seen.connections += 1
        if self.tls is None:
            return sock, addr
        try:
            return self.tls.wrap_socket(sock, server_side=True), addr
        except (ssl.SSLError, OSError):
            sock.close()
            raise


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    servers: list[_Server] = []

    def start(names: list[str] | None = None, **seen: Any) -> tuple[int, Seen, Path]:
        """A server (TLS with a certificate for ``names``, plain without): its port, what it saw, the CA."""
        got = Seen(**seen)
        tls, ca = None, tmp_path / "none.pem"
        if names is not None:
            ca, cert, key = _certificates(tmp_path, names)
            tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls.load_cert_chain(cert, key)
        server = _Server(got, tls)
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server.server_address[1], got, ca

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _client(endpoint: str, **kw: Any) -> tuple[NeptuneClient, list[float]]:
    sleeps: list[float] = []
    c = make_client(endpoint, **kw)
    c.sleep = sleeps.append
    return c, sleeps


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)


def test_https_is_verified_against_the_bundle_and_one_connection_carries_the_calls(
    serve: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    port, seen, ca = serve(["localhost"])
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))
    c, sleeps = _client(f"https://localhost:{port}")
    for _ in range(3):
        assert c.list_training_jobs() == []
    assert seen.connections == 1  # kept alive
    assert seen.hosts == [f"localhost:{port}"] * 3
    assert sleeps == []
    c.wire.close()


def test_an_untrusted_certificate_is_refused_once_and_says_what_to_do(serve: Any) -> None:
    port, seen, _ = serve(["localhost"])  # its CA is not in certifi's bundle
    c, sleeps = _client(f"https://localhost:{port}")
    with pytest.raises(ApiError) as caught:
        c.list_training_jobs()
    assert not isinstance(caught.value, ServerError)  # not retried: another try can't change it
    message = str(caught.value)
    assert "TLS refused the connection: the server's certificate is not trusted (" in message, message
    assert "REQUESTS_CA_BUNDLE" in (caught.value.hint or "")
    assert seen.connections == 1 and sleeps == [] and seen.hosts == []
    assert "\n" not in message


def test_a_certificate_for_another_name_is_refused(serve: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    port, seen, ca = serve(["neptune.test"])
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))
    c, _ = _client(f"https://127.0.0.1:{port}")
    with pytest.raises(ApiError, match="TLS refused the connection: .*(mismatch|not valid for)"):
        c.list_training_jobs()
    assert seen.hosts == []


def test_a_tunnel_connects_elsewhere_and_verifies_the_clusters_name(
    serve: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    port, seen, ca = serve(["my-cluster.cluster-abc.us-east-1.neptune.amazonaws.com"])
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))
    cluster = "https://my-cluster.cluster-abc.us-east-1.neptune.amazonaws.com:8182"
    c, _ = _client(cluster, connect_to=f"127.0.0.1:{port}")
    assert c.list_training_jobs() == []
    assert seen.hosts == ["my-cluster.cluster-abc.us-east-1.neptune.amazonaws.com:8182"]
    other, _ = _client("https://other.example.com:8182", connect_to=f"127.0.0.1:{port}")
    with pytest.raises(ApiError, match="TLS refused"):
        other.list_training_jobs()
    c.wire.close()


def test_a_plain_port_named_https_is_refused_with_the_hint(serve: Any) -> None:
    port, _, _ = serve()  # plain HTTP on that port
    c, sleeps = _client(f"https://localhost:{port}")
    with pytest.raises(ApiError, match="TLS refused the connection") as caught:
        c.list_training_jobs()
    assert "TLS handshake failed" in str(caught.value)
    assert "https:// one" in (caught.value.hint or "") and sleeps == []


def test_a_connection_the_server_closed_is_replaced_without_an_error(serve: Any) -> None:
    port, seen, _ = serve(close_after_answer=True)
    c, sleeps = _client(f"http://127.0.0.1:{port}")
    for _ in range(3):
        assert c.list_training_jobs() == []
        # the server's hang-up reaches the idle connection before the next call
        sock = c.wire._origins[f"http://127.0.0.1:{port}"][0]._idle[0].sock
        assert select.select([sock], [], [], 5)[0]
    assert seen.connections == 3 and sleeps == []  # a new connection each time, no retry


class _Connect(BaseHTTPRequestHandler):
    """A forward proxy's CONNECT: the tunnel's bytes piped both ways."""

    asked: list[tuple[str, str]]

    def do_CONNECT(self) -> None:  # noqa: N802 - the stdlib's naming
        self.asked.append((self.path, self.headers.get("Proxy-Authorization", "")))
        host, _, port = self.path.rpartition(":")
        upstream = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        ends = [self.connection, upstream]
        try:
            while True:
                ready, _, _ = select.select(ends, [], [], 10)
                if not ready:
                    return
                for end in ready:
                    data = end.recv(65536)
                    if not data:
                        return
                    (upstream if end is self.connection else self.connection).sendall(data)
        finally:
            upstream.close()

    def log_message(self, *args: Any) -> None:
        pass


def test_https_through_a_proxy_is_a_connect_tunnel_with_the_proxys_credentials(
    serve: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    port, seen, ca = serve(["localhost"])
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))
    asked: list[tuple[str, str]] = []
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), type("Connect", (_Connect,), {"asked": asked}))
    proxy.daemon_threads = True
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("HTTPS_PROXY", f"http://ops:p%40ss@127.0.0.1:{proxy.server_address[1]}")
        monkeypatch.setenv("NO_PROXY", "")
        c, _ = _client(f"https://localhost:{port}")
        assert c.list_training_jobs() == [] and c.list_training_jobs() == []
        assert asked == [(f"localhost:{port}", "Basic " + base64.b64encode(b"ops:p@ss").decode())]
        assert seen.hosts == [f"localhost:{port}"] * 2  # TLS end to end, through one tunnel
        c.wire.close()
        monkeypatch.setenv("HTTPS_PROXY", f"https://127.0.0.1:{proxy.server_address[1]}")
        with pytest.raises(ConfigError, match="https:// one: TLS inside TLS is not supported"):
            make_client(f"https://localhost:{port}")
    finally:
        proxy.shutdown()
        proxy.server_close()


class _Canned:
    """A raw server: every request on a connection gets ``answer``'s bytes; ``close``: then hang up."""

    def __init__(self, answer: bytes, close: bool = False) -> None:
        self.answer, self.close, self.connections = answer, close, 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            asked = b""
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                asked += data
                while b"\r\n\r\n" in asked:
                    _, asked = asked.split(b"\r\n\r\n", 1)
                    conn.sendall(self.answer)
                    if self.close:
                        return


def test_answers_are_read_as_http_allows_chunks_folds_repeats_and_bodies_to_the_close() -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
        b"X-Amzn-RequestId: one\r\nx-amzn-requestid: two\r\nX-Note: folded\r\n  on two lines\r\n\r\n"
        b"5\r\n{\"ids\r\n7\r\n\": [\"a\"\r\n1\r\n]\r\n1\r\n}\r\n0\r\n\r\n"
    )  # fmt: skip
    server = _Canned(chunked)
    c, _ = _client(f"http://127.0.0.1:{server.port}")
    assert c.list_training_jobs() == ["a"] and c.list_training_jobs() == ["a"]
    assert server.connections == 1  # a chunked answer keeps the connection
    answer = c.wire.request("GET", f"http://127.0.0.1:{server.port}/x", query=None, body=None, timeout=(5, 5))
    assert answer.headers.get("x-amzn-requestid", "") == "one, two"
    assert answer.headers.get("X-Note", "") == "folded on two lines"
    assert answer.headers.get("Content-Type", "") == "application/json"
    to_close = _Canned(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"ids": ["b"]}', close=True)
    c2, sleeps = _client(f"http://127.0.0.1:{to_close.port}")
    assert c2.list_training_jobs() == ["b"] and c2.list_training_jobs() == ["b"]
    assert to_close.connections == 2 and sleeps == []  # no length: read to the close, not reused


def test_a_garbled_answer_is_a_failed_call_not_a_crash() -> None:
    server = _Canned(b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n{}", close=True)
    c, sleeps = _client(f"http://127.0.0.1:{server.port}")
    with pytest.raises(ServerError, match=r"connection failed \(HTTPException\)"):
        c.list_training_jobs()
    assert len(sleeps) == c.retry.attempts - 1  # retried as any broken answer is
    flood = _Canned(b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 101 + b"\r\n", close=True)
    c, _ = _client(f"http://127.0.0.1:{flood.port}")
    with pytest.raises(ServerError, match="connection failed"):
        c.list_training_jobs()
