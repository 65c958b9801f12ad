"""Validate 10,000 manifests in one directory; report files/second (target >= 3,000/s)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from reconciler.manifests.load import load

TARGET = 3000.0


def run(count: int = 10_000) -> dict[str, float]:
    samples = sorted(Path(__file__).resolve().parent.parent.joinpath("specs").glob("*.yaml"))
    texts = [p.read_text() for p in samples]
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(count):
            text = texts[i % len(texts)]
            name = text.split("name: ", 1)[1].split("\n", 1)[0]
            short = f"{name[:20]}-{i}"
            (Path(tmp) / f"m{i:05d}.yaml").write_text(text.replace(f"name: {name}\n", f"name: {short}\n", 1))
        start = time.perf_counter()
        result = load([tmp])
        elapsed = time.perf_counter() - start
    assert result.ok and len(result.manifests) == count, result.problems[:3]
    rate = count / elapsed
    print(
        f"validate: {count} manifests in {elapsed:.2f}s = {rate:,.0f} files/s "
        f"(target {TARGET:,.0f}/s, ratio {rate / TARGET:.2f}x)"
    )
    return {"files_per_second": rate, "ratio": rate / TARGET}


if __name__ == "__main__":
    run()
