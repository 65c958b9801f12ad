"""`make bench`: every benchmark, printing figures and ratios to their targets."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_apply  # noqa: E402
import bench_emulator  # noqa: E402
import bench_ledger  # noqa: E402
import bench_validate  # noqa: E402


def main() -> None:
    bench_validate.run()
    bench_emulator.run()
    bench_ledger.run()
    bench_apply.run()


if __name__ == "__main__":
    main()
