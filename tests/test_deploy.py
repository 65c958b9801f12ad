"""The container and the CronJob run the scheduled pass: their command, read from the Dockerfile
and the manifest, run here against the emulator (the image itself can't be built offline)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from .helpers import Workspace

ROOT = Path(__file__).resolve().parents[1]


def dockerfile_command() -> list[str]:
    """ENTRYPOINT + CMD, as docker joins them (both in exec form)."""
    found: dict[str, list[str]] = {}
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        word, _, rest = line.partition(" ")
        if word in ("ENTRYPOINT", "CMD"):
            found[word] = json.loads(rest)
    return found["ENTRYPOINT"] + found["CMD"]


def cronjob_container() -> dict[str, object]:
    docs = list(yaml.safe_load_all((ROOT / "deploy" / "kubernetes" / "cronjob.yaml").read_text()))
    job = next(d for d in docs if d["kind"] == "CronJob")
    container: dict[str, object] = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    return container


def run_as_image(
    ws: Workspace, argv: list[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    assert argv[0] == "reconciler"
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *argv[1:]], cwd=ws.root, capture_output=True, text=True,
        env={**os.environ, **(env or {})}, timeout=120,
    )  # fmt: skip


def test_the_images_command_is_a_scheduled_pass_that_converges(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-m")
    ws.write("m", dp="dp-m")
    argv = dockerfile_command()
    assert argv == ["reconciler", "pass", "specs/"]
    first = run_as_image(ws, argv)
    assert first.returncode == 0 and first.stdout.splitlines()[-1].startswith("pass progressing"), (
        first.stdout
    )
    ws.emu.advance(120)
    again = run_as_image(ws, argv)
    assert again.returncode == 0 and again.stdout.splitlines()[-1].startswith("pass converged"), again.stdout


def test_the_cronjob_runs_the_same_pass_signed_with_the_pods_role(ws: Workspace) -> None:
    """Its args and environment (endpoint and state pointed here instead): signed (--auth iam) with
    whatever credentials the pod's role gives; the emulator accepts any signature unless told not."""
    ws.emu.seed_dp("dp-m")
    ws.write("m", dp="dp-m")
    container = cronjob_container()
    assert container["args"] == ["pass", "specs/", "--auth", "iam"]
    env = {e["name"]: e["value"] for e in container["env"]}  # type: ignore[attr-defined]
    assert env["RECONCILER_STATE"].startswith("s3://") and env["NEPTUNE_ENDPOINT"].startswith("https://")
    here = {**env, "NEPTUNE_ENDPOINT": ws.emu.url, "RECONCILER_STATE": str(ws.state), "HOME": str(ws.root)}
    r = run_as_image(ws, ["reconciler", *container["args"]], here)  # type: ignore[misc]
    assert r.returncode == 0 and r.stdout.splitlines()[-1].startswith("pass progressing"), r.stdout + r.stderr
    signed = [e for e in ws.emu.log("POST") if e["path"] == "/ml/modeltraining"]
    assert signed and signed[0]["signed"] is True  # an Authorization header (SigV4) was sent
