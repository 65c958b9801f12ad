from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.manifests import schema

from ..helpers import manifest, run

SPECS = str(Path(__file__).resolve().parents[2] / "specs")


def test_validate_examples_ok() -> None:
    r = run("validate", SPECS)
    assert r.code == 0
    assert r.lines == ["valid: 10 manifests in 10 files"]


def test_validate_reports_every_problem_sorted(in_tmp: Path) -> None:
    (in_tmp / "specs").mkdir()
    (in_tmp / "specs" / "b.yaml").write_text(manifest("b", spec="modelName: gcn\nmaxWaitTime: 9"))
    (in_tmp / "specs" / "a.yaml").write_text("spec: [\n")
    r = run("validate")
    assert r.code == 1
    assert r.lines == [
        "specs/a.yaml:2:1: Y001: YAML syntax error: while parsing a flow node did not find expected node content",
        "specs/b.yaml:8:14: M014: spec.modelName is 'gcn'; allowed: rgcn, kge, transe, distmult, rotate, custom (did you mean 'rgcn'?)",
        "specs/b.yaml:9:3: R002: maxWaitTime is only allowed with enableManagedSpotTraining: true; enable spot training or remove it",
        "invalid: 3 errors, 0 warnings in 2 files",
    ]


def test_validate_warnings_still_pass(in_tmp: Path) -> None:
    (in_tmp / "m.yaml").write_text(manifest(spec="maxHPOParallelTrainingJobs: 3"))
    r = run("validate", "m.yaml")
    assert r.code == 0
    assert r.lines[-1] == "valid: 1 manifests in 1 file (1 warning)"
    assert r.lines[0].startswith("m.yaml:8:3: R004: warning: ")


def test_validate_json(in_tmp: Path) -> None:
    (in_tmp / "m.yaml").write_text(manifest(spec="colour: red"))
    r = run("validate", "m.yaml", "--format", "json")
    doc = json.loads(r.out)
    assert r.code == 1 and doc["valid"] is False
    assert doc["problems"] == [
        {
            "file": "m.yaml",
            "line": 8,
            "column": 3,
            "code": "M010",
            "severity": "error",
            "message": "unknown field spec.colour",
        }
    ]


def test_validate_github_annotations(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    (in_tmp / "m.yaml").write_text(manifest(spec="colour: red"))
    r = run("validate", "m.yaml")
    assert "::error file=m.yaml,line=8,col=3::M010: unknown field spec.colour" in r.lines


def test_validate_uses_config_defaults(in_tmp: Path) -> None:
    (in_tmp / "m.yaml").write_text(manifest(spec="maxWaitTime: 100000"))
    assert run("validate", "m.yaml").code == 1
    (in_tmp / "reconciler.yaml").write_text("defaults:\n  enableManagedSpotTraining: true\n")
    assert run("validate", "m.yaml").code == 0


def test_bad_config_is_one_located_line(in_tmp: Path) -> None:
    (in_tmp / "reconciler.yaml").write_text(
        "endpoint: https://x:8182\ndefaults:\n  maxHPONumberOfTrainingJob: 3\n"
    )
    (in_tmp / "m.yaml").write_text(manifest())
    r = run("validate", "m.yaml")
    assert r.code == 1
    assert r.err == (
        "error: reconciler.yaml:3:3: M010: unknown field defaults.maxHPONumberOfTrainingJob "
        "(did you mean 'maxHPONumberOfTrainingJobs'?)\n"
    )
    assert len(r.err.splitlines()) == 1


def test_missing_path_is_a_user_error(in_tmp: Path) -> None:
    r = run("validate", "nope/")
    assert (r.code, r.err) == (
        1,
        "error: nope/: no such file or directory (pass the files or folders holding manifests)\n",
    )


def test_schema_command_prints_the_schema() -> None:
    r = run("schema")
    assert r.code == 0 and json.loads(r.out) == schema.load(schema.MANIFEST)
    assert json.loads(run("schema", "config").out)["title"] == "reconciler.yaml"
    assert run("schema", "nope").code == 1


@pytest.mark.parametrize("field", sorted(schema.spec_properties()))
def test_explain_every_spec_field(field: str) -> None:
    node = schema.spec_properties()[field]
    r = run("explain", f"spec.{field}")
    assert r.code == 0
    assert f"field:       spec.{field}" in r.lines
    shown = "string (an id) or {ref: NAME}" if "x-ref" in node else node["type"]
    assert any(line.startswith(f"type:        {shown}") for line in r.lines)
    expected_default = "(none)" if "default" not in node else json.dumps(node["default"])
    assert f"default:     {expected_default}" in r.lines
    assert any(line.startswith(f"on change:   {node['x-on-change']}:") for line in r.lines)


def test_explain_json_and_rules_from_code() -> None:
    info = json.loads(run("explain", "spec.maxWaitTime", "--format", "json").out)
    assert info["onChange"] == "next-job"
    assert "must be greater than trainingTimeOutInSeconds (R003)" in info["rules"]
    assert json.loads(run("explain", "policy.retries", "-f", "json").out)["default"] == 0


def test_explain_unknown_field() -> None:
    r = run("explain", "spec.nope")
    assert r.code == 1 and r.err.startswith("error: no field 'nope' in spec (fields: ")


def test_unexpected_error_exits_3_in_one_line(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import reconciler.manifests.load

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(reconciler.manifests.load, "load", boom)
    r = run("validate")
    assert r.code == 3
    assert r.err == (
        "internal error: RuntimeError: kaboom (this is a bug; rerun with --debug for the "
        "traceback and report it)\n"
    )
    r = run("--debug", "validate")
    assert r.code == 3 and "Traceback" in r.err


def test_usage_error_is_exit_2() -> None:
    assert run("validate", "--format").code == 2
