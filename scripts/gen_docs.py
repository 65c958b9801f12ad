"""`make docs`: regenerate the manifest reference in README.md from schemas/."""

from __future__ import annotations

from pathlib import Path

from reconciler.manifests.reference import update_readme

README = Path(__file__).resolve().parent.parent / "README.md"

if __name__ == "__main__":
    old = README.read_text(encoding="utf-8")
    new = update_readme(old)
    README.write_text(new, encoding="utf-8")
    print("README.md manifest reference " + ("updated" if new != old else "already up to date"))
