"""The rules a schema can't say about one manifest: its kind's cross-field checks, placed in
the file (``file:line:col`` of the field when the manifest wrote it, else of ``spec``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.kinds import Kind
from . import schema
from .problems import Problem
from .yamlsource import Document


def cross_field(
    doc: Document, kind: Kind, written: dict[str, Any], defaults: Mapping[str, Any]
) -> list[Problem]:
    """The kind's checks, judged on the effective spec (schema < config defaults < manifest).

    They run even when the schema found problems elsewhere, and skip values of the wrong type
    (the schema already reported those), so one run shows everything.
    """
    spec = schema.with_defaults(schema.load(kind.schema)["properties"]["spec"], {**defaults, **written})
    out: list[Problem] = []
    for field_name, code, message, severity in kind.checks(spec):
        path: tuple[Any, ...] = ("spec", field_name) if field_name in written else ("spec",)
        line, col = doc.where(path, key=path != ("spec",))
        out.append(Problem(doc.file, line, col, code, message, severity))
    return out
