"""`make bench`: every benchmark as one table (what, N, value, calls, bound, ratio, target,
verdict); exits 1 when a target is missed. Under 10 minutes on 2 cores.

Fleet rows run against the emulator (its own process) at 25 ms per call and --parallelism 16;
the bound is the fewest calls the run needs x 25 ms / 16.
"""

from __future__ import annotations

import compileall
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_client  # noqa: E402
import bench_emulator  # noqa: E402
import bench_graph  # noqa: E402
import bench_ledger  # noqa: E402
import bench_validate  # noqa: E402
import fleet  # noqa: E402
from common import Row, table  # noqa: E402


def machine_line(when: str) -> str:
    """How busy the machine was: a shared machine's load moves every figure (read them with it)."""
    one, five, fifteen = os.getloadavg()
    return (
        f"{when}: {os.cpu_count()} CPUs, load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"
    )


def main() -> int:
    # The package as pip installs a wheel: compiled (this machine sets PYTHONDONTWRITEBYTECODE,
    # so an edited module would otherwise be compiled again by every process a row starts).
    compileall.compile_dir(str(Path(__file__).resolve().parent.parent / "reconciler"), quiet=1)
    started = time.perf_counter()
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} · {machine_line('before')}")
    rows: list[Row] = []
    for step in (bench_validate.startup, bench_validate.throughput, bench_client.rows, fleet.run, fleet.memory_and_slope, fleet.converges,
                 bench_graph.rows, bench_emulator.rows, bench_ledger.rows):  # fmt: skip
        rows += step()
        print(
            f"  … {step.__module__}.{step.__name__} done ({time.perf_counter() - started:.0f} s)",
            file=sys.stderr,
        )
    print(table(rows))
    print(machine_line("after"))
    targeted = [r for r in rows if r.target is not None]  # the others are figures shown
    missed = [r.what.strip() for r in targeted if not r.ok]
    print(f"\n{len(targeted) - len(missed)} of {len(targeted)} targets met in {time.perf_counter() - started:.0f} s"
          + (f"; missed: {', '.join(missed)}" if missed else ""))  # fmt: skip
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
