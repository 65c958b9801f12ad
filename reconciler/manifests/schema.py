"""The JSON Schemas in ``schemas/``: the single source of formats, defaults and change costs.

Everything that needs to know a field's type, default, rule or ``x-on-change`` asks here.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ReconcilerError, closest

if TYPE_CHECKING:
    from .compiled import Compiled

MANIFEST = "modeltrainingjob.v1"
CONFIG = "config.v1"
LEDGER = "ledger.v1"
PLAN = "plan.v1"

_PACKAGE = Path(__file__).resolve().parent.parent


def _schema_dir() -> Path:
    # A wheel carries the schemas inside the package; a source checkout keeps them at the top.
    for candidate in (_PACKAGE / "_schemas", _PACKAGE.parent / "schemas"):
        if candidate.is_dir():
            return candidate
    raise ReconcilerError("schema files not found; reinstall the reconciler package")


@cache
def load(name: str) -> dict[str, Any]:
    """The parsed schema ``schemas/<name>.schema.json``; a property marked ``x-kind-names`` takes
    the registered kinds' names as its enum (the registry is the one list of kinds)."""
    text = (_schema_dir() / f"{name}.schema.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text, object_hook=_kind_names)
    return data


def _kind_names(node: dict[str, Any]) -> dict[str, Any]:
    if node.get("x-kind-names") is True:
        from ..core.kinds import KINDS

        return {**node, "enum": [k.name for k in KINDS]}
    return node


def text(name: str) -> str:
    """The schema as published (``reconciler schema``): the file, its kind lists filled in."""
    raw = (_schema_dir() / f"{name}.schema.json").read_text(encoding="utf-8")
    return raw if '"x-kind-names"' not in raw else json.dumps(load(name), indent=2, ensure_ascii=False) + "\n"


def _is_integer(checker: Any, instance: Any) -> bool:
    # JSON Schema counts 2.0 as an integer; the service does not, and 2.0 would change a job id.
    return isinstance(instance, int) and not isinstance(instance, bool)


@cache
def _validator_class() -> Any:
    """Draft 2020-12, except that an integer must be written as one. jsonschema is imported
    here: it only explains what the compiled fast path refused, and costs ~40 ms to import."""
    from jsonschema import Draft202012Validator, validators

    checker = Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer)
    return validators.extend(Draft202012Validator, type_checker=checker)  # type: ignore[no-untyped-call]


def strict_validator(schema: dict[str, Any]) -> Any:
    """A jsonschema validator of ``schema`` that says why, where and what (for messages)."""
    return _validator_class()(schema)


@cache
def validator(name: str) -> Any:
    return strict_validator(load(name))


@cache
def _compiled(name: str) -> Compiled:
    from .compiled import compiled

    return compiled(spec_fragment() if name == FRAGMENT else load(name))


FRAGMENT = "spec-fragment"  # for valid(): config defaults against the spec schema


def valid(name: str, data: Any) -> bool:
    """The fast path: True when ``data`` is valid against schema ``name`` (a validator compiled to
    Python code, ~20x faster than jsonschema's); on False, ``validator(name)`` says why."""
    import fastjsonschema

    check = _compiled(name)
    try:
        check.check(data)
    except fastjsonschema.JsonSchemaException:
        return False
    # JSON Schema takes 2.0 as an integer; we don't. The compiled check refuses it itself when
    # its allowance could be taken out of the generated code; otherwise a document holding a
    # float with no fraction goes to the full validator.
    return check.strict or not _has_whole_float(data)


def _has_whole_float(data: Any) -> bool:
    """Whether a float without a fraction (2.0) lies anywhere in ``data`` (a loop, not a
    recursion: it runs on every document)."""
    stack = [data]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is float:
            if item.is_integer():
                return True
        if kind is dict:
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
    return False


def spec_fragment() -> dict[str, Any]:
    """A partial spec's schema (config defaults): the spec schema without required fields."""
    spec: dict[str, Any] = copy.deepcopy(load(MANIFEST)["properties"]["spec"])
    spec.pop("required", None)
    return spec


@cache
def spec_fragment_validator() -> Any:
    return strict_validator(spec_fragment())


def spec_properties() -> dict[str, Any]:
    props: dict[str, Any] = load(MANIFEST)["properties"]["spec"]["properties"]
    return props


@cache
def fields_by_effect() -> dict[str, tuple[str, ...]]:
    """``{"new-job": (...), "next-job": (...)}`` from the schema's ``x-on-change`` marks."""
    out: dict[str, list[str]] = {}
    for name, prop in spec_properties().items():
        out.setdefault(prop["x-on-change"], []).append(name)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def on_change(field: str) -> str:
    """``new-job`` or ``next-job`` for a top-level spec field."""
    effect: str = spec_properties()[field]["x-on-change"]
    return effect


def with_defaults(schema: dict[str, Any], data: Any) -> Any:
    """``data`` with every schema default filled in where the key is absent: new mappings where
    defaults go, the rest shared with ``data`` (which is never changed), defaults copied."""
    if not isinstance(data, dict) or schema.get("type") != "object":
        return data
    objects, defaults = _defaults_of(schema)
    out = dict(data)
    for key, sub in objects:
        value = out.get(key)
        if type(value) is dict:
            out[key] = with_defaults(sub, value)
    for key, default, sub in defaults:
        if key not in out:
            value = copy.deepcopy(default) if isinstance(default, dict | list) else default
            out[key] = with_defaults(sub, value) if type(value) is dict else value
    return out


_DEFAULTS: dict[int, tuple[dict[str, Any], Any]] = {}


def _defaults_of(schema: dict[str, Any]) -> tuple[list[tuple[str, Any]], list[tuple[str, Any, Any]]]:
    """A schema node's object-typed properties and its defaults, worked out once per node (the
    loaded schemas live for the process: a node is known by its identity, kept alive here)."""
    found = _DEFAULTS.get(id(schema))
    if found is not None and found[0] is schema:
        plan: tuple[list[tuple[str, Any]], list[tuple[str, Any, Any]]] = found[1]
        return plan
    props = schema.get("properties", {})
    objects = [(k, p) for k, p in props.items() if isinstance(p, dict) and p.get("type") == "object"]
    defaults = [(k, p["default"], p) for k, p in props.items() if isinstance(p, dict) and "default" in p]
    plan = (objects, defaults)
    _DEFAULTS[id(schema)] = (schema, plan)
    return plan


def node(path: str, name: str = MANIFEST) -> dict[str, Any]:
    """The schema node of a dotted field path such as ``spec.maxWaitTime`` (in schema ``name``)."""
    current = load(name)
    walked: list[str] = []
    for part in [p for p in path.split(".") if p]:
        props: dict[str, Any] = current.get("properties", {})
        # A field of alternatives (policy.promote: a word or a gate) has the fields of its object one.
        props = props or next((b["properties"] for b in current.get("oneOf", ()) if "properties" in b), {})
        if part not in props:
            choices = ", ".join(sorted(props)) or "none: it has no sub-fields"
            where = ".".join(walked) or "the manifest"
            match = closest(part, props)
            hint = (
                f"did you mean {'.'.join([*walked, match])!r}? fields: {choices}"
                if match
                else f"fields: {choices}"
            )
            raise ReconcilerError(f"no field {part!r} in {where}", hint)
        current = props[part]
        walked.append(part)
    return current
