"""Manifests → the core's ``Desired`` records: schema defaults < config defaults < manifest spec."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..core.desired import Desired
from ..core.kinds import TRAINING, Kind
from . import schema
from .load import Manifest


def effective_spec(
    spec: Mapping[str, Any], defaults: Mapping[str, Any] | None = None, kind: Kind = TRAINING
) -> dict[str, Any]:
    """Schema defaults < config defaults < manifest spec (without the managed previous id)."""
    merged = {**(defaults or {}), **spec}
    result: dict[str, Any] = schema.with_defaults(schema.load(kind.schema)["properties"]["spec"], merged)
    return result


def desired_from(manifests: Iterable[Manifest], defaults: Mapping[str, Any] | None = None) -> list[Desired]:
    """One Desired per manifest, sorted by name."""
    return [
        Desired(
            m.name,
            effective_spec(m.spec, defaults, m.kind),
            dict(m.policy),
            dict(m.labels),
            m.location,
            m.kind,
        )
        for m in sorted(manifests, key=lambda m: m.name)
    ]
