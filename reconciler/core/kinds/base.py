"""What a manifest kind is: the record every kind module fills in."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..cost import Cost
from ..live import Live

Effect = Literal["new-job", "next-job"]
# (manifest name, effective spec, live) -> None, or ("wait" | "blocked", why)
Gate = Callable[[str, Mapping[str, Any], Live], "tuple[str, str] | None"]


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
