"""A local Neptune ML emulator (model training and data processing) for demos and tests.

Separate from the core: nothing in ``reconciler`` outside the CLI imports it, and it imports
nothing of the core.
"""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

from .artifacts import LocalArtifacts, S3Artifacts
from .faults import FaultConfig
from .model import Options
from .server import Emulator

__all__ = ["Emulator", "FaultConfig", "LocalArtifacts", "Options", "S3Artifacts", "serve"]


def serve(
    host: str,
    port: int,
    options: Options,
    faults: FaultConfig,
    state_file: str | None = None,
    s3_endpoint: str | None = None,
    artifacts_dir: str | None = None,
) -> None:
    """Run in the foreground until SIGINT or SIGTERM; print one ready line."""
    artifacts: Any = None
    if s3_endpoint:
        artifacts = S3Artifacts(s3_endpoint, options.region)
    elif artifacts_dir:
        artifacts = LocalArtifacts(artifacts_dir)
    emulator = Emulator(options, faults, state_file=state_file, artifacts=artifacts)
    url = emulator.start(host, port)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    print(f"listening on {url}", flush=True)
    print(f"export service: {url}/v1/neptune-export (exportEndpoint)", file=sys.stderr, flush=True)
    done.wait()
    emulator.stop()
    print("emulator stopped", file=sys.stderr, flush=True)
