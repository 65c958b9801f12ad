"""jsonschema errors → located, human messages with a problem code and a did-you-mean."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema import ValidationError

from ..core.kinds import KINDS
from ..errors import closest

MANAGED_FIELDS = frozenset(f for k in KINDS for f in k.managed_fields)
MANAGED_ADVICE = (
    "is managed by the reconciler: job ids derive from metadata.name and the spec, and "
    "incremental jobs are chained by it; remove it (to adopt an existing "
    "job run `reconciler import NAME JOB_ID`)"
)

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


def kind_of(value: Any) -> str:
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
        return f"{dotted} must be {_article(error.validator_value)}, got {kind_of(value)} {value!r}"
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
    match = closest(word, choices)
    return f" (did you mean {match!r}?)" if match else ""
