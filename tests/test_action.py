"""The GitHub Action's step (action/run.sh), run as a runner would: inputs as environment
variables, a fake GITHUB_OUTPUT and GITHUB_STEP_SUMMARY, the tool against the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .helpers import Workspace

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "action" / "run.sh"


def step(ws: Workspace, command: str, **inputs: str) -> tuple[int, dict[str, str], str, str]:
    """Run the step; answer its exit code, the outputs it wrote, the job summary and its stdout."""
    outputs, summary = ws.root / "github_output", ws.root / "step_summary"
    outputs.write_text(""), summary.write_text("")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",  # the reconciler entry point
        "RECONCILER_COMMAND": command,
        "RECONCILER_PATHS": "specs/",
        "RECONCILER_OUT": str(ws.root / "out"),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
        **inputs,
    }
    r = subprocess.run(
        ["bash", str(SCRIPT)], cwd=ws.root, env=env, capture_output=True, text=True, timeout=120
    )
    written = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    return r.returncode, written, summary.read_text(), r.stdout + r.stderr


def test_plan_writes_its_outputs_and_the_summary_and_passes_on_changes(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-m")
    ws.write("m", dp="dp-m")
    code, out, summary, _ = step(ws, "plan")
    assert code == 0  # 2 (changes to make) is a plan, not a failed step
    assert out["exitcode"] == "2" and out["changes"] == "1"
    assert Path(out["plan-json"]).is_file() and Path(out["plan-markdown"]).read_text() in summary
    assert summary.startswith("### reconciler plan: 1 to create")


def test_apply_then_pass_and_their_outputs(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-m")
    ws.write("m", dp="dp-m")
    code, out, summary, printed = step(ws, "apply")
    assert code == 0 and out["exitcode"] == "0", printed
    assert "m: started m-" in summary
    ws.emu.advance(120)
    code, out, summary, _ = step(ws, "pass")
    assert code == 0 and out["summary"].startswith("pass converged")
    assert summary.strip() == f"**reconciler {out['summary']}**"
    code, out, _, _ = step(ws, "plan")
    assert (code, out["exitcode"], out["changes"]) == (0, "0", "0")


def test_a_saved_plan_is_applied_exactly(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-m")
    ws.write("m", dp="dp-m")
    _, out, _, _ = step(ws, "plan")
    code, applied, _, printed = step(ws, "apply", RECONCILER_PLAN=out["plan-json"])
    assert code == 0 and applied["exitcode"] == "0", printed
    assert len(ws.emu.training_ids()) == 1


@pytest.mark.parametrize("broken", ["an error", "a bad command"])
def test_errors_fail_the_step(ws: Workspace, broken: str) -> None:
    if broken == "an error":
        (ws.specs / "bad.yaml").write_text("apiVersion: nope\n")
        code, out, _, _ = step(ws, "plan")
        assert code == 1 and out["exitcode"] == "1"
    else:
        code, out, _, printed = step(ws, "deploy")
        assert code == 2 and "::error::reconciler action: command must be" in printed and out == {}


def test_the_action_runs_this_script_with_its_inputs_in_the_environment() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    run = next(s for s in action["runs"]["steps"] if s.get("id") == "run")
    assert 'bash "$GITHUB_ACTION_PATH/action/run.sh"' in run["run"]
    assert "${{" not in run["run"]  # inputs reach the shell as variables only: no template injection
    assert set(action["outputs"]) == {"exitcode", "plan-json", "plan-markdown", "changes", "summary"}
