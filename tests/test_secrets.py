"""Credentials are never printed, logged or stored: recognisable fake ones go through a full
lifecycle (IAM signing, S3 state, saved plans, errors, --debug tracebacks), and every output,
the S3 objects and the plan file are searched for them."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from .helpers import Workspace, run

KEY_ID = "AKIARECOGNISABLE0001"
SECRET = "SecretRecognisable/0123456789abcdefGHIJKLMNOP"
TOKEN = "TokenRecognisable+0123456789abcdefGHIJKLMNOPqrstuvwxyz0123456789/ABCDEFGH=="


class _Echo(BaseHTTPRequestHandler):
    """A hostile 'cluster' that echoes the request's headers back in its error message."""

    def do_GET(self) -> None:
        body = json.dumps(
            {"code": "BadRequestException", "detailedMessage": f"bad request {dict(self.headers)}"}
        )
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def echo() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_no_output_or_stored_object_holds_a_credential(
    ws: Workspace, s3: Any, s3_endpoint: str, echo: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN + "\n")  # as `$(cat token-file)` leaves it
    bucket = f"state-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    monkeypatch.setenv("RECONCILER_STATE", f"s3://{bucket}/state.json")
    ws.emu.seed_dp("dp-m")
    ws.write(
        "m", spec="customModelTrainingParameters: {sourceS3DirectoryPath: 's3://src/m'}\nmodelName: custom"
    )
    s3.create_bucket(Bucket="src")
    for name in ("training.py", "transform.py", "model-hpo-configuration.json"):
        s3.put_object(Bucket="src", Key=f"m/{name}", Body=b"x")
    common = ("--auth", "iam", "--s3-endpoint", s3_endpoint)
    plan_file = tmp_path / "plan.json"
    results = [
        run("validate"),
        run("plan", *common, "--out", str(plan_file)),
        run("apply", *common, "--plan", str(plan_file)),
        run("status", *common),
        run("state", "show", "--s3-endpoint", s3_endpoint),
        run("jobs", "list", "--auth", "iam"),
        run("jobs", "get", "nope", "--auth", "iam", "--endpoint", echo),
        run("--debug", "jobs", "get", "nope", "--auth", "iam", "--endpoint", echo),
        run("plan", "--endpoint", f"https://admin:{SECRET}@cluster.example:8182"),
    ]
    assert [r.code for r in results[:6]] == [0, 2, 0, 0, 0, 0], [r.err for r in results]
    assert all(r.code == 1 for r in results[6:]), [r.err for r in results[6:]]
    assert "bad request" in results[6].err  # the echoed error does arrive, without the secrets
    signed = [e for e in ws.emu.log() if e["signed"]]
    assert signed, "the calls were signed"
    texts = [r.out + r.err for r in results] + [plan_file.read_text()]
    for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        texts.append(s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read().decode())
    for text in texts:
        for secret in (SECRET, TOKEN, TOKEN[:40], KEY_ID):
            assert secret not in text, text[:2000]


def test_a_credential_with_a_control_character_inside_is_a_clear_error(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", "Token\x1bRecognisable0123456789")
    ws.emu.seed_dp("dp-m")
    ws.write("m")
    r = run("plan", "--auth", "iam")
    assert r.code == 1 and r.err == (
        "error: the AWS session token contains a control character; it was not used (set it again as one "
        "line of text (AWS_PROFILE, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN))\n"
    )
