"""Layer contracts (an import-linter in a test): the core stays pure, the emulator stays apart."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "reconciler"
PURE = [
    "identity",
    "plan",
    "diff",
    "live",
    "manifests",
    "schema",
    "yamlsource",
    "problems",
    "planfile",
    "explain",
    "state/ledger",
]
FORBIDDEN_IN_PURE = {
    "requests",
    "botocore",
    "boto3",
    "typer",
    "rich",
    "reconciler.cli",
    "reconciler.emulator",
    "reconciler.neptune",
    "reconciler.observe",
    "reconciler.apply",
    "reconciler.pipeline",
    "socket",
    "subprocess",
}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    package = "reconciler." + ".".join(path.relative_to(PKG).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rstrip(".").split(".")
                base = base[: len(base) - (node.level - 1)]
                parent = ".".join([*base, node.module] if node.module else base)
                found.add(parent)
                found.update(f"{parent}.{alias.name}" for alias in node.names)
            elif node.module:
                found.add(node.module)
    return found


def violates(found: set[str], banned: set[str]) -> set[str]:
    return {m for m in found if any(m == b or m.startswith(b + ".") for b in banned)}


@pytest.mark.parametrize("module", PURE)
def test_core_is_pure(module: str) -> None:
    assert violates(imports(PKG / f"{module}.py"), FORBIDDEN_IN_PURE) == set()


def test_emulator_imports_nothing_of_the_core() -> None:
    for path in (PKG / "emulator").glob("*.py"):
        bad = {
            m
            for m in imports(path)
            if m.startswith("reconciler.") and not m.startswith("reconciler.emulator")
        }
        assert bad == set(), path


def test_nothing_in_the_core_imports_the_emulator() -> None:
    for path in PKG.rglob("*.py"):
        if "emulator" in path.parts or path.name == "cli.py":
            continue
        assert violates(imports(path), {"reconciler.emulator"}) == set(), path


def test_deepdiff_lives_in_one_module() -> None:
    users = sorted(p.name for p in PKG.rglob("*.py") if "deepdiff" in {m.split(".")[0] for m in imports(p)})
    assert users == ["diff.py"]
