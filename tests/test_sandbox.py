"""`make sandbox`: the README walkthrough works by hand against it, and it cleans up on SIGTERM."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _environ(env_file: Path) -> dict[str, str]:
    """What `source .sandbox.env` does to this test's environment."""
    env = dict(os.environ)
    for line in env_file.read_text().splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["unset"]:
            for name in words[1:]:
                env.pop(name, None)
        elif words[:1] == ["export"]:
            name, value = words[1].split("=", 1)
            env[name] = value
    return env


def _cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_walkthrough_runs_by_hand_against_the_sandbox(tmp_path: Path) -> None:
    env_file, repo = tmp_path / ".sandbox.env", tmp_path / "repo"
    shutil.copytree(ROOT / "specs", repo / "specs")
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "sandbox.py"), "--env-file", str(env_file), "--specs", str(repo / "specs")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not env_file.exists():
            assert proc.poll() is None and time.monotonic() < deadline, proc.stdout and proc.stdout.read()
            time.sleep(0.2)
        env = _environ(env_file)
        assert "AWS_SESSION_TOKEN" not in env and env["NEPTUNE_ENDPOINT"].startswith("http://127.0.0.1:")

        assert _cli(env, repo, "validate").stdout == "valid: 7 manifests in 7 files\n"
        plan = _cli(env, repo, "plan")
        assert plan.returncode == 2 and plan.stdout.splitlines()[-1] == "Plan: 7 to create.", plan.stderr
        applied = _cli(env, repo, "apply", "--auto-approve", "--wait", "--timeout", "2m")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        status = _cli(env, repo, "status")
        assert status.returncode == 0 and status.stdout.splitlines()[-1] == "7 of 7 in sync.", status.stdout
        again = _cli(env, repo, "plan")  # the ledger lives in the sandbox's S3: nothing left to do
        assert again.returncode == 0 and env["RECONCILER_STATE"].startswith("s3://"), again.stdout
        assert not (repo / ".reconciler" / "state.json").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert "sandbox stopped" in out and not env_file.exists()
