"""scripts/readme_examples.py: the README's demo blocks are written from the demo's transcript, and
the check fails when the README shows something the demo no longer prints."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def load(readme: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("readme_examples", ROOT / "scripts" / "readme_examples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.README = readme  # type: ignore[attr-defined]
    return module


PLAN = """Plan for 2 manifest(s) · ledger serial 3 · state .reconciler/state.json

  a: in sync: job a-1 is Completed
-/+ b: retrain b-2
      maxHPONumberOfTrainingJobs: 2 → 3 (forces a new job)
  c: in sync: job c-1 is Completed

Plan: 1 to retrain, 2 unchanged.
"""


def test_hidden_groups_fold_into_one_ellipsis_and_keep_their_indented_lines() -> None:
    module = load(ROOT / "README.md")
    lines = module.shown(PLAN, re.compile(": in sync:"))
    assert lines == [
        "Plan for 2 manifest(s) · ledger serial 3 · state .reconciler/state.json",
        "",
        "...",
        "-/+ b: retrain b-2",
        "      maxHPONumberOfTrainingJobs: 2 → 3 (forces a new job)",
        "...",
        "",
        "Plan: 1 to retrain, 2 unchanged.",
    ]


def test_write_then_check_and_a_stale_readme_fails(tmp_path: Path, capsys) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("intro\n\n<!-- demo: hide=': in sync:' plan -->\n```console\nold\n```\n\ntail\n")
    transcript = tmp_path / "t.json"
    transcript.write_text(json.dumps({"plan": {"command": "reconciler plan", "output": PLAN}}))
    module = load(readme)

    assert module.main(["--check", str(transcript)]) == 1
    assert "differ from the demo's output: plan" in capsys.readouterr().err

    assert module.main(["--write", str(transcript)]) == 0
    text = readme.read_text()
    assert "$ reconciler plan\n" in text and "-/+ b: retrain b-2" in text and "a: in sync" not in text
    assert text.startswith("intro\n") and text.endswith("```\n\ntail\n")
    assert module.main(["--check", str(transcript)]) == 0

    # Volatile values (ports, durations, timestamps) are not substance; a changed word is.
    moved = PLAN.replace("serial 3", "serial 3").replace("2 → 3", "2 → 4")
    transcript.write_text(json.dumps({"plan": {"command": "reconciler plan", "output": moved}}))
    assert module.main(["--check", str(transcript)]) == 1
    timed = {"plan": {"command": "reconciler plan", "output": "done after 3s on 127.0.0.1:1234\n"}}
    transcript.write_text(json.dumps(timed))
    module.main(["--write", str(transcript)])
    timed["plan"]["output"] = "done after 12s on 127.0.0.1:999\n"
    transcript.write_text(json.dumps(timed))
    assert module.main(["--check", str(transcript)]) == 0


def test_the_readme_names_only_outputs_the_demo_records() -> None:
    demo = (ROOT / "scripts" / "demo.py").read_text()
    recorded = set(re.findall(r'label="([\w-]+)"', demo)) | {"config"}
    named = set()
    for args in re.findall(r"<!-- demo: (.*?) -->", (ROOT / "README.md").read_text()):
        named |= {w for w in re.sub(r"hide='[^']*'", "", args).split()}
    assert named and named <= recorded, named - recorded
    assert shutil.which("true")  # the module is importable without the demo's servers


def test_column_padding_around_a_duration_is_not_substance() -> None:
    """CI failed on a busy machine: `8s` against `10s` in status's AGE column moved the padding."""
    module = load(ROOT / "README.md")
    fast = "NAME  JOB   AGE\na     a-1    8s\nbb    bb-2   9s\n"
    slow = "NAME  JOB   AGE\na     a-1   10s\nbb    bb-2  12s\n"
    assert module.masked(fast) == module.masked(slow)
    assert module.masked(fast) != module.masked(slow.replace("a-1", "a-9"))
