"""--prune acts only inside what the run was pointed at: the paths given (files or folders),
--target and -l. A manifest outside them is never stopped or forgotten, even if it is not in
the files this run read."""

from __future__ import annotations

from pathlib import Path

import pytest

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
    confirm = ("--confirm-prune", "a", "--confirm-prune", "c")
    assert ws.actions("--prune", "specs/team", *confirm) == {"b": "noop", "c": "stop"}
    # the same folder, spelled so
    assert ws.actions("--prune", "specs/team/", *confirm) == {"b": "noop", "c": "stop"}
    assert ws.actions("--prune", "./specs", *confirm) == {
        "b": "noop",
        "a": "blocked",
        "c": "blocked",
    }  # 2 of 3
    assert ws.actions("--prune-all", "./specs", *confirm) == {"b": "noop", "a": "stop", "c": "stop"}


def test_prune_with_target_or_label_acts_on_those_only(ws: Workspace) -> None:
    setup(ws)
    (ws.specs / "team" / "c.yaml").unlink()
    ws.remove("a")
    confirm = ("--confirm-prune", "a", "--confirm-prune", "c")
    assert ws.actions("--prune", "--target", "b", "--target", "c", *confirm) == {"b": "noop", "c": "stop"}
    assert ws.actions("--prune", "-l", "team=growth", *confirm) == {"b": "noop", "c": "stop"}
    assert ws.actions("--prune", "-l", "team=risk", *confirm) == {"a": "stop"}


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
    assert ws.actions("--prune", "specs") == {"a": "noop", "b": "noop", "c": "hold"}


def test_dot_means_the_folder_the_run_stands_in(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from a sub-folder, `--prune .` acts inside that folder only, and a source recorded by a
    run that stood elsewhere still compares: sources are kept relative to the repository root."""
    (ws.root / ".git").mkdir()  # the workspace is a repository
    setup(ws)
    ws.remove("a")
    (ws.specs / "team" / "c.yaml").unlink()
    monkeypatch.chdir(ws.specs / "team")
    assert ws.actions("--prune", ".", "--confirm-prune", "a", "--confirm-prune", "c") == {
        "b": "noop",
        "c": "stop",
    }
    r = run("apply", "--auto-approve", "--prune", ".", "--confirm-prune", "c")
    assert r.code == 0, r.out + r.err
    assert sorted(ws.ledger().names()) == ["a", "b"]  # a, outside the folder, is kept
    (ws.specs / "team" / "d.yaml").write_text(manifest("d"))
    ws.emu.seed_dp("dp-d")
    assert run("apply", "--auto-approve", ".").code == 0
    assert ws.ledger().applied("d")["source"] == "specs/team/d.yaml"
    monkeypatch.chdir(ws.root)
    (ws.specs / "team" / "d.yaml").unlink()
    assert ws.actions("--prune", "specs/team", "--confirm-prune", "d") == {"b": "noop", "d": "stop"}


def test_a_prune_that_destroys_work_is_held_until_named(ws: Workspace) -> None:
    """A missing file alone never stops a running job or deletes an endpoint: `--prune` holds it
    and says how to confirm; a finished job is still forgotten without a word."""
    setup(ws)
    ws.emu.advance(120)  # b and c complete; a is made to run again below
    (ws.specs / "team" / "c.yaml").unlink()
    assert ws.actions("--prune", "specs/team") == {"b": "noop", "c": "forget"}
    ws.write("a", spec="maxHPONumberOfTrainingJobs: 3", labels="{team: risk}")
    assert ws.apply("specs/a.yaml").code == 0
    ws.remove("a")
    doc = ws.plan_json("--prune", "--target", "a")
    (held,) = doc["actions"]
    assert held["action"] == "hold" and "--confirm-prune a" in held["reason"]
    r = ws.apply("--prune", "--target", "a")
    assert r.code == 0 and ws.emu.log("DELETE") == []
    assert ws.actions("--confirm-prune", "a", "--target", "a") == {"a": "stop"}


def test_discovery_reads_links_inside_and_names_what_it_skips(ws: Workspace) -> None:
    """A symlinked folder inside the repository is read, *.YAML is read, a dot-folder is
    skipped with a warning, and a link that leaves the repository is refused."""
    (ws.root / ".git").mkdir()
    shared = ws.root / "shared-specs"
    shared.mkdir()
    (shared / "linked.yaml").write_text(manifest("linked"))
    (ws.specs / "shared").symlink_to(shared, target_is_directory=True)
    (ws.specs / "UPPER.YAML").write_text(manifest("upper"))
    (ws.specs / ".hidden").mkdir()
    (ws.specs / ".hidden" / "h.yaml").write_text(manifest("hidden"))
    r = run("validate", "specs")
    assert r.code == 0, r.out
    assert "valid: 2 manifests in 2 files (1 warning)" in r.out
    assert "specs/.hidden:1:1: M004: warning: dot-folder not read" in r.out
    outside = ws.root.parent / f"{ws.root.name}-outside.yaml"
    outside.write_text(manifest("secret", dp="s3cr3t-value"))
    (ws.specs / "leak.yaml").symlink_to(outside)
    r = run("validate", "specs")
    assert r.code == 1 and "M005" in r.out and "s3cr3t-value" not in r.out
    assert run("validate", "specs/leak.yaml").code == 1


def test_nothing_is_pruned_from_where_discovery_did_not_read(ws: Workspace) -> None:
    """A manifest applied from a dot-folder named by path, then planned from its parent: the
    folder is skipped (and named), so its job is neither stopped nor forgotten."""
    hidden = ws.specs / ".team"
    hidden.mkdir()
    (hidden / "h.yaml").write_text(manifest("h"))
    ws.emu.seed_dp("dp-h")
    ws.emu.seed_dp("dp-a")
    ws.write("a")
    assert ws.apply("specs/.team/h.yaml").code == 0
    assert ws.apply("specs").code == 0
    actions = ws.actions("--prune", "--confirm-prune", "h", "specs")
    assert actions == {"a": "noop"}


def test_a_branch_lacking_exactly_half_prunes_nothing(ws: Workspace) -> None:
    """The guard allowed exactly half: a branch lacking 5 of 10 manifests pruned them."""
    for name in ("a", "b", "c", "d"):
        ws.emu.seed_dp(f"dp-{name}")
        ws.write(name)
    assert ws.apply().code == 0
    ws.emu.advance(120)  # finished: a prune would only forget them
    ws.remove("a")
    ws.remove("b")
    assert ws.actions("--prune") == {"a": "blocked", "b": "blocked", "c": "noop", "d": "noop"}
    assert ws.actions("--prune-all") == {"a": "forget", "b": "forget", "c": "noop", "d": "noop"}
