"""plan and apply at fleet size: N manifests against the emulator (its own process), end to end."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

MANIFEST = """apiVersion: neptune-ml.reconciler/v1
kind: ModelTrainingJob
metadata: {{name: model-{i:04d}}}
spec:
  dataProcessingJobId: dp-bench
  trainModelS3Location: s3://bench/model-{i:04d}
  maxHPONumberOfTrainingJobs: {hpo}
"""


def _timed(args: list[str], cwd: str, env: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "reconciler", *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    return time.perf_counter() - start, proc.returncode


def run(n: int = 500) -> dict[str, float]:
    emu = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "emulator", "--port", "0", "--job-seconds", "3600"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert emu.stdout is not None
        url = emu.stdout.readline().split()[-1]
        requests.post(f"{url}/__emulator/dataprocessing", json={"id": "dp-bench"}, timeout=5)
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "specs").mkdir()
            for i in range(n):
                (Path(tmp) / "specs" / f"m{i:04d}.yaml").write_text(MANIFEST.format(i=i, hpo=i % 20 + 1))
            env = {
                **os.environ,
                "NEPTUNE_ENDPOINT": url,
                "RECONCILER_STATE": f"{tmp}/state.json",
                "NO_PROXY": "*",
            }
            plan_s, plan_rc = _timed(["plan"], tmp, env)
            apply_s, apply_rc = _timed(["apply", "--auto-approve"], tmp, env)
            again_s, again_rc = _timed(["plan"], tmp, env)
            assert (plan_rc, apply_rc, again_rc) == (2, 0, 0), (plan_rc, apply_rc, again_rc)
    finally:
        emu.terminate()
        emu.wait(timeout=10)
    print(
        f"fleet of {n}: plan {plan_s:.1f}s ({n} creates), apply {apply_s:.1f}s "
        f"({n / apply_s:.0f} jobs/s, parallelism 16), plan in sync {again_s:.1f}s"
    )
    return {"plan_s": plan_s, "apply_s": apply_s, "insync_plan_s": again_s}


if __name__ == "__main__":
    run()
