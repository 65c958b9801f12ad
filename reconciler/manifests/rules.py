"""The rules a schema can't say about one manifest: cross-field checks (R001–R004)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import schema
from .problems import WARNING, Problem
from .yamlsource import Document


def cross_field(doc: Document, written: dict[str, Any], defaults: Mapping[str, Any]) -> list[Problem]:
    """Cross-field rules, judged on the effective spec (schema < config defaults < manifest).

    They run even when the schema found problems elsewhere, and skip values of the wrong type
    (the schema already reported those), so one run shows everything.
    """
    spec = schema.with_defaults(schema.load(schema.MANIFEST)["properties"]["spec"], {**defaults, **written})

    def number(key: str) -> int | None:
        value = spec.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    out: list[Problem] = []

    def report(field_name: str | None, code: str, message: str, severity: str = "error") -> None:
        path: tuple[Any, ...] = ("spec", field_name) if field_name in written else ("spec",)
        line, col = doc.where(path, key=path != ("spec",))
        out.append(Problem(doc.file, line, col, code, message, severity))

    is_custom = spec.get("modelName") == "custom"
    has_params = "customModelTrainingParameters" in spec
    if is_custom and not has_params:
        report(
            "modelName",
            "R001",
            "modelName: custom needs spec.customModelTrainingParameters with sourceS3DirectoryPath",
        )
    elif has_params and not is_custom:
        report(
            "customModelTrainingParameters",
            "R001",
            "customModelTrainingParameters is only used with modelName: custom; "
            "set modelName: custom or remove it",
        )
    wait, timeout = number("maxWaitTime"), number("trainingTimeOutInSeconds")
    if "maxWaitTime" in spec:
        if spec.get("enableManagedSpotTraining") is not True:
            report(
                "maxWaitTime",
                "R002",
                "maxWaitTime is only allowed with "
                "enableManagedSpotTraining: true; enable spot training or remove it",
            )
        elif wait is not None and timeout is not None and wait <= timeout:
            report(
                "maxWaitTime",
                "R003",
                f"maxWaitTime ({wait}) must be greater than trainingTimeOutInSeconds ({timeout})",
            )
    parallel, total = number("maxHPOParallelTrainingJobs"), number("maxHPONumberOfTrainingJobs")
    if parallel is not None and total is not None and parallel > total:
        report(
            "maxHPOParallelTrainingJobs",
            "R004",
            f"maxHPOParallelTrainingJobs ({parallel}) is above maxHPONumberOfTrainingJobs "
            f"({total}); only {total} will run at once",
            WARNING,
        )
    return out
