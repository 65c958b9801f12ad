"""``validate`` output: one line per problem and a summary, JSON, or GitHub annotations."""

from __future__ import annotations

import json
import os
from typing import TextIO

from ..manifests.load import LoadResult
from ..manifests.problems import ERROR, WARNING
from .style import annotation_data, annotation_property, clean


def render_problems(result: LoadResult, out: TextIO, fmt: str) -> None:
    """``validate`` output: one line per problem, then a summary (or JSON)."""
    problems = result.problems
    if fmt == "json":
        doc = {
            "valid": result.ok,
            "files": len(result.files),
            "manifests": len(result.manifests),
            "problems": [p.to_json() for p in problems],
        }
        out.write(json.dumps(doc, indent=2) + "\n")
    else:
        for p in problems:
            out.write(f"{clean(p)}\n")
        errors = sum(p.severity == ERROR for p in problems)
        warnings = sum(p.severity == WARNING for p in problems)
        files = f"{len(result.files)} file{'s' if len(result.files) != 1 else ''}"
        if not result.files:
            out.write("no manifests found\n")
        elif errors:
            out.write(
                f"invalid: {errors} error{'s' if errors != 1 else ''}, "
                f"{warnings} warning{'s' if warnings != 1 else ''} in {files}\n"
            )
        else:
            extra = f" ({warnings} warning{'s' if warnings != 1 else ''})" if warnings else ""
            out.write(f"valid: {len(result.manifests)} manifests in {files}{extra}\n")
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for p in problems:
            where = f"file={annotation_property(p.file)},line={p.line},col={p.column}"
            out.write(f"::{p.severity} {where}::{annotation_data(clean(f'{p.code}: {p.message}'))}\n")
