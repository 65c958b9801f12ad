"""`make sandbox`: a local Neptune ML and S3 to try the README walkthrough by hand.

Starts the emulator and moto's S3 server on free loopback ports, creates the state bucket and
the custom model's source files, seeds every data-processing job that ``specs/`` names, and
writes ``.sandbox.env`` (fake local credentials, the endpoint, the state and S3 endpoint).
In another shell, ``source .sandbox.env`` and every ``reconciler`` command talks to the sandbox.
Stays up until Ctrl-C (or SIGTERM); the servers and ``.sandbox.env`` go away with it.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from demo import (
    DEMO_ENV,
    ROOT,
    STATE,
    DemoFailed,
    create_data_processing,
    seed_s3,
    start_servers,
    stop_servers,
)

_DP = re.compile(r"^\s*dataProcessingJobId:\s*[\"']?([A-Za-z0-9-]+)", re.MULTILINE)
ADMIN_HELP = """\
Play with failure: jobs run {seconds} s here (--job-seconds), long enough to fail or stop one by hand.
After `reconciler apply`, `reconciler jobs list` names the training jobs (JOB below, e.g. fraud-rgcn-…):
  curl -s -XPOST {url}/__emulator/fail -d '{{"id": "JOB", "reason": "OOM"}}'  # fail a running job
  curl -s -XPOST {url}/__emulator/delete -d '{{"id": "JOB"}}'                 # drift: the job is gone
  curl -s -XPOST {url}/__emulator/advance -d '{{"seconds": {seconds}}}'             # move the clock on: they complete
  curl -s -XPOST {url}/__emulator/fail -d '{{"id": "fraud-endpoint", "resource": "endpoints"}}'  # once it exists
  curl -s -XPOST {url}/__emulator/dataprocessing -d '{{"id": "dp-new"}}'     # seed a data-processing job
  curl -s {url}/__emulator/jobs                                               # every job it holds"""


def data_processing_ids(specs: Path) -> list[str]:
    """Every data-processing job the manifests under ``specs`` name (a plain scan: no network)."""
    found = {m for path in sorted(specs.rglob("*.y*ml")) for m in _DP.findall(path.read_text("utf-8"))}
    return sorted(found)


def env_lines(url: str, s3_url: str) -> list[str]:
    env = {
        **{k: v for k, v in DEMO_ENV.items() if k != "AWS_DEFAULT_REGION"},
        "AWS_REGION": "us-east-1",
        "NEPTUNE_ENDPOINT": url,
        "NEPTUNE_EXPORT_ENDPOINT": f"{url}/v1/neptune-export",
        "RECONCILER_STATE": STATE,
        "RECONCILER_S3_ENDPOINT": s3_url,
    }
    unset = "unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_REGION  # no real account is reachable"
    return [unset, *(f"export {k}={shlex.quote(v)}" for k, v in env.items())]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--specs", type=Path, default=ROOT / "specs", help="manifests to seed for")
    parser.add_argument("--env-file", type=Path, default=ROOT / ".sandbox.env")
    parser.add_argument(
        "--job-seconds", default="30", help="how long a job runs (long enough to fail or stop it by hand)"
    )
    args = parser.parse_args(argv)
    os.environ.update(DEMO_ENV)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    tmp = Path(tempfile.mkdtemp(prefix="reconciler-sandbox-"))
    s3_server: Any = None
    emulator: Any = None
    try:
        s3_server, emulator, url, s3_url = start_servers(tmp, args.job_seconds)
        seed_s3(s3_url)
        create_data_processing(url, data_processing_ids(args.specs))
        lines = env_lines(url, s3_url)
        args.env_file.write_text(
            "\n".join(["# written by `make sandbox`; gone when it stops", *lines]) + "\n"
        )
        print(f"\nsandbox up: emulator {url}, S3 {s3_url}, state {STATE}")
        print(f"in another shell, from {ROOT}:\n\n  source {args.env_file.name}\n  reconciler validate\n")
        print(ADMIN_HELP.format(url=url, seconds=args.job_seconds))
        print("\nCtrl-C stops the sandbox.", flush=True)
        while not stop.wait(0.5):
            if emulator.poll() is not None:
                raise DemoFailed(f"the emulator exited ({emulator.returncode})")
    except KeyboardInterrupt:
        pass
    except DemoFailed as e:
        print(f"error: sandbox: {e}", file=sys.stderr)
        return 1
    finally:
        args.env_file.unlink(missing_ok=True)
        stop_servers(s3_server, emulator, tmp)
    print("sandbox stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
