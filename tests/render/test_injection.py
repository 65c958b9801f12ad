"""Untrusted text (server failure reasons, file names) can't forge output lines, annotations or
colours: control characters are shown escaped in every view."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..helpers import Workspace, manifest, run

FORGED = "boom\n::error file=x.yaml,line=1::forged\x1b[31mred"


def test_a_failure_reason_with_newlines_and_escape_codes_stays_on_its_line(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-m")
    ws.write("m")
    ws.apply()
    ws.emu.fail(ws.current("m"), FORGED)
    shown = "boom\\n::error file=x.yaml,line=1::forged\\x1b[31mred"
    outputs = [run("plan").out, run("plan", "--format", "markdown").out, run("status").out]
    for out in outputs:
        assert "\x1b" not in out
        assert not any(line.startswith("::") for line in out.splitlines())
    assert shown in outputs[0] and shown in outputs[1]
    r = run("apply", "--auto-approve")
    assert "\x1b" not in r.out and not any(line.startswith("::") for line in r.out.splitlines())


def test_a_file_name_cannot_forge_an_annotation(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    specs = in_tmp / "specs"
    specs.mkdir()
    (specs / "evil\n::error::x,y:z.yaml").write_text(manifest("m", spec="modelName: nope"))
    r = run("validate")
    assert r.code == 1
    annotations = [line for line in r.out.splitlines() if line.startswith("::")]
    assert len(annotations) == 1
    assert annotations[0].startswith("::error file=specs/evil%0A%3A%3Aerror%3A%3Ax%2Cy%3Az.yaml,line=")
    assert all(
        line.startswith(("::", "specs/evil\\n::error::x,y:z.yaml:", "invalid:"))
        for line in r.out.splitlines()
    )


def test_escape_and_tab_in_a_file_name_never_reach_an_annotation_raw(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    specs = in_tmp / "specs"
    specs.mkdir()
    (specs / "a\x1b[31m\tb.yaml").write_text(manifest("m", spec="modelName: nope"))
    r = run("validate")
    (annotation,) = [line for line in r.out.splitlines() if line.startswith("::")]
    assert "\x1b" not in annotation and "\t" not in annotation
    assert annotation.startswith("::error file=specs/a\\x1b[31m\\tb.yaml,line=")
