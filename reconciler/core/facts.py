"""Facts about the graph (pure), computed once for ``status``, ``state show`` and the plan to render:
what an endpoint serves (and whether it is its model's latest Completed job), and what each job
was built on. Renderers print these records; they hold no graph logic of their own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .kinds import Kind
from .ledger import Ledger
from .live import Live
from .quality import Gate, read
from .records import Generation
from .refs import wrote
from .settle import last_completed


@dataclass(frozen=True)
class Serves:
    """What a serving manifest's current generation serves."""

    job: str | None
    manifest: str | None = None  # the manifest whose job it is, when it is a reference
    generation: int | None = None  # which of that manifest's generations (1-based)
    latest_completed: bool = False
    newest: tuple[str, str] | None = None  # that manifest's newest job and status, if not served
    # The promotion gate's numbers: (path, served's value, candidate job, its value).
    metric: tuple[str, float | None, str | None, float | None] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"job": self.job, "manifest": self.manifest}
        if self.metric is not None:
            path, served, candidate, value = self.metric
            out["metric"] = {"path": path, "served": served, "candidate": value, "candidateJob": candidate}
        if self.manifest:
            if self.generation is not None:
                out["generation"] = self.generation
            out["latestCompleted"] = self.latest_completed
            if self.newest is not None:
                out["newest"] = {"job": self.newest[0], "status": self.newest[1]}
        return out

    def line(self, name: str) -> str:
        """``fraud-endpoint serves fraud-rgcn-… (fraud-rgcn generation 2, its latest Completed)``."""
        if not self.manifest:
            return f"{name} serves {self.job}"
        latest = "its latest Completed" if self.latest_completed else "not its latest Completed"
        gen = f" generation {self.generation}" if self.generation else ""
        newest = f"; its newest job {self.newest[0]} is {self.newest[1]}" if self.newest else ""
        metric = ""
        if self.metric is not None:
            path, served, candidate, value = self.metric
            metric = f"; {path} {_num(served)}"
            if candidate not in (None, self.job):
                metric += f", its latest Completed {candidate}: {_num(value)}"
        return f"{name} serves {self.job} ({self.manifest}{gen}, {latest}{newest}{metric})"


@dataclass(frozen=True)
class Uses:
    """An edge of the graph in git: a job built on another manifest's job (``{ref: NAME}``)."""

    field: str
    job: str
    manifest: str
    verb: str  # how the kind says it: "trained on", "transforms with"

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "job": self.job, "manifest": self.manifest}

    def line(self, name: str) -> str:
        return f"{name} {self.verb} {self.job} ({self.manifest})"


def serves(name: str, ledger: Ledger, live: Live) -> Serves | None:
    """What ``name``'s current generation serves, or None for a kind that serves nothing."""
    cur, kind, refs = ledger.current(name), _kind(ledger, name), ledger.applied(name).get("refs", {})
    if cur is None or not kind.serving_fields:
        return None
    field = next((f for f in kind.serving_fields if cur["spec"].get(f)), None)
    job = kind.serves(cur["spec"])
    model = refs.get(field) if field else None
    if not model:
        return Serves(job)
    gens = [g["jobId"] for g in ledger.generations(model)]
    newest, done = ledger.current(model), last_completed(model, ledger, live)
    gate = Gate.of(ledger.applied(name).get("policy", {}))
    metric = None
    if gate is not None:
        metric = (gate.metric, _value(gate, job, live), done, _value(gate, done, live))
    return Serves(
        job, model, gens.index(job) + 1 if job in gens else None,
        latest_completed=done == job,
        newest=(newest["jobId"], live.status(newest["jobId"]) or "unknown")
        if newest is not None and newest["jobId"] != job else None,
        metric=metric,
    )  # fmt: skip


def judged(ledger: Ledger) -> dict[str, str]:
    """Each manifest a gated one refers to, and the metric path its jobs are judged by (built
    once per plan or status: looking one up is then O(1))."""
    paths: dict[str, str] = {}
    for other in ledger.names():
        gate = Gate.of(ledger.applied(other).get("policy", {}))
        if gate is not None:
            for target in ledger.applied(other).get("refs", {}).values():
                paths.setdefault(target, gate.metric)
    return paths


def measured(name: str, ledger: Ledger, live: Live, paths: dict[str, str]) -> dict[str, Any] | None:
    """A model's current job's number on the path a gated manifest serving it judges by."""
    cur, path = ledger.current(name), paths.get(name)
    if cur is None or path is None:
        return None
    return {"path": path, "value": read(live.metrics.get(cur["jobId"]), path, cur["jobId"]).value}


def history(
    name: str, ledger: Ledger, live: Live, paths: dict[str, str], last: int = 3
) -> tuple[tuple[str, str, str], ...]:
    """A gated model's last generations as (job, data it was trained on, its metric), when a
    change retrains it: what the PR shows beside the change."""
    path = paths.get(name)
    if path is None:
        return ()
    kind = _kind(ledger, name)
    rows = []
    for g in ledger.generations(name)[-last:]:
        value = read(live.metrics.get(g["jobId"]), path, g["jobId"]).value
        data = str(g["spec"].get(kind.data_field, "-")) if kind.data_field else "-"
        rows.append((g["jobId"], data, f"{path} {value:g}" if value is not None else f"{path} unknown"))
    return tuple(rows)


def _value(gate: Gate, job: str | None, live: Live) -> float | None:
    return read(live.metrics.get(job), gate.metric, job).value if job else None


def _num(value: float | None) -> str:
    return f"{value:g}" if value is not None else "unknown"


def uses(name: str, ledger: Ledger, g: Generation | None = None) -> tuple[Uses, ...]:
    """The references of ``name``'s generation ``g`` (its current one by default), resolved."""
    g = g or ledger.current(name)
    kind, refs = _kind(ledger, name), ledger.applied(name).get("refs", {})
    if g is None or kind.serving_fields:
        return ()
    found = [
        Uses(field, job, refs[field], kind.edges[field])
        for field, job in kind.inputs(g["spec"]).items()
        if refs.get(field) and field in kind.edges
    ]
    for field in kind.value_refs:  # a location: the referenced manifest's job that wrote there
        value, target = g["spec"].get(field), refs.get(field)
        if target and field in kind.edges and isinstance(value, str):
            writers = [x["jobId"] for x in ledger.generations(target) if wrote(x) == value]
            found.append(Uses(field, writers[-1] if writers else value, target, kind.edges[field]))
    return tuple(found)


def notes(ledger: Ledger, name: str, g: Generation) -> str:
    """What a generation was: built from which job, serving which model, on which data."""
    kind, found = _kind(ledger, name), []
    previous = g["spec"].get(kind.previous_field) if kind.previous_field else None
    if previous:
        found.append(f"from {previous}")
    served = kind.serves(g["spec"])
    if served:
        found.append(f"serving {served}")
    found.extend(f"{e.verb} {e.job}" for e in uses(name, ledger, g))
    seen = g.get("seen")
    if seen is not None and "metrics" in seen:
        numbers = [
            f"{k} {v:g}"
            for k, v in seen["metrics"].items()
            if isinstance(v, int | float) and not isinstance(v, bool)
        ]
        found.append(", ".join(numbers[:3]) or "metrics recorded")
    elif seen is not None and "metricsMissing" in seen:
        found.append("no metrics file")
    if g.get("promoted"):
        found.append(f"promoted by {g['promoted']['by']} over the gate ({g['promoted']['over']})")
    if g.get("stopped"):
        found.append("stopped by reconciler")
    return ", ".join(found)


def _kind(ledger: Ledger, name: str) -> Kind:
    return ledger.kind(name)
