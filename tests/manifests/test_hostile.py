"""Hostile files and numbers: each ends in a located, one-line problem, never a hang, a memory
blow-up or a traceback."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from reconciler.manifests.load import load

from ..helpers import manifest, run


def codes(path: Path) -> list[tuple[str, str]]:
    return [(p.code, p.message) for p in load([str(path)]).problems]


def test_a_fifo_named_like_a_manifest_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "specs" / "m.yaml"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    found: list[list[tuple[str, str]]] = []
    reader = threading.Thread(target=lambda: found.append(codes(fifo.parent)), daemon=True)
    reader.start()
    reader.join(timeout=10)
    assert found, "reading the FIFO hung"
    assert found[0] == [
        ("Y000", "cannot read file: not a regular file (a FIFO, device or socket); only plain files are read")
    ]
    assert codes(fifo) == found[0]  # named explicitly, too


def test_a_link_to_dev_zero_is_refused_before_reading(tmp_path: Path) -> None:
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    assert [c for c, _ in codes(link)] == ["M005"]  # a link out of the repository is not even opened


def test_a_file_over_the_limit_is_refused_by_its_size(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with open(big, "wb") as f:
        f.truncate(64 * 1024 * 1024)  # sparse: the size says no before a byte is read
    assert codes(big) == [
        ("Y000", f"cannot read file: file is {64 * 1024 * 1024} bytes, over the 1048576-byte limit; split it")
    ]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("[" * 100_000 + "]" * 100_000, "Y004"),
        ('{"a":' * 100_000 + "1" + "}" * 100_000, "Y004"),
        ("a: " + "1" * 5000, "Y006"),
        ('{"a": ' + "1" * 5000 + "}", "Y006"),
    ],
)
def test_deep_nesting_and_huge_numbers_are_problems(tmp_path: Path, text: str, code: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text)
    assert [c for c, _ in codes(path)] == [code]


def test_integers_are_integers_and_bounded(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        manifest("m", spec="maxHPONumberOfTrainingJobs: 2.0\ntrainingTimeOutInSeconds: " + "9" * 400)
    )
    found = dict(codes(path))
    assert found["M013"] == "spec.maxHPONumberOfTrainingJobs must be an integer, got number 2.0"
    assert found["M016"].startswith("spec.trainingTimeOutInSeconds is 999") and found["M016"].endswith(
        "must be at most 2419200"
    )


def test_empty_files_warn_in_validate_and_stop_prune(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "a.yaml").write_text(manifest("a"))
    (tmp_path / "specs" / "b.yaml").write_text("")
    r = run("validate")
    assert r.code == 0
    assert r.lines == [
        "specs/b.yaml:1:1: M000: warning: file holds no manifest (it is empty)",
        "valid: 1 manifests in 2 files (1 warning)",
    ]
    r = run("plan", "--prune", "--endpoint", "http://127.0.0.1:9")
    assert r.code == 1
    assert r.err.startswith("error: specs/b.yaml: file holds no manifest (it is empty); --prune refuses")


def test_json_manifests_are_read(tmp_path: Path) -> None:
    import json

    import yaml

    (tmp_path / "m.json").write_text(json.dumps(yaml.safe_load(manifest("m"))))
    result = load([str(tmp_path)])
    assert [m.name for m in result.manifests] == ["m"] and result.files == [str(tmp_path / "m.json")]
