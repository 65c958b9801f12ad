"""Field-level changes between the last-applied manifest and the desired one (the one deepdiff user).

Each change carries its cost: ``new-job`` (starts a job), ``next-job`` (used by the next job)
or ``policy`` (the reconciler's own settings and labels; ledger only).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .kinds import Kind

ABSENT = None  # how an added or removed value shows on the other side


@dataclass(frozen=True)
class Change:
    path: str
    old: Any
    new: Any
    effect: str

    @property
    def op(self) -> str:
        """``add``, ``remove`` or ``change``."""
        return "add" if self.old is ABSENT else "remove" if self.new is ABSENT else "change"

    @property
    def forces_new_job(self) -> bool:
        return self.effect == "new-job"

    def describe(self) -> str:
        field = self.path.removeprefix("spec.")
        note = {
            "new-job": "forces a new job",
            "next-job": "takes effect on the next job",
            "policy": "reconciler setting; ledger only",
            "update": "updated in place",
        }[self.effect]
        return f"{field}: {_show(self.old)} → {_show(self.new)} ({note})"

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "op": self.op, "old": self.old, "new": self.new, "effect": self.effect}


def _show(value: Any) -> str:
    return "(unset)" if value is ABSENT else json.dumps(value, ensure_ascii=False)


def changes(old: Mapping[str, Any], new: Mapping[str, Any], kind: Kind) -> tuple[Change, ...]:
    """Changes from ``old`` to ``new``, each ``{"spec", "policy", "labels"}`` mappings."""
    if old == new:
        return ()  # the common case, and far cheaper than a diff
    from deepdiff import DeepDiff  # imported here: it is heavy and most runs never need it

    tree = DeepDiff(dict(old), dict(new), view="tree", ignore_order=False, verbose_level=2)
    found: dict[str, Change] = {}
    for report in tree.values():
        for level in report:
            path = level.path(output_format="list")
            change = _to_change(path, old, new, kind)
            found.setdefault(change.path, change)
    return tuple(found[k] for k in sorted(found, key=_order))


def _order(path: str) -> tuple[int, str]:
    return ({"spec": 0, "policy": 1, "metadata": 2}.get(path.split(".")[0], 3), path)


def _get(data: Mapping[str, Any], path: list[Any]) -> Any:
    node: Any = data
    for part in path:
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return ABSENT
    return node


def _to_change(path: list[Any], old: Mapping[str, Any], new: Mapping[str, Any], kind: Kind) -> Change:
    section = path[0] if path else "spec"
    effect: str
    if section == "spec" and len(path) >= 2:
        top = path[:2]
        effect = kind.effect_of(str(top[1]))
        # A list is one value (subnets, security groups): shown whole, not item by item.
        is_list = isinstance(_get(old, top), list) or isinstance(_get(new, top), list)
        keep = top if is_list else path
    else:  # policy.* and labels.*: the reconciler's own settings
        effect, keep = "policy", path[:2]
    label = ".".join(str(p) for p in keep)
    if section == "labels":
        label = "metadata." + label
    return Change(label, _plain(_get(old, keep)), _plain(_get(new, keep)), effect)


def _plain(value: Any) -> Any:
    from deepdiff.helper import NotPresent

    return ABSENT if isinstance(value, NotPresent) else value
