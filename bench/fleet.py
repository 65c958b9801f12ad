"""plan and apply of a fleet against the emulator (its own process) at 25 ms per call, each run
measured against the round-trip bound: the fewest calls the run needs × 25 ms ÷ --parallelism."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from common import Row

LATENCY_MS = 25.0
PARALLELISM = 16
MANIFEST = """apiVersion: neptune-ml.reconciler/v1
kind: ModelTrainingJob
metadata: {{name: model-{i:05d}}}
spec:
  dataProcessingJobId: {dp}
  trainModelS3Location: s3://bench/model-{i:05d}
  maxHPONumberOfTrainingJobs: {hpo}
"""


@dataclass
class Run:
    seconds: float
    calls: int
    cpu: float  # user + system seconds of the reconciler process
    max_rss_mb: float
    code: int


class Fleet:
    """An emulator process, a repository of N manifests and a local ledger."""

    def __init__(self, url: str, root: Path, n: int) -> None:
        self.url, self.root, self.n = url, root, n
        self.http = requests.Session()
        self.http.trust_env = False
        self.env = {
            **os.environ,
            "NEPTUNE_ENDPOINT": url,
            "RECONCILER_STATE": str(root / "state.json"),
            "NO_PROXY": "*",
        }

    def admin(self, method: str, route: str, **body: Any) -> Any:
        r = self.http.request(method, f"{self.url}/__emulator/{route}", json=body or None, timeout=30)
        r.raise_for_status()
        return r.json()

    def write(self, dp: str) -> None:
        specs = self.root / "specs"
        specs.mkdir(exist_ok=True)
        for i in range(self.n):
            (specs / f"m{i:05d}.yaml").write_text(MANIFEST.format(i=i, dp=dp, hpo=i % 20 + 1))

    def run(self, *args: str, parallel: bool = True) -> Run:
        """One reconciler command as its own process: wall time, calls, CPU and peak memory."""
        before = self.admin("GET", "stats")["requests"]
        extra = ["--parallelism", str(PARALLELISM)] if parallel else []
        cmd = [sys.executable, "-m", "reconciler", *args, *extra]
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=self.root, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode() if proc.stderr else ""
        calls = self.admin("GET", "stats")["requests"] - before
        if proc.returncode not in (0, 2):
            raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}: {err[-500:]}")
        return Run(seconds, calls, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode)


@contextmanager
def fleet(
    n: int, latency_ms: float = LATENCY_MS, job_seconds: tuple[float, float] = (1.0, 1.0)
) -> Iterator[Fleet]:
    """An emulator whose jobs each run between ``job_seconds`` (a time fixed by the job's id)."""
    emu = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "emulator", "--port", "0", "--job-seconds", str(job_seconds[0]),
         "--job-seconds-max", str(job_seconds[1]), "--latency-ms", str(latency_ms)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert emu.stdout is not None
        url = emu.stdout.readline().split()[-1]
        with tempfile.TemporaryDirectory() as tmp:
            f = Fleet(url, Path(tmp), n)
            for dp in ("dp-1", "dp-2"):
                f.admin("POST", "dataprocessing", id=dp)
            yield f
    finally:
        emu.terminate()
        emu.wait(timeout=30)


def best(f: Fleet, *args: str, runs: int = 3, parallel: bool = True) -> tuple[Run, float]:
    """The fastest of ``runs`` runs of a command that changes nothing, and the median time."""
    got = [f.run(*args, parallel=parallel) for _ in range(runs)]
    return min(got, key=lambda r: r.seconds), statistics.median(r.seconds for r in got)


def bound(calls: int, latency_ms: float = LATENCY_MS, parallelism: int = PARALLELISM) -> float:
    return calls * latency_ms / 1000 / parallelism


def refresh_all(f: Fleet, n: int, runs: int = 3) -> list[Row]:
    """``plan --refresh-all`` of the finished fleet (every job read again) at --parallelism 16 and
    64: whether parallelism scales once the client is not the bottleneck."""
    rows, fastest = [], {}
    for p in (16, 64):
        got = [f.run("plan", "--refresh-all", "--parallelism", str(p), parallel=False) for _ in range(runs)]
        low = min(got, key=lambda r: r.seconds)
        fastest[p] = low.seconds
        rows.append(Row(f"plan --refresh-all, p{p}", n, low.seconds, low.calls, bound(low.calls, parallelism=p),
                        1.3 if p == 16 else None, median=statistics.median(r.seconds for r in got)))  # fmt: skip
    rows.append(Row("  p64 ÷ p16 speed-up", n, fastest[16] / fastest[64], None, None, 1.5, unit="x",
                    absolute=True, higher_is_better=True))  # fmt: skip
    return rows


def run(sizes: tuple[int, ...] = (1000, 5000)) -> list[Row]:
    rows: list[Row] = []
    for n in sizes:
        with fleet(n) as f:
            f.write("dp-1")
            first = f.run("plan")
            rows.append(Row("plan, first time", n, first.seconds, first.calls, bound(n + 2), 1.5))
            apply = f.run("apply", "--auto-approve")
            rows.append(Row("apply, creates", n, apply.seconds, apply.calls, bound(2 * n + 2), 1.3))
            time.sleep(1.5)  # every job Completed (the emulator's jobs take 1 s)
            steady, median = best(f, "plan")
            rows.append(
                Row("plan, fleet in sync", n, steady.seconds, steady.calls, bound(n + 2), 1.3, median=median)
            )
            rows.append(
                Row(
                    "  client CPU per manifest (ms)",
                    n,
                    steady.cpu / n * 1000,
                    None,
                    None,
                    1.0,
                    unit="ms",
                    absolute=True,
                )
            )
            stats = f.admin("GET", "stats")
            own = stats["busySeconds"] / stats["requests"] * 1000
            rows.append(
                Row(
                    "  emulator's own time per request (ms)",
                    n,
                    own,
                    None,
                    None,
                    2.0,
                    unit="ms",
                    absolute=True,
                )
            )
            f.run("apply", "--auto-approve")  # sees them finished: records each with the cluster
            finished, median = best(f, "plan")
            offline, _ = best(f, "validate", "specs", parallel=False)
            rows.append(
                Row("plan, finished fleet in sync (vs validate)", n, finished.seconds, finished.calls,
                    offline.seconds, 1.2, median=median)
            )  # fmt: skip
            rows.append(
                Row("  its calls (a finished job can't change)", n, float(finished.calls), None, None, 5,
                    unit="calls", absolute=True)
            )  # fmt: skip
            rows += refresh_all(f, n)
            f.write("dp-2")
            refresh = f.run("plan")
            rows.append(
                Row("plan, after a data refresh", n, refresh.seconds, refresh.calls, bound(2 * n + 2), 1.5)
            )
    return rows


def memory_and_slope(small: int = 1000, large: int = 10_000) -> list[Row]:
    """First-time plans with no added latency: peak memory at 10,000, and how time grows with N."""
    times = {}
    rows = []
    for n in (small, large):
        with fleet(n, latency_ms=0.0) as f:
            f.write("dp-1")
            r = f.run("plan")
            times[n] = r.seconds
            if n == large:
                rows.append(Row("plan, first time: peak memory (MB)", n, r.max_rss_mb, None, None, 150.0,
                                unit="MB", absolute=True))  # fmt: skip
                applied = f.run("apply", "--auto-approve")
                rows.append(Row("apply, creates: peak memory (MB)", n, applied.max_rss_mb, None, None, 200.0,
                                unit="MB", absolute=True))  # fmt: skip
    slope = (times[large] / times[small]) / (large / small)
    rows.append(
        Row(
            f"plan time growth {small} → {large} ÷ N growth",
            large,
            slope,
            None,
            None,
            1.3,
            unit="x",
            absolute=True,
        )
    )
    return rows


CHAIN = """apiVersion: neptune-ml.reconciler/v1
kind: DataProcessingJob
metadata: {{name: data-{i:03d}}}
spec:
  inputDataS3Location: s3://bench/exports/{i:03d}
  processedDataS3Location: s3://bench/processed/{i:03d}
---
apiVersion: neptune-ml.reconciler/v1
kind: ModelTrainingJob
metadata: {{name: model-{i:03d}}}
spec:
  dataProcessingJobId: {{ref: data-{i:03d}}}
  trainModelS3Location: s3://bench/models/{i:03d}
  maxHPONumberOfTrainingJobs: 2
---
apiVersion: neptune-ml.reconciler/v1
kind: Endpoint
metadata: {{name: endpoint-{i:03d}}}
spec:
  mlModelTrainingJobId: {{ref: model-{i:03d}}}
"""


def converge(chains: int = 100, job_seconds: tuple[float, float] = (1.0, 1.0)) -> list[Row]:
    """``apply --converge`` of a graph of 3 × ``chains`` manifests (data → model → endpoint, each
    step a job of ``job_seconds``, a time its id fixes) at 25 ms per call: its time against the
    critical path (the longest chain's three jobs end to end) plus the call bound (a create and
    one read of each manifest at --parallelism 16)."""
    with fleet(0, job_seconds=job_seconds) as f:
        specs = f.root / "specs"
        specs.mkdir(exist_ok=True)
        for i in range(chains):
            (specs / f"chain-{i:03d}.yaml").write_text(CHAIN.format(i=i))
        r = f.run("apply", "--auto-approve", "--converge", "--poll-interval", "200ms", "--timeout", "5m")
        chain_seconds: dict[str, float] = {}
        for job in f.admin("GET", "jobs")["jobs"]:
            step, _, rest = job["id"].partition("-")  # data-007-…, model-007-…, endpoint-007
            if step in ("data", "model", "endpoint"):
                chain = rest[:3]
                chain_seconds[chain] = chain_seconds.get(chain, 0.0) + job["seconds"]
    n = 3 * chains
    low, high = job_seconds
    jobs = f"{low:g} s jobs" if low == high else f"jobs of {low:g}–{high:g} s"
    return [Row(f"apply --converge, graph data → model → endpoint, {jobs}", n, r.seconds, r.calls,
                max(chain_seconds.values()) + bound(2 * n), 1.5)]  # fmt: skip


def converges() -> list[Row]:
    """The converge row with every job taking 1 s, and with jobs of 0.5–2 s (as a real graph's
    differ: a round that waited for all it started would hold each chain to the slowest job)."""
    return converge() + converge(job_seconds=(0.5, 2.0))
