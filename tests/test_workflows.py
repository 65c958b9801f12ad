"""The example workflows: the PR plan step fails the check on an error, a bug or an interrupt,
never only on exit 1 (exit 3 and 130 counted as success)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def plan_step() -> str:
    doc = yaml.safe_load((ROOT / "examples" / "github" / "reconciler-pr.yml").read_text())
    (step,) = [s for s in doc["jobs"]["plan"]["steps"] if s.get("id") == "plan"]
    return str(step["run"])


@pytest.mark.parametrize(("code", "passes"), [(0, True), (2, True), (1, False), (3, False), (130, False)])
def test_the_pr_plan_step_passes_only_in_sync_or_changes(tmp_path: Path, code: int, passes: bool) -> None:
    fake = tmp_path / "bin" / "reconciler"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\nexit {code}\n")
    fake.chmod(0o755)
    script = tmp_path / "step.sh"
    script.write_text(plan_step())
    output = tmp_path / "github_output"
    env = {**os.environ, "PATH": f"{fake.parent}:{os.environ['PATH']}", "GITHUB_OUTPUT": str(output)}
    # GitHub runs a `run:` step as `bash --noprofile --norc -eo pipefail {0}`.
    r = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=tmp_path, env=env
    )
    assert (r.returncode == 0) is passes
    assert output.read_text() == f"exitcode={code}\n"
