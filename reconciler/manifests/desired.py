"""Manifests → the core's ``Desired`` records: schema defaults < config defaults < manifest spec."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any

from ..core.desired import Desired
from ..core.kinds import KINDS, Kind
from . import schema
from .discover import repo_path, repo_root
from .load import Manifest


def effective_spec(spec: Mapping[str, Any], defaults: Mapping[str, Any] | None, kind: Kind) -> dict[str, Any]:
    """Schema defaults < config defaults < manifest spec (without the managed previous id)."""
    return completer(kind.schema)({**kind_defaults(defaults, kind), **spec})


def _desired(m: Manifest, given: Mapping[str, Any], root: str) -> Desired:
    """``m`` as the core sees it, ``given`` being the config defaults its kind takes."""
    complete = completer(m.kind.schema)
    written = {**given, **m.spec}
    return Desired(
        m.name,
        complete(written),
        dict(m.policy),
        dict(m.labels),
        m.location,
        kind=m.kind,
        written=written,
        complete=complete,
        source=repo_path(m.file, root),
        refs=dict(m.refs),
    )


def kind_defaults(defaults: Mapping[str, Any] | None, kind: Kind) -> dict[str, Any]:
    """The config's ``defaults`` that a kind's spec has (they are written for training jobs; a
    shared one such as ``neptuneIamRoleArn`` reaches every kind that takes it)."""
    known = schema.load(kind.schema)["properties"]["spec"]["properties"]
    return {k: v for k, v in (defaults or {}).items() if k in known}


def desired_from(manifests: Iterable[Manifest], defaults: Mapping[str, Any] | None = None) -> list[Desired]:
    """One Desired per manifest, sorted by name; ``written`` keeps what the user set."""
    root, given = repo_root(), {k: kind_defaults(defaults, k) for k in KINDS}
    return [_desired(m, given[m.kind], root) for m in sorted(manifests, key=lambda m: m.name)]


@cache
def completer(schema_name: str) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """Fills a kind's schema defaults into a spec (a manifest's, or one the ledger recorded)."""
    node = schema.load(schema_name)["properties"]["spec"]

    def complete(spec: Mapping[str, Any]) -> dict[str, Any]:
        filled: dict[str, Any] = schema.with_defaults(node, dict(spec))
        return filled

    return complete
