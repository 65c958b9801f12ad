"""The client's own cost: CPU per call against an emulator in its own process (no added latency),
the minimum of several runs with their median beside it. (Whether parallelism scales is a fleet
row: ``plan --refresh-all`` at --parallelism 16 and 64, in ``fleet``.)"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from common import Row
from fleet import fleet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def cpu_per_call(calls: int = 2000, runs: int = 5) -> tuple[float, float]:
    """Client CPU (user + system of this process) per GET, in ms: (min, median) of ``runs``."""
    from reconciler.neptune import make_client

    with fleet(1, latency_ms=0.0) as f:
        client = make_client(f.url)
        for _ in range(200):  # warm: the connection, the pool, the signer's imports
            client.get("dataprocessing", "dp-1")
        per_run = []
        for _ in range(runs):
            start = time.process_time()
            for _ in range(calls):
                client.get("dataprocessing", "dp-1")
            per_run.append((time.process_time() - start) / calls * 1000)
    return min(per_run), statistics.median(per_run)


def rows() -> list[Row]:
    low, median = cpu_per_call()
    found = [
        Row("client CPU per call (ms)", 2000, low, None, None, 0.5, unit="ms", absolute=True, median=median)
    ]
    return found
