"""The action's step and the example workflows: every command fails the step on an error, a bug
or an interrupt (exit 1, 3, 130), and plan passes on 0 (in sync) and 2 (changes) only."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ACTION = "your-org/reconciler@"


@pytest.mark.parametrize("command", ["validate", "plan", "apply", "pass"])
@pytest.mark.parametrize("code", [0, 1, 2, 3, 130])
def test_the_step_fails_on_errors_bugs_and_interrupts(tmp_path: Path, command: str, code: int) -> None:
    fake = tmp_path / "bin" / "reconciler"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\nexit {code}\n")
    fake.chmod(0o755)
    output = tmp_path / "github_output"
    env = {
        **os.environ, "PATH": f"{fake.parent}:{os.environ['PATH']}", "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"), "RECONCILER_COMMAND": command,
        "RECONCILER_OUT": str(tmp_path / "out"),
    }  # fmt: skip
    # GitHub runs a composite `run:` step with `bash --noprofile --norc -eo pipefail {0}`.
    r = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(ROOT / "action" / "run.sh")],
        cwd=tmp_path,
        env=env,
    )
    passes = code == 0 or (command == "plan" and code == 2)
    assert (r.returncode == 0) is passes
    assert f"exitcode={code}\n" in output.read_text()


def steps(name: str) -> list[dict[str, object]]:
    doc = yaml.safe_load((ROOT / "examples" / "github" / name).read_text())
    return [s for job in doc["jobs"].values() for s in job["steps"]]


def test_the_workflows_run_the_action_pinned_by_commit() -> None:
    used = {}
    for name in ("reconciler-pr.yml", "reconciler-apply.yml", "reconciler-schedule.yml"):
        for s in steps(name):
            uses = str(s.get("uses", ""))
            if uses.startswith(ACTION):
                assert len(uses.removeprefix(ACTION)) == 40  # a commit, never a tag or a branch
                used.setdefault(name, []).append(s["with"]["command"])  # type: ignore[index]
    assert used == {
        "reconciler-pr.yml": ["validate", "plan"],
        "reconciler-apply.yml": ["apply", "apply"],
        "reconciler-schedule.yml": ["pass", "plan"],
    }


def test_the_schedule_runs_one_pass_per_fleet_at_a_time_and_keeps_a_drift_issue() -> None:
    doc = yaml.safe_load((ROOT / "examples" / "github" / "reconciler-schedule.yml").read_text())
    job = doc["jobs"]["pass"]
    assert (
        "${{ matrix.fleet }}" in job["concurrency"]["group"]
        and job["concurrency"]["cancel-in-progress"] is False
    )
    assert doc["permissions"] == {"contents": "read", "id-token": "write", "issues": "write"}
    script = next(s for s in job["steps"] if "drift issue" in str(s.get("name")))["with"]["script"]
    assert "issues.create" in script and "state: 'closed'" in script and "issues.update" in script
    assert "${{" not in script  # what the steps said reaches the script as environment variables
