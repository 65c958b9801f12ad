"""validate throughput against libyaml parsing the same files, and the CLI's start-up time."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from common import Row

from reconciler.manifests.load import load

SPECS = Path(__file__).resolve().parent.parent / "specs"


def _fleet_of_files(root: Path, count: int) -> int:
    """``count`` files: copies of specs/, each copy's names (and the references between them)
    suffixed with the copy's number, so every copy is a valid graph of its own (whole copies only:
    returns how many files that makes)."""
    texts = [p.read_text() for p in sorted(SPECS.glob("*.yaml"))]
    count -= count % len(texts)
    names = [t.split("name: ", 1)[1].split("\n", 1)[0] for t in texts]
    for i in range(count):
        copy, text = i // len(texts), texts[i % len(texts)]
        for name in names:
            text = text.replace(f"name: {name}\n", f"name: {name[:20]}-{copy}\n", 1)
            text = text.replace(f"{{ref: {name}}}", f"{{ref: {name[:20]}-{copy}}}")
        (root / f"m{i:05d}.yaml").write_text(text)
    return count


def throughput(count: int = 10_000) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        count = _fleet_of_files(root, count)
        start = time.perf_counter()
        for p in sorted(root.iterdir()):
            list(yaml.load_all(p.read_bytes(), Loader=yaml.CSafeLoader))
        libyaml = count / (time.perf_counter() - start)
        start = time.perf_counter()
        result = load([tmp])
        ours = count / (time.perf_counter() - start)
    assert result.ok and len(result.manifests) == count, result.problems[:3]
    return [
        Row(f"validate: files/s (libyaml alone: {libyaml:.0f}/s)", count, ours, None, None, 0.8 * libyaml,
            unit="/s", absolute=True, higher_is_better=True),
    ]  # fmt: skip


def _best_of(args: list[str], runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "reconciler", *args], capture_output=True, check=False)
        best = min(best, time.perf_counter() - start)
    return best


def startup() -> list[Row]:
    one = str(SPECS / "fraud-rgcn.yaml")
    return [
        Row("reconciler --help (best of 5)", None, _best_of(["--help"]), None, None, 0.15, absolute=True),
        Row(
            "reconciler validate ONE_FILE (best of 5)",
            1,
            _best_of(["validate", one]),
            None,
            None,
            0.2,
            absolute=True,
        ),
    ]
