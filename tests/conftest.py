"""Shared fixtures: a guarded environment, CLI runner helpers, manifest builders."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reconciler.cli import app

_GUARDED_PREFIXES = ("AWS_", "NEPTUNE_", "RECONCILER_", "GITHUB_")
_PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture(autouse=True)
def clean_environ(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
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


def manifest(name: str = "fraud-rgcn", spec: str = "", policy: str = "", labels: str = "") -> str:
    """A valid manifest; ``spec``/``policy`` add indented lines under their sections."""
    text = textwrap.dedent(
        f"""\
        apiVersion: neptune-ml.reconciler/v1
        kind: ModelTrainingJob
        metadata:
          name: {name}
        {labels and "  labels: " + labels}
        spec:
          dataProcessingJobId: dp-{name}
          trainModelS3Location: s3://ml-artifacts/{name}
        """
    )
    text = text.replace("\n\n", "\n")
    if spec:
        text += textwrap.indent(textwrap.dedent(spec).strip("\n"), "  ") + "\n"
    if policy:
        text += "policy:\n" + textwrap.indent(textwrap.dedent(policy).strip("\n"), "  ") + "\n"
    return text
