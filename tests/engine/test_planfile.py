"""The saved-plan format: its schema follows ActionKind, and every kind survives a round trip."""

from __future__ import annotations

import json
import subprocess

from reconciler.core.actions import ActionKind
from reconciler.core.cost import Cost
from reconciler.core.diff import Change
from reconciler.core.model import Action, Plan
from reconciler.engine.planfile import from_json, to_json
from reconciler.manifests import schema

from ..helpers import Workspace, run


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
            kind="ModelTrainingJob",
        )  # fmt: skip
        for kind in ActionKind
    )
    plan = Plan(actions, state_serial=3, lineage="l-1", fingerprints={"job/x": "Completed"}, commit="abc")
    doc = to_json(plan, state_location=".reconciler/state.json")
    assert doc["summary"] == {k.value: 1 for k in ActionKind}
    back, location = from_json(doc, "plan.json")
    assert back == plan and location == ".reconciler/state.json"
    assert all(isinstance(a.action, ActionKind) for a in back.actions)


def test_a_plan_from_a_dirty_tree_says_so_and_apply_warns_when_manifests_moved(ws: Workspace) -> None:
    """A saved plan recorded only the commit: an uncommitted edit was invisible at apply."""
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=ws.root, check=True)
    ws.emu.seed_dp("dp-a")
    ws.emu.seed_dp("dp-b")
    ws.write("a")
    subprocess.run([*git, "add", "specs"], cwd=ws.root, check=True)
    subprocess.run([*git, "commit", "-qm", "a"], cwd=ws.root, check=True)
    assert run("plan", "--out", "clean.json").code == 2
    clean = json.loads((ws.root / "clean.json").read_text())
    assert clean["dirty"] is False and clean["paths"] == ["specs"] and set(clean["manifests"]) == {"a"}
    ws.write("b")  # untracked: the tree is dirty now
    assert run("plan", "--out", "dirty.json").code == 2
    assert json.loads((ws.root / "dirty.json").read_text())["dirty"] is True
    ws.write("a", spec="maxHPONumberOfTrainingJobs: 3")  # and a manifest moves after planning
    r = ws.apply("--plan", "dirty.json")
    assert r.code == 0, r.err
    assert "warning: the saved plan was made from manifests with uncommitted changes" in r.out
    assert (
        "warning: the manifests differ from what was planned (changed: a); the saved plan runs as reviewed"
        in r.out
    )
    assert sorted(ws.ledger().names()) == ["a", "b"]  # exactly as planned, the warning aside
