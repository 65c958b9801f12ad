"""`make sandbox`: the README's by-hand walkthrough, read from the README itself, replays against it
and prints what the README shows (a stale README fails here); the sandbox cleans up on SIGTERM."""

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


def readme_walkthrough() -> list[tuple[list[str], list[str]]]:
    """The commands of the README's `make sandbox` block, each with what it must print: the lines
    shown under it, and the text of a trailing ``# comment``."""
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme[readme.index("### By hand: `make sandbox`") :]
    start = section.index("```console\n") + len("```console\n")
    block = section[start : section.index("\n```", start)]
    steps: list[tuple[list[str], list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            command, _, comment = line[2:].partition("#")
            words = shlex.split(command)
            if words[0] == "reconciler":
                steps.append((words[1:], [comment.strip()] if comment.strip() else []))
        elif steps:
            steps[-1][1].append(line)
    return steps


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
        [sys.executable, str(ROOT / "scripts" / "sandbox.py"), "--env-file", str(env_file), "--specs", str(repo / "specs"),
         "--job-seconds", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not env_file.exists():
            assert proc.poll() is None and time.monotonic() < deadline, proc.stdout and proc.stdout.read()
            time.sleep(0.2)
        env = _environ(env_file)
        assert "AWS_SESSION_TOKEN" not in env and env["NEPTUNE_ENDPOINT"].startswith("http://127.0.0.1:")

        steps = readme_walkthrough()
        assert [args[0] for args, _ in steps] == ["validate", "plan", "apply", "status"]
        for args, expected in steps:
            r = _cli(env, repo, *args)
            assert r.returncode in (0, 2), (args, r.stdout, r.stderr)  # 2: plan has changes to make
            for text in expected:  # what the README shows is what the command printed
                assert text in r.stdout, (args, text, r.stdout)
        again = _cli(env, repo, "plan")  # the ledger lives in the sandbox's S3: nothing left to do
        assert again.returncode == 0 and env["RECONCILER_STATE"].startswith("s3://"), again.stdout
        assert not (repo / ".reconciler" / "state.json").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert "sandbox stopped" in out and not env_file.exists()
