"""Our client against the emulator: every call, every error class, retries, signing, secrets."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from reconciler.errors import ConfigError
from reconciler.neptune import (
    BadRequestError,
    NeptuneClient,
    NotFoundError,
    ServerError,
    ThrottledError,
    make_client,
)
from reconciler.neptune.client import RetryPolicy

from ..helpers import Emu, run

BODY = {"dataProcessingJobId": "dp-1", "trainModelS3Location": "s3://bkt/models"}
SECRETS = ("fake-secret-never-printed", "fake-session-token-never-printed")


def client(emu: Emu, **kw: Any) -> tuple[NeptuneClient, list[float]]:
    sleeps: list[float] = []
    c = make_client(emu.url, **kw)
    c.sleep = sleeps.append  # record backoff instead of waiting
    c.rng.seed(1)
    return c, sleeps


def test_every_call(emu: Emu) -> None:
    c, _ = client(emu)
    dp = c.create(
        "dataprocessing",
        {
            "id": "dp-1",
            "inputDataS3Location": "s3://bkt/in",
            "processedDataS3Location": "s3://bkt/out",
        },
    )
    assert dp["id"] == "dp-1"
    assert c.get("dataprocessing", "dp-1")["status"] == "InProgress"
    assert c.list_ids("dataprocessing", 5) == ["dp-1"]
    emu.advance(61)
    body = {
        **BODY,
        "id": "j-1",
        "modelName": "rgcn",
        "maxWaitTime": 90000,
        "enableManagedSpotTraining": True,
        "enableInterContainerTrafficEncryption": True,
        "neptuneIamRoleArn": "arn:aws:iam::123456789012:role/N",
    }
    assert c.create_training_job(body)["id"] == "j-1"
    post = emu.log("POST")[-1]
    assert post["body"]["modelName"] == "rgcn" and post["body"]["maxWaitTime"] == 90000
    assert post["body"]["neptuneIamRoleArn"] == body["neptuneIamRoleArn"]
    assert c.get_training_job("j-1", role_arn=body["neptuneIamRoleArn"])["status"] == "InProgress"
    assert emu.log("GET")[-1]["query"] == {"neptuneIamRoleArn": body["neptuneIamRoleArn"]}
    assert c.list_training_jobs(1024) == ["j-1"]
    assert c.stop_training_job("j-1", clean=True, role_arn=body["neptuneIamRoleArn"]) == {
        "status": "Stopping"
    }
    assert emu.log("DELETE")[-1]["query"] == {
        "clean": "true",
        "neptuneIamRoleArn": body["neptuneIamRoleArn"],
    }


@pytest.mark.parametrize("max_items", [0, 1025, -1])
def test_list_range_is_checked_client_side(emu: Emu, max_items: int) -> None:
    c, _ = client(emu)
    with pytest.raises(ConfigError, match="out of range"):
        c.list_training_jobs(max_items)
    assert emu.log() == []


@pytest.mark.parametrize("twin", [False, True], ids=["404", "400-twin"])
def test_missing_job_both_ways(emu: Emu, twin: bool) -> None:
    """A missing id comes back as 404 MLResourceNotFoundException, or as its 400 twin: both are
    'not found', for a GET and for a stop."""
    emu.options(not_found_400=twin)
    c, _ = client(emu)
    for call in (lambda: c.get_training_job("nope"), lambda: c.stop_training_job("nope")):
        with pytest.raises(NotFoundError) as info:
            call()
        expected = (400, "InvalidParameterException") if twin else (404, "MLResourceNotFoundException")
        assert (info.value.status, info.value.code) == expected
        assert info.value.request_id and info.value.request_id in str(info.value)


def test_duplicate_and_bad_requests(emu: Emu) -> None:
    emu.seed_dp("dp-1")
    c, _ = client(emu)
    c.create_training_job({**BODY, "id": "dup"})
    # Refused with a message only the service's wording explains: the client asks the id instead.
    again = c.create_training_job({**BODY, "id": "dup"})
    assert again["resolvedByGet"] and again["existedBefore"] and again["status"] == "InProgress"
    with pytest.raises(BadRequestError, match="Invalid modelName"):  # a real refusal stays one
        c.create_training_job({**BODY, "id": "other", "modelName": "nope"})
    with pytest.raises(BadRequestError, match="MissingParameterException"):
        c.create_training_job({"id": "x", "dataProcessingJobId": "dp-1"})
    emu.advance(61)
    with pytest.raises(BadRequestError, match="already completed or failed"):
        c.stop_training_job("dup")


def test_server_messages_are_cut(emu: Emu) -> None:
    c, _ = client(emu)
    with pytest.raises(BadRequestError) as info:
        c.create_training_job({**BODY, "id": "x" * 5000})
    assert len(str(info.value)) < 400


def test_retries_on_5xx_then_succeeds(emu: Emu) -> None:
    emu.seed_dp("dp-1")
    emu.faults(error_rate=0.5, seed=3)
    c, sleeps = client(emu)
    for _ in range(10):
        c.get("dataprocessing", "dp-1")
    assert len(emu.log("GET")) > 10 and sleeps


def test_bounded_attempts(emu: Emu) -> None:
    emu.faults(error_rate=1.0)
    c, sleeps = client(emu)
    c.retry = RetryPolicy(attempts=4)
    with pytest.raises(ServerError, match="InternalFailureException"):
        c.list_training_jobs()
    assert len(emu.log("GET")) == 4 and len(sleeps) == 3
    assert all(s <= 10.0 for s in sleeps)


def test_retry_after_is_honoured(emu: Emu) -> None:
    emu.faults(throttle_rps=1.0)
    c, sleeps = client(emu)
    c.retry = RetryPolicy(attempts=2)
    for _ in range(5):
        try:
            c.list_training_jobs()
        except ThrottledError:
            pass
    assert sleeps and min(sleeps) >= 1.0


def test_create_without_id_is_never_retried(emu: Emu) -> None:
    emu.seed_dp("dp-1")
    emu.faults(error_rate=1.0)
    c, _ = client(emu)
    with pytest.raises(ServerError):
        c.create_training_job(BODY)
    assert len(emu.log("POST")) == 1


def test_retried_creates_never_duplicate(emu: Emu) -> None:
    """Lost answers and 5xx: every job is created exactly once, with the id asked for."""
    emu.seed_dp("dp-1")
    emu.faults(error_rate=0.2, drop_rate=0.3, seed=11)
    c, _ = client(emu)
    c.retry = RetryPolicy(attempts=10)
    results = [c.create_training_job({**BODY, "id": f"job-{i}"}) for i in range(20)]
    emu.faults(error_rate=0.0, drop_rate=0.0)
    assert sorted(emu.training_ids()) == sorted(f"job-{i}" for i in range(20))
    assert len(emu.log("POST")) > 20  # retries really happened
    assert any(r.get("resolvedByGet") for r in results)


def test_transport_errors_are_retried_and_named(tmp_path: Path) -> None:
    c = make_client("http://127.0.0.1:9", retry=RetryPolicy(attempts=2))
    c.sleep = lambda s: None
    with pytest.raises(
        ServerError, match=r"GET /ml/modeltraining: connection failed \(ConnectionRefusedError\)"
    ):
        c.list_training_jobs()


def test_non_neptune_endpoint_is_not_mistaken_for_a_missing_job(s3_endpoint: str) -> None:
    c = make_client(s3_endpoint)
    with pytest.raises(BadRequestError, match="without a Neptune error envelope") as info:
        c.get_training_job("some-job")
    assert not isinstance(info.value, NotFoundError)


@pytest.mark.parametrize(
    ("endpoint", "insecure", "ok"),
    [
        ("http://127.0.0.1:8182", False, True),
        ("http://localhost:8182", False, True),
        ("http://[::1]:8182", False, True),
        ("http://neptune.example.com:8182", False, False),
        ("http://neptune.example.com:8182", True, True),
        ("https://neptune.example.com:8182", False, True),
        ("ftp://neptune.example.com", True, False),
    ],
)
def test_plain_http_only_to_loopback(endpoint: str, insecure: bool, ok: bool) -> None:
    if ok:
        assert make_client(endpoint, insecure=insecure).endpoint == endpoint
    else:
        with pytest.raises(ConfigError):
            make_client(endpoint, insecure=insecure)


def test_signing_headers_with_iam_only(emu: Emu) -> None:
    unsigned, _ = client(emu, auth="none")
    signed, _ = client(emu, auth="iam", region="eu-west-1")
    unsigned.list_training_jobs()
    signed.list_training_jobs()
    assert [e["signed"] for e in emu.log("GET")] == [False, True]


def test_signature_is_sigv4_for_neptune_db(emu: Emu) -> None:
    seen: dict[str, str] = {}
    c, _ = client(emu, auth="iam", region="eu-west-1")
    sign = c.wire.auth.sign

    def capture(*args: Any) -> dict[str, str]:
        headers: dict[str, str] = sign(*args)
        seen.update(headers)
        return headers

    c.wire.auth.sign = capture
    c.list_training_jobs()
    assert seen["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIAFAKEFAKEFAKE0000/")
    assert "/eu-west-1/neptune-db/aws4_request" in seen["Authorization"]
    assert seen["X-Amz-Security-Token"] == "fake-session-token-never-printed"
    assert emu.log("GET")[-1]["signed"]  # and they went out with the request


def test_credentials_never_logged_or_printed(emu: Emu, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    emu.faults(error_rate=0.5, seed=5)
    c, _ = client(emu, auth="iam")
    c.list_training_jobs()
    try:
        c.get_training_job("nope")
    except NotFoundError as e:
        message = str(e)
    assert "reconciler.http" in {r.name for r in caplog.records}
    text = caplog.text + message + repr(c.wire.auth)
    for secret in (*SECRETS, "Signature=", "AWS4-HMAC", "Authorization"):
        assert secret not in text
    r = run("jobs", "get", "nope", "--endpoint", emu.url, "--auth", "iam")
    assert r.code == 1 and not any(s in r.out + r.err for s in SECRETS)


def test_iam_without_credentials_is_a_clear_error(emu: Emu, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var)
    r = run("jobs", "list", "--endpoint", emu.url, "--auth", "iam")
    assert r.code == 1 and r.err.startswith("error: auth: iam but no AWS credentials were found")


# -- the imperative commands --------------------------------------------------------------
def test_jobs_commands(emu: Emu, tmp_path: Path) -> None:
    emu.seed_dp("dp-1")
    body = tmp_path / "body.json"
    body.write_text('{"id": "op-1", "dataProcessingJobId": "dp-1", "trainModelS3Location": "s3://bkt/m"}')
    ep = ("--endpoint", emu.url)
    assert run("jobs", "create", "--from-file", str(body), *ep).lines == ["created op-1"]
    listed = run("jobs", "list", *ep).lines
    assert [line.split() for line in listed] == [
        ["ID", "STATUS", "HPO", "MODELS", "MANIFEST"],
        ["op-1", "InProgress", "-", "0", "-"],  # processing runs first; a hand-made id names no manifest
    ]
    assert json.loads(run("jobs", "list", "--format", "json", *ep).out) == {
        "ids": ["op-1"],
        "jobs": [
            {
                "id": "op-1",
                "status": "InProgress",
                "hpoStatus": None,
                "models": 0,
                "manifest": None,
                "failureReason": None,
            }
        ],
    }
    get = run("jobs", "get", "op-1", *ep)
    assert get.lines[:3] == [
        "id:         op-1",
        "status:     InProgress",
        "processing: InProgress op-1-processing",
    ]
    assert run("jobs", "stop", "op-1", "--clean", *ep).lines == ["op-1: Stopping (clean)"]
    assert run("jobs", "get", "op-1", "-f", "json", *ep).out.count('"Stopping"') >= 1


def test_jobs_errors_are_one_line(emu: Emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "x",}')
    r = run("jobs", "create", "--from-file", str(bad), "--endpoint", emu.url)
    assert (r.code, r.err) == (
        1,
        f"error: {bad}:1:12: invalid JSON: Expecting property name enclosed in double quotes\n",
    )
    r = run("jobs", "get", "nope", "--endpoint", emu.url)
    assert r.code == 1 and len(r.err.splitlines()) == 1
    assert r.err.startswith(
        "error: GET /ml/modeltraining/nope: MLResourceNotFoundException: No model training job found with id nope"
    )
    r = run("jobs", "list", "--max-items", "2000", "--endpoint", emu.url)
    assert r.code == 1 and "out of range" in r.err
    r = run("jobs", "list")
    assert (
        r.err
        == "error: no Neptune endpoint configured (pass --endpoint URL, set NEPTUNE_ENDPOINT, or put `endpoint:` in reconciler.yaml)\n"
    )
    monkeypatch.setenv("NEPTUNE_ENDPOINT", emu.url)
    assert run("jobs", "list").code == 0
    r = run("jobs", "list", "--endpoint", "http://neptune.example.com:8182")
    assert r.code == 1 and "refusing plain http://" in r.err


def test_read_timeouts_are_retried_then_reported(emu: Emu) -> None:
    emu.faults(latency_ms=400.0)
    c, sleeps = client(emu)
    c.timeout = (2.0, 0.1)
    c.retry = RetryPolicy(attempts=3)
    with pytest.raises(ServerError, match=r"GET /ml/modeltraining: timed out waiting for the answer \(check"):
        c.list_training_jobs()
    assert len(sleeps) == 2


def test_an_answer_without_the_promised_fields_is_an_error_not_an_empty_cluster() -> None:
    """A proxy or a wrong service answering {} to everything must never plan 'in sync'."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from reconciler.neptune import ApiError

    class Empty(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        do_GET = do_POST = do_DELETE = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Empty)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = make_client(f"http://127.0.0.1:{server.server_address[1]}")
        calls = {
            "status": lambda: client.get_training_job("j"),
            "ids": lambda: client.list_training_jobs(10),
            "id": lambda: client.create_training_job({"dataProcessingJobId": "d"}),
        }
        for key, call in calls.items():
            with pytest.raises(ApiError, match=f"the answer has no '{key}'"):
                call()
        with pytest.raises(ApiError, match="the answer has no 'status'"):
            client.get("dataprocessing", "d")
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("where", ["headers", "body"])
def test_a_trickling_server_cannot_hold_a_call_past_its_deadline(where: str) -> None:
    """One byte every 0.1 s never trips a read timeout; the call's own deadline ends it."""
    import socket
    import threading
    import time

    from reconciler.neptune.client import RetryPolicy

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n"

    def trickle(conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            data = head + b" " * 200 if where == "headers" else head
            if where == "body":
                conn.sendall(head)
                data = b" " * 200
            for i in range(len(data)):
                if stop.wait(0.1):
                    return
                try:
                    conn.sendall(data[i : i + 1])
                except OSError:
                    return

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=trickle, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        client = make_client(
            f"http://127.0.0.1:{listener.getsockname()[1]}", retry=RetryPolicy(attempts=2, total=5)
        )
        client.deadline, client.sleep = 1.0, lambda s: None
        began = time.monotonic()
        with pytest.raises(ServerError, match=r"timed out \(no complete answer within 1s\)"):
            client.get_training_job("j")
        assert time.monotonic() - began < 4  # two attempts of 1 s each, not 20 s of trickle
    finally:
        stop.set()
        listener.close()


def test_a_5xx_naming_a_missing_resource_is_a_server_error_never_not_found(emu: Emu) -> None:
    """A 5xx whose body carries MLResourceNotFoundException is a failing server, not evidence that
    the job is gone (it used to count as vanished: a recreate while the job existed)."""
    emu.seed_dp("dp-1")
    emu.faults(error_rate=1.0, error_status=503, error_code="MLResourceNotFoundException")
    c, _ = client(emu)
    c.retry = RetryPolicy(attempts=2)
    with pytest.raises(ServerError, match="MLResourceNotFoundException"):
        c.get("dataprocessing", "dp-1")


def test_an_unsigned_request_refused_says_to_set_auth_iam(emu: Emu) -> None:
    emu.options(auth_keys={"AKIAFAKEFAKEFAKE0000": "fake-secret-never-printed-0000000000000"})
    c, _ = client(emu)
    with pytest.raises(BadRequestError) as info:
        c.list_training_jobs()
    assert info.value.status == 403 and "set `auth: iam`" in (info.value.hint or "")
    signed, _ = client(emu, auth="iam")
    assert signed.list_training_jobs() == []


def test_a_200_with_an_empty_body_to_a_delete_is_a_success(emu: Emu) -> None:
    emu.seed_dp("dp-1")
    emu.options(empty_delete=True)
    c, _ = client(emu)
    c.create_training_job({**BODY, "id": "j-empty"})
    assert c.stop_training_job("j-empty") == {}
    assert c.get_training_job("j-empty")["status"] == "Stopping"


def test_a_proxy_the_environment_names_carries_the_calls(emu: Emu, monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTP_PROXY is honoured (read once, NO_PROXY too): each call goes to the proxy, which forwards it."""
    import http.client
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import urlsplit

    seen: list[str] = []

    class Forward(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's naming
            seen.append(self.path)  # absolute-form: the proxy is told where to go
            target = urlsplit(self.path)
            upstream = http.client.HTTPConnection(target.hostname or "", target.port, timeout=10)
            upstream.request("GET", target.path + (f"?{target.query}" if target.query else ""))
            answer = upstream.getresponse()
            body = answer.read()
            upstream.close()
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    proxy = ThreadingHTTPServer(("127.0.0.1", 0), Forward)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        via = make_client(emu.url)
        assert via.list_training_jobs() == []
        assert seen == [f"{emu.url}/ml/modeltraining?maxItems=10"]
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        direct = make_client(emu.url)
        assert direct.list_training_jobs() == [] and len(seen) == 1  # bypassed
        for c in (via, direct):
            c.wire.close()
    finally:
        proxy.shutdown()
        proxy.server_close()
