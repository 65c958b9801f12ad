"""`make docs`: a screenshot of the demo fleet's status page for the README.

    python scripts/page_shot.py TRANSCRIPT docs/status.png

TRANSCRIPT is what ``scripts/demo.py --transcript FILE`` records; its ``status-html`` entry is
``reconciler status --format html`` of the demo fleet. Debian's headless chromium draws it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def main(argv: list[str]) -> int:
    transcript, target = Path(argv[1]), Path(argv[2])
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print(
            "page_shot: no chromium here (apt-get install chromium); the screenshot is unchanged",
            file=sys.stderr,
        )
        return 1
    html = json.loads(transcript.read_text(encoding="utf-8"))["status-html"]["output"]
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "status.html"
        page.write_text(html, encoding="utf-8")
        flags = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--user-data-dir={tmp}/profile",
        ]
        done = subprocess.run(
            [browser, *flags, "--window-size=1280,1500", f"--screenshot={target.resolve()}", page.as_uri()],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    if done.returncode != 0 or not target.is_file():
        print(f"page_shot: chromium failed: {done.stderr.strip()[-500:]}", file=sys.stderr)
        return 1
    print(f"{target}: {target.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
