"""The short reliability suite (scripts/reliability.py --quick) is part of every test run: real
apply processes killed at random, simultaneous applies, lost ledgers and hostile inputs, each row
0 duplicates, 0 untracked, 0 lost, 0 manual steps. `make reliability` runs the full one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "reliability.py"


def test_quick_reliability_suite() -> None:
    r = subprocess.run([sys.executable, str(SCRIPT), "--quick"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr[-3000:]
    assert r.stdout.rstrip().endswith("every row 0 duplicates, 0 untracked, 0 lost, 0 manual")
    assert "SIGKILL during create/incremental/retrain/prune, file state" in r.stdout
    assert "SIGKILL during apply --converge (data → model → endpoint), file state" in r.stdout
