"""Load and validate manifests: files → YAML documents → checked ``Manifest`` objects.

Schema errors come from jsonschema; the rules a schema can't say (cross-field checks,
uniqueness, managed fields) live here, each with its own code. Every problem is located.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.kinds import Kind, registry
from ..errors import ManifestError, closest
from . import schema
from .discover import discover
from .messages import describe_error, kind_of
from .problems import WARNING, Problem, has_errors
from .rules import cross_field
from .yamlsource import Document, YamlProblem, load_documents, quick_document, read_limited

API_VERSION = "neptune-ml.reconciler/v1"
# Problem codes, one per rule (the README lists them).
CODES = {
    "M000": "file holds no manifest (warning; an error for --prune)",
    "M001": "document is not a mapping",
    "M002": "unknown apiVersion",
    "M003": "unknown kind",
    "M004": "folder skipped: a dot-folder, or one already read through a link (warning)",
    "M005": "a link that leaves the repository (not read)",
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
    "R006": "a reference names no manifest",
    "R007": "a reference names a manifest of the wrong kind",
    "R008": "references form a cycle",
    "R009": "a model transform needs a data-processing and a training job, or a SageMaker job's name",
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
    kind: Kind = field(kw_only=True)
    # Id fields written as ``{ref: NAME}``: field -> NAME; ``where`` finds a field's line and
    # column when a reference problem is reported (only then: it parses the file's positions).
    refs: Mapping[str, str] = field(default_factory=dict)
    where: Callable[..., tuple[int, int]] | None = field(default=None, compare=False, repr=False)

    def ref_at(self, field_name: str) -> tuple[int, int]:
        """Line and column of the name in ``spec.<field_name>: {ref: NAME}``."""
        return self.where(("spec", field_name, "ref")) if self.where else (self.line, self.column)

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass
class LoadResult:
    manifests: list[Manifest]
    problems: list[Problem]
    files: list[str]
    skipped: list[str] = field(default_factory=list)  # paths (from the repository root) not read

    @property
    def ok(self) -> bool:
        return not has_errors(self.problems)


def load(paths: Iterable[str], defaults: Mapping[str, Any] | None = None) -> LoadResult:
    """Load and validate every manifest under ``paths``; ``defaults`` are the config defaults."""
    paths = list(paths)
    discovered = discover(paths)
    files = discovered.files
    manifests: list[Manifest] = []
    problems: list[Problem] = list(discovered.problems)
    for file in files:
        try:
            raw = read_limited(file)
            quick = quick_document(file, raw)
            documents = [quick] if quick is not None else load_documents(file, raw)
        except OSError as e:
            problems.append(Problem(file, 1, 1, "Y000", f"cannot read file: {e.strerror or e}"))
            continue
        except YamlProblem as e:
            problems.append(Problem(e.file, e.line, e.column, e.code, e.message))
            continue
        if not documents:
            problems.append(Problem(file, 1, 1, "M000", "file holds no manifest (it is empty)", WARNING))
        for doc in documents:
            manifest, found = check_document(doc, defaults or {})
            problems.extend(found)
            if manifest is not None:
                manifests.append(manifest)
    problems.extend(duplicate_names(manifests))
    bad = {(p.file, p.line) for p in problems if p.code == "R005"}
    manifests = [m for m in manifests if (m.file, m.line) not in bad]
    partial = any(not Path(p).is_dir() for p in paths)
    broken = reference_problems(manifests, partial=partial)
    problems.extend(broken)
    refused = {p.file for p in broken if p.severity != WARNING}
    manifests = [m for m in manifests if m.file not in refused or not m.refs]
    return LoadResult(manifests, sorted(problems), files, discovered.skipped)


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
            f"document is a {kind_of(data)}, expected a mapping with apiVersion: {API_VERSION}",
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
    kinds = registry()
    kind = kinds.get(str(data.get("kind")))
    if kind is None:
        expected = " or ".join(repr(k) for k in kinds)
        report(("kind",), "M003", f"kind is {data.get('kind')!r}, expected {expected}")
        return None, problems
    for error in () if schema.valid(kind.schema, data) else schema.validator(kind.schema).iter_errors(data):
        for path, code, message, at_key in describe_error(error):
            report(path, code, message, key=at_key)
    if isinstance(data.get("spec"), dict):
        problems.extend(cross_field(doc, kind, data["spec"], defaults))
    if has_errors(problems):
        return None, problems
    line, column = doc.where(("metadata", "name"))
    refs = {f: str(v["ref"]) for f in kind.refs if isinstance(v := data["spec"].get(f), dict) and "ref" in v}
    return (
        Manifest(
            name=data["metadata"]["name"],
            spec=data["spec"],
            policy=schema.with_defaults(
                schema.load(kind.schema)["properties"]["policy"], data.get("policy", {})
            ),
            labels=data["metadata"].get("labels", {}),
            file=doc.file,
            line=line,
            column=column,
            kind=kind,
            refs=refs,
            where=doc.where if refs else None,
        ),
        problems,
    )


def reference_problems(manifests: list[Manifest], *, partial: bool = False) -> list[Problem]:
    """Offline checks of ``{ref: NAME}``: the name exists, is of a kind the field may name, and
    no chain of references comes back to where it started. ``partial``: files were named one by
    one (a pre-commit hook passes the changed ones), so a name outside them is only a warning."""
    by_name = {m.name: m for m in manifests}
    out: list[Problem] = []
    for m in manifests:
        for field_name, target in sorted(m.refs.items()):
            allowed = m.kind.refs[field_name]
            other = by_name.get(target)
            if other is not None and other.kind.name in allowed:
                continue
            line, column = m.ref_at(field_name)
            if other is None:
                near = closest(target, [n for n, o in by_name.items() if o.kind.name in allowed])
                hint = (
                    f"; did you mean {near!r}?"
                    if near
                    else f"; add a {' or '.join(allowed)} manifest named {target!r}"
                )
                if partial and near is None:
                    message = (
                        f"spec.{field_name} refers to {target!r}, which is not among the files given "
                        "(validate the folder to check it)"
                    )
                    out.append(Problem(m.file, line, column, "R006", message, WARNING))
                    continue
                message = f"spec.{field_name} refers to {target!r}, which no manifest is named{hint}"
                out.append(Problem(m.file, line, column, "R006", message))
            elif other.kind.name not in allowed:
                message = (
                    f"spec.{field_name} refers to {target!r}, a {other.kind.name} ({other.location}); "
                    f"it must name a {' or '.join(allowed)}"
                )
                out.append(Problem(m.file, line, column, "R007", message))
    for cycle in _cycles(manifests):
        m = by_name[cycle[0]]
        field_name = next(f for f, t in sorted(m.refs.items()) if t == cycle[1 % len(cycle)])
        line, column = m.ref_at(field_name)
        path = " → ".join([*cycle, cycle[0]])
        out.append(
            Problem(m.file, line, column, "R008", f"references form a cycle: {path}; break it at one of them")
        )
    return out


def _cycles(manifests: list[Manifest]) -> list[list[str]]:
    """Each cycle of references once, starting at its smallest name: a depth-first walk that meets
    a name still on its path (linear in manifests and references)."""
    edges = {m.name: sorted(set(m.refs.values())) for m in manifests}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    found: dict[tuple[str, ...], list[str]] = {}
    for start in sorted(edges):
        if start in state:
            continue
        path: list[str] = [start]
        todo: list[Iterator[str]] = [iter(edges[start])]
        state[start] = 1
        while todo:
            nxt = next(todo[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                todo.pop()
            elif state.get(nxt) == 1:
                loop = path[path.index(nxt) :]
                i = loop.index(min(loop))
                found.setdefault(tuple(loop[i:] + loop[:i]), loop[i:] + loop[:i])
            elif nxt not in state and nxt in edges:
                state[nxt] = 1
                path.append(nxt)
                todo.append(iter(edges[nxt]))
    return list(found.values())


def duplicate_names(manifests: list[Manifest]) -> list[Problem]:
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


def require_valid(result: LoadResult, *, prune: bool = False) -> list[Manifest]:
    """The manifests of a load, or a ManifestError naming the first problem. With ``prune`` an
    empty file is an error too: a manifest emptied by mistake must not prune its job."""
    empty = [p for p in result.problems if p.code == "M000"]
    if prune and empty:
        raise ManifestError(
            f"{empty[0].file}: file holds no manifest (it is empty); --prune refuses to run while a "
            "manifest file is empty, so that emptying one by mistake can't stop its job",
            "restore the file, or delete it if its manifest is meant to go",
        )
    errors = [p for p in result.problems if p.severity != WARNING]
    if errors:
        more = f" (and {len(errors) - 1} more; run `reconciler validate`)" if len(errors) > 1 else ""
        raise ManifestError(f"{errors[0]}{more}")
    return result.manifests
