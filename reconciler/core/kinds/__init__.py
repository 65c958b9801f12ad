"""Manifest kinds, registered in one table. A kind is one module in this package.

A kind says what its spec fields cost to change (its catalogue), which managed field chains
a job to the one before it, which API resource it lives on, what must hold before one of its
jobs may start (its gate) and what a job may cost. The decision rules in ``core/rules.py``
are shared by every immutable-job kind; the manifest layer reads the kind's schema file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ..cost import Cost
    from ..desired import Desired
    from ..live import Live

Effect = Literal["new-job", "next-job"]
Gate = Callable[["Desired", "Live"], "tuple[str, str] | None"]


@dataclass(frozen=True)
class Kind:
    """One manifest kind and everything the core needs to know about it."""

    name: str
    schema: str  # the schema file under schemas/ (without .schema.json)
    resource: str  # the API resource: /ml/<resource>
    catalogue: Mapping[str, Effect]  # spec field -> what a change of it costs
    previous_field: str  # managed: set on incremental jobs
    gate: Gate  # why a new job cannot start now, or None
    cost: Callable[[Mapping[str, Any]], Cost]

    @property
    def new_job_fields(self) -> tuple[str, ...]:
        return tuple(sorted(k for k, v in self.catalogue.items() if v == "new-job"))

    @property
    def managed_fields(self) -> tuple[str, ...]:
        return ("id", self.previous_field)

    def effect_of(self, field: str) -> Effect:
        """A field the catalogue does not know is treated as changing the model (the safe side)."""
        return self.catalogue.get(field, "new-job")


def registry() -> dict[str, Kind]:
    """Every kind by its manifest ``kind:`` name."""
    from .training import TRAINING

    return {k.name: k for k in (TRAINING,)}
