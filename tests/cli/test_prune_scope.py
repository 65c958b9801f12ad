"""--prune acts only inside what the run was pointed at: the paths given (files or folders),
--target and -l. A manifest outside them is never stopped or forgotten, even if it is not in
the files this run read."""

from __future__ import annotations

from pathlib import Path

from ..helpers import Workspace, manifest, run


def setup(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-a")
    ws.emu.seed_dp("dp-b")
    ws.emu.seed_dp("dp-c")
    ws.write("a", labels="{team: risk}")
    team = ws.specs / "team"
    team.mkdir()
    (team / "b.yaml").write_text(manifest("b", labels="{team: growth}"))
    (team / "c.yaml").write_text(manifest("c", labels="{team: growth}"))
    assert ws.apply().code == 0


def test_prune_with_one_file_touches_nothing_else(ws: Workspace) -> None:
    """The dangerous case: `plan --prune specs/a.yaml` used to plan the other manifests' stops."""
    setup(ws)
    assert ws.actions("--prune", "specs/a.yaml") == {"a": "noop"}
    r = run("apply", "--auto-approve", "--prune", "specs/a.yaml")
    assert r.code == 0 and ws.emu.log("DELETE") == []
    assert sorted(ws.ledger().names()) == ["a", "b", "c"]


def test_prune_with_a_folder_acts_inside_it_only(ws: Workspace) -> None:
    setup(ws)
    (ws.specs / "team" / "c.yaml").unlink()
    ws.remove("a")
    assert ws.actions("--prune", "specs/team") == {"b": "noop", "c": "stop"}
    assert ws.actions("--prune", "specs/team/") == {"b": "noop", "c": "stop"}  # the same folder, spelled so
    assert ws.actions("--prune", "./specs") == {"b": "noop", "a": "blocked", "c": "blocked"}  # 2 of 3
    assert ws.actions("--prune-all", "./specs") == {"b": "noop", "a": "stop", "c": "stop"}


def test_prune_with_target_or_label_acts_on_those_only(ws: Workspace) -> None:
    setup(ws)
    (ws.specs / "team" / "c.yaml").unlink()
    ws.remove("a")
    assert ws.actions("--prune", "--target", "b", "--target", "c") == {"b": "noop", "c": "stop"}
    assert ws.actions("--prune", "-l", "team=growth") == {"b": "noop", "c": "stop"}
    assert ws.actions("--prune", "-l", "team=risk") == {"a": "stop"}


def test_an_entry_recorded_without_its_file_is_out_of_scope_of_a_file_path(ws: Workspace) -> None:
    """Ledgers written before files were recorded: a folder still prunes them, a file never."""
    setup(ws)
    ledger_file = Path(ws.state)
    text = ledger_file.read_text()
    import json

    doc = json.loads(text)
    for res in doc["resources"].values():
        res["applied"].pop("source")
    ledger_file.write_text(json.dumps(doc))
    (ws.specs / "team" / "c.yaml").unlink()
    assert ws.actions("--prune", "specs/a.yaml") == {"a": "noop"}
    assert ws.actions("--prune", "specs") == {"a": "noop", "b": "noop", "c": "stop"}
