"""Shared fixtures: a guarded environment, the emulator and moto's S3 on loopback, workspaces.

Helpers the tests call live in ``tests/helpers.py``; this file only declares fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.emulator import Emulator, LocalArtifacts, Options, S3Artifacts

from .helpers import Emu, Workspace

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


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path


# -- servers: the emulator and moto's S3, started once per session on loopback ----------
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


@pytest.fixture
def ws(in_tmp: Path, emu: Emu, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("NEPTUNE_ENDPOINT", emu.url)
    monkeypatch.setenv("RECONCILER_STATE", str(in_tmp / ".reconciler" / "state.json"))
    return Workspace(in_tmp, emu)


@pytest.fixture
def ws_s3(ws: Workspace, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    """A workspace whose emulator writes what its jobs make (metrics files, exports) to moto's S3,
    and whose reconciler reads S3 there; the emulator's own artifacts come back afterwards."""
    store = ws.emu.emulator.store
    before = store.artifacts
    store.artifacts = S3Artifacts(s3_endpoint, "us-east-1")
    monkeypatch.setenv("RECONCILER_S3_ENDPOINT", s3_endpoint)
    yield ws
    store.artifacts = before
