"""What git wants, as the core sees it: one record per manifest, built by the manifest layer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .kinds import TRAINING, Kind


@dataclass(frozen=True)
class Desired:
    """A manifest as the plan sees it: the effective spec (defaults filled in), policy, labels."""

    name: str
    spec: Mapping[str, Any]
    policy: Mapping[str, Any]
    labels: Mapping[str, str] = field(default_factory=dict)
    location: str = ""
    kind: Kind = TRAINING

    def applied_view(self) -> dict[str, Any]:
        """What the ledger records as applied, and what the next plan diffs against."""
        return {"spec": dict(self.spec), "policy": dict(self.policy), "labels": dict(self.labels)}
