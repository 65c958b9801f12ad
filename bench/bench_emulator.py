"""Emulator throughput: 32 concurrent clients on loopback (target >= 500 requests/s).

The emulator runs in its own process, as `reconciler emulator` does, so client and server
don't share an interpreter lock.
"""

from __future__ import annotations

import concurrent.futures
import subprocess
import sys
import time

import requests
import urllib3
from common import Row

TARGET = 500.0


def run(clients: int = 32, total: int = 6000) -> dict[str, float]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[-1]
        requests.post(f"{url}/__emulator/dataprocessing", json={"id": "dp"}, timeout=5)
        for i in range(50):
            requests.post(
                f"{url}/ml/modeltraining",
                timeout=5,
                json={
                    "id": f"bench-{i}",
                    "dataProcessingJobId": "dp",
                    "trainModelS3Location": "s3://bkt/m",
                },
            )
        per_client = total // clients
        # The client is urllib3's pool (a third of requests' CPU per call): the figure is the
        # emulator's, not a client's competing with it for the same two cores.
        host, port = url.removeprefix("http://").rsplit(":", 1)
        http = urllib3.HTTPConnectionPool(host, int(port), maxsize=clients, retries=False, timeout=10.0)

        def worker(n: int) -> int:
            ok = 0
            for i in range(per_client):
                path = "/ml/modeltraining" if i % 5 == 0 else f"/ml/modeltraining/bench-{(n + i) % 50}"
                ok += http.request("GET", path).status == 200
            return ok

        start = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(clients) as pool:
            ok = sum(pool.map(worker, range(clients)))
        elapsed = time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    done = per_client * clients
    assert ok == done, f"{done - ok} requests failed"
    rate = done / elapsed
    print(
        f"emulator: {done} requests, {clients} clients, {elapsed:.2f}s = {rate:,.0f} req/s "
        f"(target {TARGET:,.0f}/s, ratio {rate / TARGET:.2f}x)"
    )
    return {"requests_per_second": rate, "ratio": rate / TARGET}


def store_get_ms(held: int, reads: int = 2000) -> float:
    """CPU per status read of the emulator's store (no HTTP) while it holds ``held`` running jobs:
    what is due is kept by time, so a read costs the same at 100 jobs as at 5,000."""
    from reconciler.emulator.creates import CREATES
    from reconciler.emulator.model import Options
    from reconciler.emulator.store import Store

    store = Store(Options(job_seconds=3600.0))
    store.seed_processing("dp", "Completed")
    for i in range(held):
        CREATES["training"](
            store, {"id": f"j{i}", "dataProcessingJobId": "dp", "trainModelS3Location": "s3://bkt/m"}
        )
    start = time.process_time()
    for i in range(reads):
        store.get("training", f"j{i % held}")
    return (time.process_time() - start) / reads * 1000


def rows() -> list[Row]:
    figures = run()
    small, large = store_get_ms(100), store_get_ms(5000)
    return [
        Row("emulator: requests/s, 32 clients", None, figures["requests_per_second"], None, None, TARGET,
            unit="/s", absolute=True, higher_is_better=True),
        Row("emulator store: a GET at 5,000 jobs ÷ at 100", 5000, large / small, None, None, 1.5,
            unit="x", absolute=True),
    ]  # fmt: skip


if __name__ == "__main__":
    run()
