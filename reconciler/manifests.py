"""Load and validate manifests: files → YAML documents → checked ``Manifest`` objects.

Schema errors come from jsonschema; the rules a schema can't say (cross-field checks,
uniqueness, managed fields) live here, each with its own code. Every problem is located.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import ValidationError

from . import schema
from .errors import ManifestError
from .problems import WARNING, Problem, has_errors
from .yamlsource import Document, YamlProblem, load_documents

API_VERSION = "neptune-ml.reconciler/v1"
KIND = "ModelTrainingJob"
MANAGED_FIELDS = ("id", "previousModelTrainingJobId")
CONFIG_NAMES = ("reconciler.yaml", "reconciler.yml")
MANAGED_ADVICE = (
    "is managed by the reconciler: job ids derive from metadata.name and the spec, and "
    "incremental updates set previousModelTrainingJobId; remove it (to adopt an existing "
    "job run `reconciler import NAME JOB_ID`)"
)

# Problem codes, one per rule (the README lists them).
CODES = {
    "M001": "document is not a mapping",
    "M002": "unknown apiVersion",
    "M003": "unknown kind",
    "M010": "unknown field",
    "M011": "field managed by the reconciler",
    "M012": "missing required field",
    "M013": "wrong type",
    "M014": "value not allowed",
    "M015": "value does not match the expected format",
    "M016": "value out of range",
    "M019": "schema violation",
    "R001": "modelName custom and customModelTrainingParameters go together",
    "R002": "maxWaitTime needs enableManagedSpotTraining: true",
    "R003": "maxWaitTime must exceed trainingTimeOutInSeconds",
    "R004": "maxHPOParallelTrainingJobs above maxHPONumberOfTrainingJobs (warning)",
    "R005": "duplicate metadata.name",
}
_VALIDATOR_CODES = {
    "required": "M012",
    "type": "M013",
    "const": "M014",
    "enum": "M014",
    "pattern": "M015",
    "propertyNames": "M015",
    "minimum": "M016",
    "maximum": "M016",
    "exclusiveMinimum": "M016",
    "minItems": "M016",
    "maxItems": "M016",
    "minLength": "M016",
    "maxLength": "M016",
    "uniqueItems": "M014",
}


@dataclass(frozen=True)
class Manifest:
    """A valid manifest: the spec as written (without defaults) and the policy with defaults."""

    name: str
    spec: Mapping[str, Any]
    policy: Mapping[str, Any]
    labels: Mapping[str, str] = field(default_factory=dict)
    file: str = ""
    line: int = 1
    column: int = 1

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass
class LoadResult:
    manifests: list[Manifest]
    problems: list[Problem]
    files: list[str]

    @property
    def ok(self) -> bool:
        return not has_errors(self.problems)


def discover(paths: Iterable[str]) -> list[str]:
    """Every ``*.yaml``/``*.yml`` file under ``paths`` (recursive), sorted; config files skipped."""
    found: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            found.append(str(path))
        elif path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.endswith((".yaml", ".yml")) and name not in CONFIG_NAMES:
                        found.append(str(Path(root) / name))
        else:
            raise ManifestError(
                f"{raw}: no such file or directory", "pass the files or folders holding manifests"
            )
    return sorted(dict.fromkeys(found))


def load(paths: Iterable[str], defaults: Mapping[str, Any] | None = None) -> LoadResult:
    """Load and validate every manifest under ``paths``; ``defaults`` are the config defaults."""
    files = discover(paths)
    manifests: list[Manifest] = []
    problems: list[Problem] = []
    for file in files:
        try:
            raw = Path(file).read_bytes()
        except OSError as e:
            problems.append(Problem(file, 1, 1, "Y000", f"cannot read file: {e.strerror}"))
            continue
        try:
            documents = load_documents(file, raw)
        except YamlProblem as e:
            problems.append(Problem(e.file, e.line, e.column, e.code, e.message))
            continue
        for doc in documents:
            manifest, found = check_document(doc, defaults or {})
            problems.extend(found)
            if manifest is not None:
                manifests.append(manifest)
    problems.extend(_duplicate_names(manifests))
    bad = {(p.file, p.line) for p in problems if p.code == "R005"}
    manifests = [m for m in manifests if (m.file, m.line) not in bad]
    return LoadResult(manifests, sorted(problems), files)


def check_document(doc: Document, defaults: Mapping[str, Any]) -> tuple[Manifest | None, list[Problem]]:
    """Validate one document; the manifest is returned only when it has no errors."""
    problems: list[Problem] = []

    def report(path: tuple[Any, ...], code: str, message: str, *, key: bool = False) -> None:
        line, col = doc.where(path, key=key)
        problems.append(Problem(doc.file, line, col, code, message))

    data = doc.data
    if not isinstance(data, dict):
        report(
            (),
            "M001",
            f"document is a {_kind(data)}, expected a mapping with apiVersion: {API_VERSION}",
        )
        return None, problems
    if data.get("apiVersion") != API_VERSION:
        got = data.get("apiVersion")
        report(
            ("apiVersion",),
            "M002",
            f"apiVersion is {got!r}, expected {API_VERSION!r}"
            if got is not None
            else f"apiVersion is missing; add `apiVersion: {API_VERSION}`",
        )
        return None, problems
    if data.get("kind") != KIND:
        report(("kind",), "M003", f"kind is {data.get('kind')!r}, expected {KIND!r}")
        return None, problems
    for error in schema.validator(schema.MANIFEST).iter_errors(data):
        for path, code, message, at_key in describe_error(error):
            report(path, code, message, key=at_key)
    if isinstance(data.get("spec"), dict):
        problems.extend(_rules(doc, data["spec"], defaults))
    if has_errors(problems):
        return None, problems
    line, column = doc.where(("metadata", "name"))
    return (
        Manifest(
            name=data["metadata"]["name"],
            spec=data["spec"],
            policy=schema.with_defaults(
                schema.load(schema.MANIFEST)["properties"]["policy"], data.get("policy", {})
            ),
            labels=data["metadata"].get("labels", {}),
            file=doc.file,
            line=line,
            column=column,
        ),
        problems,
    )


def _kind(value: Any) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}.get(
        type(value), "null" if value is None else type(value).__name__
    )


def describe_error(
    error: ValidationError, prefix: tuple[Any, ...] = ()
) -> Iterator[tuple[tuple[Any, ...], str, str, bool]]:
    """Turn one jsonschema error into (path, code, message, point-at-key) findings.

    ``prefix`` places a sub-document (such as config defaults) inside its file.
    """
    path = (*prefix, *error.absolute_path)
    dotted = ".".join(str(p) for p in path) or "the manifest"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        props = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        known = [str(k) for k in props]
        for extra in sorted(k for k in error.instance if k not in known):
            where = (*path, extra)
            name = ".".join(str(p) for p in where)
            if path[-1:] in (("spec",), ("defaults",)) and extra in MANAGED_FIELDS:
                yield where, "M011", f"{name} {MANAGED_ADVICE}", True
                continue
            yield where, "M010", f"unknown field {name}{_suggest(str(extra), known)}", True
        return
    if error.validator == "required":
        missing = str(error.message).split("'")[1] if "'" in str(error.message) else "?"
        yield path, "M012", f"{dotted} is missing required field {missing!r}", True
        return
    code = _VALIDATOR_CODES.get(str(error.validator), "M019")
    desc = str(error.schema.get("description", "")) if isinstance(error.schema, dict) else ""
    message = _message(error, dotted)
    if desc and code in ("M015",):
        message += f" ({desc.split('. ')[0].rstrip('.')})"
    yield path, code, message, False


def _message(error: ValidationError, dotted: str) -> str:
    v, value = error.validator, error.instance
    if v == "type":
        return f"{dotted} must be {_article(error.validator_value)}, got {_kind(value)} {value!r}"
    if v in ("enum", "const"):
        allowed: Any = error.validator_value if v == "enum" else [error.validator_value]
        names = [str(a) for a in allowed]
        return f"{dotted} is {value!r}; allowed: {', '.join(names)}{_suggest(str(value), names)}"
    if v == "pattern":
        return f"{dotted} {value!r} does not match {error.validator_value}"
    if v == "propertyNames":
        return f"{dotted} has a key that is not allowed: {error.message}"
    if v in ("minimum", "exclusiveMinimum"):
        return f"{dotted} is {value}, must be at least {error.validator_value}"
    if v == "maximum":
        return f"{dotted} is {value}, must be at most {error.validator_value}"
    if v in ("minItems", "maxItems", "minLength", "maxLength"):
        return f"{dotted}: {error.message}"
    if v == "uniqueItems":
        return f"{dotted} has duplicate items"
    return f"{dotted}: {error.message}"


def _article(types: Any) -> str:
    names = types if isinstance(types, list) else [types]
    words = {
        "integer": "an integer",
        "object": "a mapping",
        "array": "a list",
        "string": "a string",
        "boolean": "true or false",
        "number": "a number",
    }
    return " or ".join(words.get(str(t), str(t)) for t in names)


def _suggest(word: str, choices: list[str]) -> str:
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:
        return f" (did you mean {lowered[word.lower()]!r}?)"
    prefixed = [c for c in choices if len(word) >= 4 and c.lower().startswith(word.lower())]
    if len(prefixed) == 1:
        return f" (did you mean {prefixed[0]!r}?)"
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _rules(doc: Document, written: dict[str, Any], defaults: Mapping[str, Any]) -> list[Problem]:
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


def _duplicate_names(manifests: list[Manifest]) -> list[Problem]:
    first: dict[str, Manifest] = {}
    out: list[Problem] = []
    for m in manifests:
        if m.name in first:
            other = first[m.name]
            out.append(
                Problem(
                    m.file,
                    m.line,
                    m.column,
                    "R005",
                    f"metadata.name {m.name!r} is already used at {other.location}; names must be unique",
                )
            )
            out.append(
                Problem(
                    other.file,
                    other.line,
                    other.column,
                    "R005",
                    f"metadata.name {m.name!r} is used again at {m.location}; names must be unique",
                )
            )
        else:
            first[m.name] = m
    return out


def require_valid(result: LoadResult) -> list[Manifest]:
    """The manifests of a load, or a ManifestError naming the first problem."""
    errors = [p for p in result.problems if p.severity != WARNING]
    if errors:
        more = f" (and {len(errors) - 1} more; run `reconciler validate`)" if len(errors) > 1 else ""
        raise ManifestError(f"{errors[0]}{more}")
    return result.manifests
