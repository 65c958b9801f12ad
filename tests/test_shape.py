"""The shape of the house: a kind lives in one place, modules stay small, functions short.

A kind is added through the kind interface alone: outside the emulator (which plays the service
and has its own table of resources), its manifest name and API resource appear only in its own
module, the registry, and the kinds whose references may name it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from reconciler.core.kinds import KINDS

PACKAGE = Path(__file__).resolve().parents[1] / "reconciler"
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 350, 60


def _sources() -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in sorted(PACKAGE.rglob("*.py"))}


def test_each_kind_is_named_in_at_most_four_files_outside_the_emulator() -> None:
    sources = {p: s for p, s in _sources().items() if "emulator" not in p.relative_to(PACKAGE).parts}
    for kind in KINDS:
        if kind.name == "ModelTrainingJob":
            continue  # the default kind: manifests and ledgers that name none are its, by format
        naming = sorted(
            str(p.relative_to(PACKAGE))
            for p, s in sources.items()
            if re.search(rf"\b{kind.name}\b", s) or f'"{kind.resource}"' in s or f"/ml/{kind.resource}" in s
        )
        assert len(naming) <= 4, (kind.name, naming)
        assert all(n.startswith("core/kinds/") for n in naming), (kind.name, naming)


def test_the_transform_kind_is_its_module_and_the_endpoint_that_serves_it() -> None:
    sources = {p: s for p, s in _sources().items() if "emulator" not in p.relative_to(PACKAGE).parts}
    naming = sorted(
        str(p.relative_to(PACKAGE))
        for p, s in sources.items()
        if "ModelTransformJob" in s or "modeltransform" in s
    )
    assert naming == ["core/kinds/endpoint.py", "core/kinds/transform.py"]


def test_no_module_over_350_lines_and_no_function_over_60() -> None:
    long_modules, long_functions = [], []
    for path, text in _sources().items():
        lines = text.count("\n")
        if lines > MAX_MODULE_LINES:
            long_modules.append(f"{path.relative_to(PACKAGE)}: {lines}")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = node.body[0]  # the body is the code: a docstring (the help text) is not
                documented = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                start = node.body[1] if documented and len(node.body) > 1 else first
                body = (node.end_lineno or node.lineno) - start.lineno + 1
                if body > MAX_FUNCTION_LINES:
                    long_functions.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}: {body}")
    assert long_modules == [] and long_functions == [], (long_modules, long_functions)
