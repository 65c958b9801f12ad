"""``reconciler explain``: a field's type, default, rules and change cost, read from the schema."""

from __future__ import annotations

import json
from typing import Any

from ..core.kinds import KINDS, TRAINING
from ..errors import ReconcilerError, closest
from . import schema

EFFECTS = {
    "new-job": "changes the model: a change starts a new training job",
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
# Rules that live in code (manifests/rules.py), shown beside the field they constrain: those of
# one kind's schema (the cross-field rules are the training job's), and those of every kind.
TRAINING_RULES = {
    "spec.maxWaitTime": [
        "only with enableManagedSpotTraining: true (R002)",
        "must be greater than trainingTimeOutInSeconds (R003)",
    ],
    "spec.modelName": ["custom requires customModelTrainingParameters (R001)"],
    "spec.customModelTrainingParameters": ["only with modelName: custom (R001)"],
    "spec.maxHPOParallelTrainingJobs": ["at most maxHPONumberOfTrainingJobs (R004, warning)"],
    "spec.dataProcessingJobId": [
        "must name a Completed data-processing job before a job can start",
        "a change alone gives an incremental update when policy.onDataChange is incremental",
    ],
}
EVERY_KIND_RULES = {"metadata.name": ["unique across the repository (R005)"]}


def code_rules(path: str, schema_name: str) -> list[str]:
    """The rules code holds for ``path`` of the kind whose schema is ``schema_name``."""
    own = TRAINING_RULES.get(path, []) if schema_name == schema.MANIFEST else []
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


def _kind_of(path: str) -> tuple[str, str]:
    """(schema, kind) that has ``path``: the training job's first, then the other kinds'; a
    path none has is explained (and refused, with a did-you-mean) against the training job."""
    for kind in sorted(KINDS, key=lambda k: k is not TRAINING):
        try:
            schema.node(resolve_field(path, kind.schema), kind.schema)
        except ReconcilerError:
            continue
        return kind.schema, kind.name
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
    return schema.MANIFEST, TRAINING.name


def describe(path: str) -> dict[str, Any]:
    name, kind_name = _kind_of(path)
    path = resolve_field(path, name)
    node = schema.node(path, name)
    parent = schema.node(".".join(path.split(".")[:-1]), name) if "." in path else schema.load(name)
    leaf = path.split(".")[-1] if path else ""
    kind = node.get("type", "const" if "const" in node else "any")
    if "x-ref" in node:
        kind = f"string (an id) or {{ref: NAME}} of a {' or '.join(node['x-ref'])} manifest"
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
    return info


def as_text(info: dict[str, Any]) -> str:
    rows = [
        (
            "field",
            info["field"]
            + ("" if info.get("kind", TRAINING.name) == TRAINING.name else f" (kind: {info['kind']})"),
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
