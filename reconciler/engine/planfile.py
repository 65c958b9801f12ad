"""The plan as JSON (``schemas/plan.v1.schema.json``): for CI, for PR comments, and as a saved
plan that ``apply --plan`` runs exactly. Pure: dicts in, dicts out."""

from __future__ import annotations

from typing import Any

from ..core.actions import ActionKind
from ..core.cost import Cost
from ..core.diff import Change
from ..core.kinds import by_name
from ..core.model import Action, Plan
from ..errors import ReconcilerError, shorten
from ..manifests import schema

FORMAT_VERSION = 1


def _cost(cost: Cost | None) -> dict[str, Any] | None:
    if cost is None:
        return None
    return {
        "instanceType": cost.instance_type,
        "instanceHours": cost.instance_hours,
        "hpoJobs": cost.hpo_jobs,
        "timeoutSeconds": cost.timeout_seconds,
        "unit": cost.unit,
    }


def action_to_json(a: Action) -> dict[str, Any]:
    return {
        "name": a.name,
        "action": a.action,
        "symbol": a.symbol,
        "jobId": a.job_id,
        "currentJobId": a.current_job_id,
        "previousJobId": a.previous_job_id,
        "stopJobId": a.stop_job_id,
        "clean": a.clean,
        "adopt": a.adopt,
        "adoptEarlier": list(a.adopt_earlier),
        "forget": a.forget,
        "orphan": a.orphan,
        "reason": a.reason,
        "forcesNewJob": a.forces_new_job,
        "changes": [c.to_json() for c in a.changes],
        "costBound": _cost(a.cost),
        "spec": dict(a.spec) if a.spec is not None else None,
        "applied": dict(a.applied) if a.applied is not None else None,
        "location": a.location,
        "kind": by_name(a.kind).name,
        **({"promoted": a.promoted} if a.promoted else {}),
        **({"abandon": a.abandon} if a.abandon else {}),
    }


def total_cost(plan: Plan) -> dict[str, float]:
    totals: dict[str, float] = {}
    for a in plan.actions:
        if a.cost and a.cost.bounded:  # an endpoint's cost runs per hour, a transform's has no timeout
            totals[a.cost.instance_type] = round(
                totals.get(a.cost.instance_type, 0.0) + a.cost.instance_hours, 2
            )
    return dict(sorted(totals.items()))


def to_json(plan: Plan, *, state_location: str | None = None) -> dict[str, Any]:
    return {
        "formatVersion": FORMAT_VERSION,
        "commit": plan.commit,
        "stateLocation": state_location,
        "stateSerial": plan.state_serial,
        "lineage": plan.lineage,
        "hasChanges": plan.has_changes,
        "summary": {str(k): n for k, n in plan.summary().items()},
        "costBound": {"instanceHours": total_cost(plan)},
        "warnings": list(plan.warnings),
        "actions": [action_to_json(a) for a in plan.actions],
        "edges": [{"from": a, "to": b, "field": f} for a, b, f in plan.edges],
        "fingerprints": dict(plan.fingerprints),
        "dirty": plan.dirty,
        "manifests": dict(plan.manifests),
        "paths": list(plan.paths),
    }


def _cost_of(cost: dict[str, Any]) -> Cost:
    unit = cost.get("unit", "training job")
    return Cost(cost["instanceType"], cost["instanceHours"], cost["hpoJobs"], cost["timeoutSeconds"], unit)


def from_json(doc: Any, where: str) -> tuple[Plan, str | None]:
    """A saved plan back into a Plan (and the state location it was made against)."""
    if not isinstance(doc, dict) or doc.get("formatVersion") != FORMAT_VERSION:
        raise ReconcilerError(
            f"{where} is not a saved plan of format {FORMAT_VERSION}",
            "create one with `reconciler plan --out FILE`",
        )
    error = next(iter(schema.validator(schema.PLAN).iter_errors(doc)), None)
    if error is not None:
        path = "/".join(str(p) for p in error.absolute_path) or "(top)"
        raise ReconcilerError(f"{where} is not a valid saved plan at {path}: {shorten(error.message, 160)}")
    actions = []
    for a in doc["actions"]:
        cost = a.get("costBound")
        actions.append(
            Action(
                name=a["name"],
                action=ActionKind(a["action"]),
                reason=a["reason"],
                job_id=a.get("jobId"),
                current_job_id=a.get("currentJobId"),
                previous_job_id=a.get("previousJobId"),
                stop_job_id=a.get("stopJobId"),
                clean=bool(a.get("clean")),
                adopt=bool(a.get("adopt")),
                adopt_earlier=tuple(a.get("adoptEarlier", ())),
                forget=bool(a.get("forget")),
                orphan=bool(a.get("orphan")),
                changes=tuple(
                    Change(c["path"], c.get("old"), c.get("new"), c["effect"]) for c in a["changes"]
                ),
                cost=_cost_of(cost) if cost else None,
                spec=a.get("spec"),
                applied=a.get("applied"),
                location=a.get("location", ""),
                kind=by_name(a.get("kind")).name,  # a plan from before kinds: training
                promoted=a.get("promoted", ""),
                abandon=a.get("abandon", ""),
            )
        )
    plan = Plan(
        actions=tuple(actions),
        state_serial=int(doc["stateSerial"]),
        lineage=doc.get("lineage"),
        # One channel for every kind (plans of 2026-11 kept data-processing reads apart).
        fingerprints={
            k.replace("dataprocessing/", "job/", 1): v for k, v in doc.get("fingerprints", {}).items()
        },
        warnings=tuple(doc.get("warnings", [])),
        commit=doc.get("commit"),
        manifests=dict(doc.get("manifests", {})),
        paths=tuple(doc.get("paths", ())),
        dirty=bool(doc.get("dirty", False)),
    )
    return plan, doc.get("stateLocation")
