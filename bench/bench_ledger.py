"""Ledger bookkeeping at thousands of jobs: bytes and time per journalled call.

An apply writes an intent and an outcome around every call. With the journal each write is
one small append (one PUT on S3); rewriting the whole ledger each time would be quadratic.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from common import Row

from reconciler.core.records import JournalOp
from reconciler.state import StateStore
from reconciler.state.local import LocalBackend


def _gen(job: str) -> dict[str, object]:
    spec = {
        "dataProcessingJobId": "dp-1",
        "trainModelS3Location": "s3://bkt/m",
        "maxHPONumberOfTrainingJobs": 10,
        "trainingInstanceType": "ml.p3.2xlarge",
        "trainingTimeOutInSeconds": 86400,
    }
    return {
        "jobId": job,
        "specHash": "0" * 64,
        "spec": spec,
        "action": "create",
        "appliedAt": "2026-11-30T00:00:00Z",
        "commit": None,
    }


def run(sizes: tuple[int, ...] = (500, 2000, 5000)) -> dict[str, float]:
    figures: dict[str, float] = {}
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "state.json"
            store = StateStore(LocalBackend(str(path)))
            store.load()
            start = time.perf_counter()
            for i in range(n):
                job = f"m{i}-0123456789"
                gen = _gen(job)
                store.commit(
                    JournalOp.INTENT,
                    f"m{i}",
                    jobId=job,
                    pending={"op": "create", "jobId": job, "at": "2026-11-30T00:00:00Z"},
                )
                store.commit(
                    JournalOp.CREATED,
                    f"m{i}",
                    jobId=job,
                    generation=gen,
                    applied={
                        "spec": gen["spec"],
                        "policy": {},
                        "labels": {},
                        "appliedAt": "2026-11-30T00:00:00Z",
                    },
                )
            journal = os.path.getsize(path.with_name("state.json.journal"))
            store.compact()
            elapsed = time.perf_counter() - start
            final = path.stat().st_size
        per_call = elapsed / (2 * n) * 1000
        written = journal + final
        naive = n * (n + 1) * (final / n)  # rewriting the whole ledger around each of 2n calls
        print(
            f"ledger: {n} jobs, {2 * n} journalled writes in {elapsed:.2f}s ({per_call:.2f} ms/write incl. fsync); "
            f"{written / 1e6:.1f} MB written vs ~{naive / 1e6:,.0f} MB rewriting it each time "
            f"(ratio {naive / written:,.0f}x)"
        )
        figures[f"ms_per_write_{n}"] = per_call
    return figures


def check_seconds(n: int = 5000, runs: int = 3) -> tuple[float, float]:
    """The schema check of a loaded ledger of ``n`` finished jobs with their metrics: (min, median)."""
    import statistics

    from reconciler.state.validate import check

    gen = {**_gen("m-0123456789"), "finalStatus": "Completed",
           "seen": {"cluster": "http://x", "models": 2, "metrics": {"accuracy": 0.734, "loss": 0.21}}}  # fmt: skip
    applied: dict[str, object] = {
        "spec": {},
        "policy": {},
        "labels": {},
        "appliedAt": "2026-12-01T00:00:00Z",
        "commit": None,
    }
    doc = {"version": 1, "lineage": "l", "serial": 1,
           "resources": {f"m{i}": {"generations": [dict(gen, jobId=f"m{i}-0123456789")], "applied": applied}
                         for i in range(n)}}  # fmt: skip
    check(doc, "bench")  # the compiled validator is built once per process
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        check(doc, "bench")
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def rows() -> list[Row]:
    """One journalled write, single-threaded (fsync each): a bound on bookkeeping per call; and the
    schema check every load makes."""
    figures = run((5000,))
    low, median = check_seconds()
    return [
        Row("ledger: ms per journalled write, one thread", 5000, figures["ms_per_write_5000"], None, None, 1.0,
            unit="ms", absolute=True),
        Row("ledger: schema check on load (with metrics)", 5000, low, None, None, 0.3, absolute=True, median=median),
    ]  # fmt: skip


if __name__ == "__main__":
    run()
