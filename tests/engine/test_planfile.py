"""The saved-plan format: its schema follows ActionKind, and every kind survives a round trip."""

from __future__ import annotations

from reconciler.core.actions import ActionKind
from reconciler.core.cost import Cost
from reconciler.core.diff import Change
from reconciler.core.model import Action, Plan
from reconciler.engine.planfile import from_json, to_json
from reconciler.manifests import schema


def test_the_plan_schema_lists_exactly_the_action_kinds() -> None:
    doc = schema.load(schema.PLAN)
    summary = doc["properties"]["summary"]["propertyNames"]["enum"]
    action = doc["properties"]["actions"]["items"]["properties"]["action"]["enum"]
    assert summary == action == [k.value for k in ActionKind]


def test_every_action_kind_round_trips_through_a_saved_plan() -> None:
    actions = tuple(
        Action(
            f"m-{kind.value}",
            kind,
            f"because {kind.value}",
            job_id=f"m-{kind.value}-1",
            changes=(Change("spec.modelName", "rgcn", "transe", "new-job"),),
            cost=Cost("ml.p3.2xlarge", 4.0, 2, 7200) if kind.starts_job else None,
            spec={"id": f"m-{kind.value}-1"} if kind.starts_job else None,
        )  # fmt: skip
        for kind in ActionKind
    )
    plan = Plan(actions, state_serial=3, lineage="l-1", fingerprints={"job/x": "Completed"}, commit="abc")
    doc = to_json(plan, state_location=".reconciler/state.json")
    assert doc["summary"] == {k.value: 1 for k in ActionKind}
    back, location = from_json(doc, "plan.json")
    assert back == plan and location == ".reconciler/state.json"
    assert all(isinstance(a.action, ActionKind) for a in back.actions)
