"""Shared fixtures: a guarded environment, CLI runner helpers, manifest builders."""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reconciler.cli.app import app

_GUARDED_PREFIXES = ("AWS_", "NEPTUNE_", "RECONCILER_", "GITHUB_")
_PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test can reach a real AWS account: credentials are fake, config files absent."""
    for key in list(os.environ):
        if key.startswith(_GUARDED_PREFIXES) or key in _PROXIES:
            monkeypatch.delenv(key, raising=False)
    home = tmp_path_factory.mktemp("aws-home")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFAKEFAKE0000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake-secret-never-printed-0000000000000")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "fake-session-token-never-printed")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("NO_PROXY", "*")
    monkeypatch.setenv("NO_COLOR", "1")


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


def run(*args: str, input: str | None = None) -> Result:
    """Invoke the CLI in-process, the way a user would, and return exit code and streams."""
    result = CliRunner().invoke(app, list(args), input=input, catch_exceptions=False)
    return Result(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def manifest(
    name: str = "fraud-rgcn", spec: str = "", policy: str = "", labels: str = "", dp: str | None = None
) -> str:
    """A valid manifest; ``spec``/``policy`` add indented lines under their sections."""
    text = textwrap.dedent(
        f"""\
        apiVersion: neptune-ml.reconciler/v1
        kind: ModelTrainingJob
        metadata:
          name: {name}
        {labels and "  labels: " + labels}
        spec:
          dataProcessingJobId: {dp or "dp-" + name}
          trainModelS3Location: s3://ml-artifacts/{name}
        """
    )
    text = text.replace("\n\n", "\n")
    if spec:
        text += textwrap.indent(textwrap.dedent(spec).strip("\n"), "  ") + "\n"
    if policy:
        text += "policy:\n" + textwrap.indent(textwrap.dedent(policy).strip("\n"), "  ") + "\n"
    return text


# -- servers: the emulator and moto's S3, started once per session on loopback ----------
from typing import Any  # noqa: E402

import requests  # noqa: E402

from reconciler.emulator import Emulator, LocalArtifacts, Options  # noqa: E402


class Emu:
    """The running emulator plus its admin API, reset before each test that asks for it."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.url = emulator.url
        self.http = requests.Session()
        self.http.trust_env = False

    def admin(self, method: str, route: str, **body: Any) -> Any:
        r = self.http.request(method, f"{self.url}/__emulator/{route}", json=body or None, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def reset(self) -> None:
        self.admin("POST", "reset")
        self.admin(
            "POST",
            "faults",
            latency_ms=0.0,
            error_rate=0.0,
            throttle_rps=0.0,
            drop_rate=0.0,
            seed=0,
        )

    def seed_dp(self, job_id: str, status: str = "Completed") -> None:
        self.admin("POST", "dataprocessing", id=job_id, status=status)

    def advance(self, seconds: float) -> None:
        self.admin("POST", "advance", seconds=seconds)

    def fail(self, job_id: str, reason: str | None = None) -> None:
        self.admin("POST", "fail", id=job_id, reason=reason)

    def delete(self, job_id: str) -> None:
        self.admin("POST", "delete", id=job_id)

    def faults(self, **config: Any) -> None:
        self.admin("POST", "faults", **config)

    def log(self, method: str | None = None, path_prefix: str = "/ml/") -> list[dict[str, Any]]:
        entries = self.admin("GET", "requests")["requests"]
        return [e for e in entries if e["path"].startswith(path_prefix) and method in (None, e["method"])]

    def status(self, job_id: str) -> str:
        r = self.http.get(f"{self.url}/ml/modeltraining/{job_id}", timeout=10)
        return str(r.json().get("status", f"HTTP {r.status_code}"))

    def training_ids(self) -> list[str]:
        r = self.http.get(f"{self.url}/ml/modeltraining", params={"maxItems": 1024}, timeout=10)
        return list(r.json()["ids"])


@pytest.fixture(scope="session")
def emulator_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    artifacts = LocalArtifacts(str(tmp_path_factory.mktemp("artifacts")))
    emulator = Emulator(Options(job_seconds=60.0, stop_seconds=1.0), artifacts=artifacts)
    emulator.start("127.0.0.1", 0)
    yield emulator
    emulator.stop()


@pytest.fixture
def emu(emulator_server: Emulator) -> Emu:
    handle = Emu(emulator_server)
    handle.reset()
    return handle


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint: str) -> Any:
    """A botocore S3 client on moto's server (fake credentials from clean_environ)."""
    import botocore.session

    return botocore.session.get_session().create_client(
        "s3", endpoint_url=s3_endpoint, region_name="us-east-1"
    )


class Workspace:
    """A repository on disk (specs/ and a local ledger) pointed at the emulator by env vars."""

    def __init__(self, root: Path, emu: Emu) -> None:
        self.root, self.emu = root, emu
        self.specs = root / "specs"
        self.specs.mkdir()
        self.state = root / ".reconciler" / "state.json"

    def write(
        self, name: str, spec: str = "", policy: str = "", labels: str = "", dp: str | None = None
    ) -> None:
        (self.specs / f"{name}.yaml").write_text(manifest(name, spec, policy, labels, dp))

    def remove(self, name: str) -> None:
        (self.specs / f"{name}.yaml").unlink()

    def plan_json(self, *args: str) -> dict[str, Any]:
        r = run("plan", "--format", "json", *args)
        assert r.code in (0, 2), r.err
        doc: dict[str, Any] = json.loads(r.out)
        return doc

    def actions(self, *args: str) -> dict[str, str]:
        return {a["name"]: a["action"] for a in self.plan_json(*args)["actions"]}

    def apply(self, *args: str) -> Result:
        return run("apply", "--auto-approve", *args)

    def ledger(self) -> Any:
        from reconciler.state import open_state

        return open_state(str(self.state)).load()

    def current(self, name: str) -> str:
        cur = self.ledger().current(name)
        assert cur is not None
        return str(cur["jobId"])


@pytest.fixture
def ws(in_tmp: Path, emu: Emu, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("NEPTUNE_ENDPOINT", emu.url)
    monkeypatch.setenv("RECONCILER_STATE", str(in_tmp / ".reconciler" / "state.json"))
    return Workspace(in_tmp, emu)
