"""``reconciler explain``: a field's type, default, rules and change cost, read from the schema."""

from __future__ import annotations

import json
from typing import Any

from ..core.kinds import KINDS, by_name, registry
from ..errors import ReconcilerError, closest
from . import schema

EFFECTS = {
    "new-job": "changes what the job makes: a change starts a new job",
    "next-job": "recorded now, used by the next job the reconciler starts; never starts one",
    "update": "an endpoint is updated in place (same id) to take the change",
}
_RULE_KEYS = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "pattern",
    "enum",
    "const",
    "uniqueItems",
)
# Rules that live in code, shown beside the field they constrain: each kind's own (``Kind.explain``)
# and those of every kind.
DEFAULT = by_name(None)  # the kind of a manifest that names none
EVERY_KIND_RULES = {"metadata.name": ["unique across the repository (R005)"]}


def type_of(node: dict[str, Any]) -> str:
    """A field's type in words: ``string``, ``list of string``, an id or a reference, alternatives."""
    if "oneOf" in node:  # e.g. policy.promote: `auto` or `manual`, or a gate (an object)
        return " or ".join(
            ", ".join(f"`{v}`" for v in b["enum"]) if "enum" in b else type_of(b) for b in node["oneOf"]
        )
    if "const" in node:
        return f"`{node['const']}`"
    if "x-ref" in node:
        return f"id, or `{{ref: NAME}}` of a {' or '.join(node['x-ref'])}"
    kind = str(node.get("type", "any"))
    if kind == "array" and "items" in node:
        return f"list of {node['items'].get('type', 'any')}"
    return kind


def code_rules(path: str, schema_name: str) -> list[str]:
    """The rules code holds for ``path`` of the kind whose schema is ``schema_name``."""
    own = next((list(k.explain.get(path, ())) for k in KINDS if k.schema == schema_name), [])
    return [*own, *EVERY_KIND_RULES.get(path, [])]


def resolve_field(path: str, name: str = schema.MANIFEST) -> str:
    """``maxWaitTime`` means ``spec.maxWaitTime``: a bare name is looked up under spec, policy
    and metadata, in that order; anything else is taken as written."""
    top = schema.load(name)["properties"]
    if path and "." not in path and path not in top:
        for section in ("spec", "policy", "metadata"):
            if path in top[section].get("properties", {}):
                return f"{section}.{path}"
    return path


def _kind_of(path: str) -> tuple[str, str, str]:
    """(schema, kind, path) that has ``path``: ``Kind.field`` names the kind; else the default
    kind's (a manifest's without ``kind:``) first, then the other kinds'. A path none has is
    explained (and refused, with a did-you-mean) against the default kind."""
    named, _, rest = path.partition(".")
    if named in registry() and rest:
        return registry()[named].schema, named, rest
    for kind in sorted(KINDS, key=lambda k: k is not DEFAULT):
        try:
            schema.node(resolve_field(path, kind.schema), kind.schema)
        except ReconcilerError:
            continue
        return kind.schema, kind.name, path
    if path and "." not in path:  # a bare name none has: the nearest field of any kind
        known = {
            f"{section}.{field}"
            for kind in KINDS
            for section in ("spec", "policy", "metadata")
            for field in schema.load(kind.schema)["properties"][section].get("properties", {})
        }
        match = closest(path, {k.split(".", 1)[1]: k for k in known})
        if match:
            full = next(k for k in sorted(known) if k.endswith("." + match))
            raise ReconcilerError(f"no field {path!r} in any manifest kind", f"did you mean {full!r}?")
    return DEFAULT.schema, DEFAULT.name, path


def describe(path: str) -> dict[str, Any]:
    name, kind_name, path = _kind_of(path)
    path = resolve_field(path, name)
    node = schema.node(path, name)
    parent = schema.node(".".join(path.split(".")[:-1]), name) if "." in path else schema.load(name)
    leaf = path.split(".")[-1] if path else ""
    kind = node.get("type", "const" if "const" in node else type_of(node))
    if "x-ref" in node:
        value = "an S3 location" if leaf in registry()[kind_name].value_refs else "an id"
        targets = " or ".join(node["x-ref"])
        article = "an" if targets[:1] in "AEIOU" else "a"
        kind = f"string ({value}) or {{ref: NAME}} of {article} {targets} manifest"
    info: dict[str, Any] = {
        "field": path or "(manifest)",
        "kind": kind_name,
        "type": kind,
        "required": leaf in parent.get("required", []),
        "default": node.get("default"),
        "rules": [f"{k}: {json.dumps(node[k])}" for k in _RULE_KEYS if k in node] + code_rules(path, name),
        "description": node.get("description", ""),
    }
    if kind == "array" and "items" in node:
        info["rules"] += [f"items {k}: {json.dumps(v)}" for k, v in node["items"].items() if k in _RULE_KEYS]
    if "x-on-change" in node:
        info["onChange"] = node["x-on-change"]
    if "properties" in node:
        info["fields"] = sorted(node["properties"])
    gate = next((b for b in node.get("oneOf", ()) if "properties" in b), None)
    if gate is not None:
        info["fields"] = sorted(gate["properties"])
    return info


def as_text(info: dict[str, Any]) -> str:
    rows = [
        (
            "field",
            info["field"]
            + ("" if info.get("kind", DEFAULT.name) == DEFAULT.name else f" (kind: {info['kind']})"),
        ),
        ("type", info["type"] + (" (required)" if info["required"] else "")),
        ("default", "(none)" if info["default"] is None else json.dumps(info["default"])),
    ]
    if "onChange" in info:
        rows.append(("on change", f"{info['onChange']}: {EFFECTS[info['onChange']]}"))
    rows += [("rule", r) for r in info["rules"]]
    if info.get("fields"):
        rows.append(("fields", ", ".join(info["fields"])))
    rows.append(("description", info["description"]))
    return "".join(f"{k + ':':<13}{v}\n" for k, v in rows)
