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


def rows() -> list[Row]:
    """One journalled write, single-threaded (fsync each): a bound on bookkeeping per call."""
    figures = run((5000,))
    return [Row("ledger: ms per journalled write, one thread", 5000, figures["ms_per_write_5000"], None, None, 1.0,
                unit="ms", absolute=True)]  # fmt: skip


if __name__ == "__main__":
    run()
