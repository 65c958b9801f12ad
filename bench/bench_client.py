"""The client's own cost: CPU per call against an emulator in its own process (no added latency),
and whether parallelism scales once the client is not the bottleneck (a ``plan --refresh-all`` of a
finished fleet at 25 ms per call, --parallelism 64 against 16). Each figure is the minimum of
several runs, with their median beside it."""

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


def parallel_speedup(n: int = 1000, runs: int = 3) -> list[Row]:
    """``plan --refresh-all`` of a finished fleet (every job read) at --parallelism 16 and 64."""
    rows = []
    with fleet(n) as f:
        f.write("dp-1")
        f.run("apply", "--auto-approve")
        time.sleep(1.5)
        f.run("apply", "--auto-approve")  # records them finished
        timing = {}
        for p in (16, 64):
            got = [
                f.run("plan", "--refresh-all", "--parallelism", str(p), parallel=False) for _ in range(runs)
            ]
            timing[p] = [r.seconds for r in got]
            calls = got[0].calls
            bound = calls * 0.025 / p
            rows.append(Row(f"plan --refresh-all, p{p}", n, min(timing[p]), calls, bound, 1.3 if p == 16 else 2.0,
                            median=statistics.median(timing[p])))  # fmt: skip
    speedup = min(timing[16]) / min(timing[64])
    rows.append(Row("  p64 ÷ p16 speed-up", n, speedup, None, None, 1.5, unit="x", absolute=True,
                    higher_is_better=True))  # fmt: skip
    return rows


def rows() -> list[Row]:
    low, median = cpu_per_call()
    found = [
        Row("client CPU per call (ms)", 2000, low, None, None, 0.5, unit="ms", absolute=True, median=median)
    ]
    return found + parallel_speedup()
