"""``reconciler jobs list``: a table of the listed jobs with each one's status, and JSON for scripts."""

from __future__ import annotations

import json

from ..helpers import Workspace, run


def test_jobs_list_is_a_table_with_status_hpo_and_manifest(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-1")
    ws.write("movies", dp="dp-1")
    ws.write("books", dp="dp-1")
    assert ws.apply().code == 0
    ws.emu.options(list_all=True)  # so the list call also shows the job that fails below
    failed = next(j for j in ws.emu.training_ids() if j.startswith("books-"))
    ws.emu.fail(failed, "AlgorithmError: out of memory\n::error::forged")

    r = run("jobs", "list")
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0].split() == ["ID", "STATUS", "HPO", "MODELS", "MANIFEST"]
    cells = {line.split()[0]: line.split() for line in lines[1:] if not line.startswith(" ")}
    assert set(cells) == set(ws.emu.training_ids())
    running = next(j for j in cells if j.startswith("movies-"))
    assert cells[running][1] == ws.emu.status(running) and cells[running][4] == "movies"
    assert cells[failed][1] == "Failed" and cells[failed][4] == "books"
    # the failure reason sits under its row, escaped: it cannot forge a line of output
    assert "  failed: AlgorithmError: out of memory\\n::error::forged" in lines
    # columns line up: every row's status starts under the STATUS header
    col = lines[0].index("STATUS")
    rows = [line for line in lines[1:] if not line.startswith(" ")]
    assert all(line[col - 2 : col] == "  " and line[col] != " " for line in rows)

    doc = json.loads(run("jobs", "list", "--format", "json").out)
    assert sorted(doc["ids"]) == sorted(cells)
    by_id = {j["id"]: j for j in doc["jobs"]}
    assert by_id[failed]["status"] == "Failed" and by_id[failed]["manifest"] == "books"
    assert by_id[failed]["failureReason"].startswith("AlgorithmError")
    assert by_id[running]["manifest"] == "movies" and isinstance(by_id[running]["models"], int)


def test_jobs_list_names_foreign_jobs_and_reads_each_once(ws: Workspace) -> None:
    ws.emu.seed_dp("dp-1")
    body = {"id": "hand-made", "dataProcessingJobId": "dp-1", "trainModelS3Location": "s3://b/x"}
    (ws.root / "body.json").write_text(json.dumps(body))
    r = run("jobs", "create", "--from-file", str(ws.root / "body.json"))
    assert r.code == 0, r.err
    before = len(ws.emu.log("GET"))
    r = run("jobs", "list")
    assert r.code == 0, r.err
    row = r.out.splitlines()[1].split()
    assert row[0] == "hand-made" and row[-1] == "-"  # no manifest name: the reconciler did not make it
    gets = [e["path"] for e in ws.emu.log("GET")[before:]]
    assert gets.count("/ml/modeltraining/hand-made") == 1


def test_jobs_list_with_nothing_running_says_so(ws: Workspace) -> None:
    r = run("jobs", "list")
    assert r.code == 0 and r.out.startswith("no active model-training jobs")
    assert json.loads(run("jobs", "list", "--format", "json").out) == {"ids": [], "jobs": []}
