"""What a manifest kind is: the record every kind module fills in."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..cost import Cost
from ..live import TERMINAL, Live

# new-job: a change needs a new job; next-job: it takes effect with the next one; update: a
# long-lived resource (an endpoint) is updated in place.
Effect = Literal["new-job", "next-job", "update"]
Lifecycle = Literal["job", "service"]
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
    cost: Callable[[Mapping[str, Any]], Cost | None]
    # Id fields that may name another manifest (``{ref: NAME}``), and the kinds each may name.
    refs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # The field whose change alone is "new data" (an incremental job when ``previous_field``).
    data_field: str = ""
    # job: immutable jobs (new job per change); service: one long-lived resource, updated in place.
    lifecycle: Lifecycle = "job"
    noun: str = "job"  # how plans name what it makes
    short: str = "job"  # the KIND column of status
    # The spec field that counts the models a job trains (HPO), shown as progress: "" for none.
    budget_field: str = ""
    # Where waiting for one of its jobs ends: a job's final statuses; an endpoint's serving or
    # broken ones (SageMaker's transitional states, Updating or RollingBack, keep a wait going).
    settled: tuple[str, ...] = TERMINAL

    @property
    def new_job_fields(self) -> tuple[str, ...]:
        """The fields that shape what it makes (and its spec hash): new-job, or update in place."""
        return tuple(sorted(k for k, v in self.catalogue.items() if v in ("new-job", "update")))

    @property
    def managed_fields(self) -> tuple[str, ...]:
        """Fields the reconciler sets: never in a manifest."""
        if self.lifecycle == "service":
            return ("id", "update")
        return ("id", self.previous_field) if self.previous_field else ("id",)

    def effect_of(self, field: str) -> Effect:
        """A field the catalogue does not know is treated as changing the model (the safe side)."""
        return self.catalogue.get(field, "new-job")
