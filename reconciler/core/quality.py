"""Model quality (pure): the promotion gate of a serving manifest, judged on recorded metrics.

``policy.promote`` is ``auto``, ``manual`` or a gate: a ``metric`` (a dotted path into the
model's own ``eval_metrics_info.json``), its ``direction`` (higher or lower is better), an
absolute bar (``minimum``/``maximum``) and ``noWorse`` (the new model must be at least as good
as the one served, default yes). A model without its number is never promoted by the gate
(a missing file is a hold, not "better"); a number that is not one is an error naming the path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

# What observe learned of a job's metrics: the file's JSON, or why there is none.
Metrics = Mapping[str, Any] | str


@dataclass(frozen=True)
class Gate:
    metric: str
    direction: Literal["higher", "lower"] = "higher"
    minimum: float | None = None
    maximum: float | None = None
    no_worse: bool = True

    @classmethod
    def of(cls, policy: Mapping[str, Any]) -> Gate | None:
        promote = policy.get("promote")
        if not isinstance(promote, Mapping):
            return None
        return cls(
            str(promote["metric"]), promote.get("direction", "higher"), promote.get("minimum"),
            promote.get("maximum"), bool(promote.get("noWorse", True)),
        )  # fmt: skip

    def better(self, a: float, b: float) -> bool:
        """Whether ``a`` is at least as good as ``b``."""
        return a >= b if self.direction == "higher" else a <= b


@dataclass(frozen=True)
class Reading:
    """One job's number on the gate's path, or why there is none (``error``: not a number)."""

    path: str
    value: float | None
    problem: str = ""
    error: bool = False

    def show(self) -> str:
        return f"{self.path} {self.value:g}" if self.value is not None else f"no {self.path} ({self.problem})"


def read(metrics: Metrics | None, path: str, job: str) -> Reading:
    """The value at ``path`` (``eval.accuracy``: keys joined by dots) of a job's metrics."""
    if metrics is None:
        return Reading(path, None, f"metrics of {job} not read yet")
    if isinstance(metrics, str):
        return Reading(path, None, metrics)
    node: Any = metrics
    for key in path.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return Reading(path, None, f"{job}'s eval_metrics_info.json has no {path}")
        node = node[key]
    if isinstance(node, bool) or not isinstance(node, int | float):
        return Reading(
            path, None, f"{job}'s {path} is {node!r}, not a number: fix the gate's metric path", error=True
        )
    return Reading(path, float(node))


@dataclass(frozen=True)
class Verdict:
    """``ok``: promote; ``hold``: keep serving what it serves (``--promote NAME`` overrides);
    ``blocked``: the gate itself is wrong (a path to something that is not a number)."""

    outcome: Literal["ok", "hold", "blocked"]
    reason: str = ""
    candidate: Reading | None = None
    served: Reading | None = None


def judge(
    gate: Gate, candidate: tuple[str, Metrics | None], served: tuple[str, Metrics | None] | None
) -> Verdict:
    """Whether the candidate job may be served, against the gate and what is served now."""
    job, metrics = candidate
    new = read(metrics, gate.metric, job)
    old = read(served[1], gate.metric, served[0]) if served is not None else None
    if new.error:
        return Verdict("blocked", new.problem, new, old)
    if new.value is None:
        return Verdict("hold", f"{new.show()}: the gate promotes only a model it can measure", new, old)
    if gate.minimum is not None and new.value < gate.minimum:
        return Verdict("hold", f"{gate.metric} {new.value:g} < minimum {gate.minimum:g}", new, old)
    if gate.maximum is not None and new.value > gate.maximum:
        return Verdict("hold", f"{gate.metric} {new.value:g} > maximum {gate.maximum:g}", new, old)
    if gate.no_worse and old is not None and old.value is not None and not gate.better(new.value, old.value):
        sign = "<" if gate.direction == "higher" else ">"
        return Verdict("hold", f"{gate.metric} {new.value:g} {sign} {old.value:g} served now", new, old)
    return Verdict("ok", "", new, old)
