"""Which files hold manifests, and where they are: the first step of load.

Folders are walked recursively; a symlinked folder inside the repository is followed (once: a
loop is cut), dot-folders are skipped and named, and a link (file or folder) that leaves the
repository is refused, so a manifest's values can't come from outside it. Every path is also
given relative to the repository root (``repo_path``): that is what the ledger records as a
manifest's source and what prune's scope compares, so ``.`` means the same folder whatever the
working directory the run started in.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ManifestError
from .problems import ERROR, WARNING, Problem

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")  # compared without case: *.YAML is a manifest too
CONFIG_NAMES = ("reconciler.yaml", "reconciler.yml")


def repo_root(start: str | None = None) -> str:
    """The repository the run works in: the nearest folder at or above ``start`` (the working
    directory) holding ``.git``; the working directory itself outside a repository."""
    return _root_of(os.path.realpath(start or os.getcwd()))


@functools.lru_cache(maxsize=8)
def _root_of(here: str) -> str:
    probe = here
    while True:
        if os.path.exists(os.path.join(probe, ".git")):
            return probe
        parent = os.path.dirname(probe)
        if parent == probe:
            return here
        probe = parent


def repo_path(path: str, root: str | None = None) -> str:
    """``path`` relative to the repository root, '/'-separated (``.`` is the root itself; a path
    outside the repository starts with ``../``). Lexical: a file found through a symlinked folder
    is recorded where it was found."""
    root = root or repo_root()
    full = os.path.abspath(path)
    if full.startswith(root) and full[len(root) : len(root) + 1] == os.sep:  # the usual case, quickly
        rel = full[len(root) + 1 :]
    else:
        rel = os.path.relpath(full, root)
    return rel.replace(os.sep, "/") if os.sep != "/" else rel


def _inside(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


@dataclass
class Found:
    """What discovery found: the files to read, what it refused (errors) or skipped (warnings),
    and the skipped paths (relative to the root) that prune must leave alone."""

    files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def skip(self, path: str, code: str, message: str, severity: str = WARNING) -> None:
        self.problems.append(Problem(path, 1, 1, code, message, severity))
        self.skipped.append(repo_path(path))


def is_manifest_name(name: str) -> bool:
    return name.lower().endswith(MANIFEST_SUFFIXES) and name not in CONFIG_NAMES


def discover(paths: Iterable[str], root: str | None = None) -> Found:
    """Every manifest file under ``paths``, sorted. A path given by name is read whatever its
    name is (reading refuses what is not a file), a dot-folder included."""
    root = os.path.realpath(root or repo_root())
    found = Found()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            _walk(str(path), root, found)
        elif path.exists() or path.is_symlink():
            if _link_ok(str(path), root, found):
                found.files.append(str(path))
        else:
            raise ManifestError(
                f"{raw}: no such file or directory", "pass the files or folders holding manifests"
            )
    found.files = sorted(dict.fromkeys(found.files))
    return found


def _link_ok(path: str, root: str, found: Found) -> bool:
    """A symlink must stay inside the repository; anything else is refused (an error)."""
    if not os.path.islink(path):
        return True
    real = os.path.realpath(path)
    if _inside(real, root):
        return True
    found.skip(
        path,
        "M005",
        f"is a link to {real}, outside the repository; links that leave it are not read",
        severity=ERROR,
    )
    return False


def _walk(top: str, root: str, found: Found) -> None:
    seen = {os.path.realpath(top)}
    if not _link_ok(top, root, found):
        return
    for here, dirs, files in os.walk(top, followlinks=True):
        keep = []
        for d in sorted(dirs):
            sub = os.path.join(here, d)
            if d.startswith("."):
                found.skip(sub, "M004", "dot-folder not read (name it as a path to read it)")
                continue
            if not _link_ok(sub, root, found):
                continue
            real = os.path.realpath(sub)
            if real in seen:
                found.skip(sub, "M004", "folder already read by another path (a symlink loop or alias)")
                continue
            seen.add(real)
            keep.append(d)
        dirs[:] = keep
        for name in sorted(files):
            file = os.path.join(here, name)
            if is_manifest_name(name) and _link_ok(file, root, found):
                found.files.append(str(Path(file)))
