"""What a manifest kind is: the record every kind module fills in."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from ..cost import Cost
from ..live import TERMINAL, Live

# new-job: a change needs a new job; next-job: it takes effect with the next one; update: a
# long-lived resource (an endpoint) is updated in place.
Effect = Literal["new-job", "next-job", "update"]
Lifecycle = Literal["job", "service"]
# Which of a referenced manifest's jobs a ``{ref: NAME}`` resolves to: its current one (a job
# waits for it to complete), or its latest Completed one (an endpoint keeps serving the last good).
Takes = Literal["current", "completed"]
# (manifest name, effective spec, live) -> None, or ("wait" | "blocked", why)
Gate = Callable[[str, Mapping[str, Any], Live], "tuple[str, str] | None"]
# A rule a schema can't say, found in an effective spec: (field or None, code, message, severity).
Check = tuple["str | None", str, str, str]


@dataclass(frozen=True, eq=False)  # one object per kind: compared and hashed by identity
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
    command: str = ""  # ``reconciler jobs <command> list|get|stop`` ("": the top-level commands)
    # The spec field that counts the models a job trains (HPO), shown as progress: "" for none.
    budget_field: str = ""
    # Where waiting for one of its jobs ends: a job's final statuses; an endpoint's serving or
    # broken ones (SageMaker's transitional states, Updating or RollingBack, keep a wait going).
    settled: tuple[str, ...] = TERMINAL
    ref_takes: Takes = "current"
    # The references status and ``state show`` draw as edges of the graph, and how they say it.
    edges: Mapping[str, str] = field(default_factory=dict)
    # Whether observe lists the resource's (active) ids: a job of a manifest the ledger lost that
    # still runs holds new starts back. Data-processing ids are found by their deterministic GETs.
    lists: bool = False
    # Whether a spec needs its S3 inputs checked before a job may start (a custom model's sources).
    preflight: Callable[[Mapping[str, Any]], bool] = field(default=lambda spec: False, compare=False)
    # Cross-field rules over the effective spec (the manifest layer places them in the file).
    checks: Callable[[Mapping[str, Any]], list[Check]] = field(default=lambda spec: [], compare=False)
    # The file under a finished job's processing output that holds its evaluation metrics ("": none).
    metrics_file: str = ""
    # What ``explain`` says of the rules in code (checks, gates), by field path ("spec.maxWaitTime").
    explain: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Reference fields that take an attribute of the referenced job rather than its id: field ->
    # attribute ("output": where the job wrote, e.g. an export's outputS3Uri once it succeeded).
    value_refs: Mapping[str, str] = field(default_factory=dict)
    # Which service its jobs live on: "neptune" (the cluster's /ml API, ids ours) or "export" (the
    # Neptune-Export service: it picks the job ids, so ours are handles the client maps to its).
    service: str = "neptune"
    # Whether a running job can be stopped (prune of one that can't just forgets it).
    stoppable: bool = True
    # Fields a create derives from the job id (None: the body is the spec and the id): the plan
    # shows them, the ledger records them.
    shape: Callable[[dict[str, Any], str], dict[str, Any]] | None = field(default=None, compare=False)

    @property
    def finishes(self) -> bool:
        """A job reaches a final state and never changes after it; a service serves until deleted."""
        return self.lifecycle == "job"

    @property
    def named_by_manifest(self) -> bool:
        """A service's id is its manifest's name (one per manifest); a job's is name, hash, attempt."""
        return self.lifecycle == "service"

    @property
    def removal(self) -> str:
        """What prune does to what it made: delete a service, stop a running job (forget one whose
        service offers no stop)."""
        if self.lifecycle == "service":
            return "delete"
        return "stop" if self.stoppable else "forget"

    @property
    def serving_fields(self) -> tuple[str, ...]:
        """The reference fields naming what a service serves (exactly one is set)."""
        return tuple(self.refs) if self.ref_takes == "completed" else ()

    def serves(self, spec: Mapping[str, Any]) -> str | None:
        """The job a service's spec serves, if it is one that serves."""
        return next((str(spec[f]) for f in self.serving_fields if spec.get(f)), None)

    def inputs(self, spec: Mapping[str, Any]) -> dict[str, str]:
        """Id fields that may name another job, set in ``spec`` (a literal id, or one resolved):
        field -> job id. A value reference (an S3 location) names no job."""
        return {
            f: str(spec[f])
            for f in self.refs
            if f not in self.value_refs and isinstance(spec.get(f), str) and spec[f]
        }

    def started(self, job: str, body: Mapping[str, Any], previous: str | None) -> str:
        """The line apply prints for a create (or an in-place update) it carried out."""
        if self.lifecycle == "service":
            served = self.serves(body)
            return f"{'updated' if body.get('update') else 'created'} {self.noun} {job}" + (
                f", serving {served}" if served else ""
            )
        return f"started {job}" + (f" from {previous}" if previous else "")

    @cached_property
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
