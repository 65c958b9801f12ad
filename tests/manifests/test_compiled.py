"""Compiled schema checks kept in the user's cache: a cached check answers as fastjsonschema's
own does (except that 2.0 is not an integer), and a cache that is absent, broken, unwritable or
turned off only costs a compile."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import fastjsonschema
import pytest
import yaml

from reconciler.manifests import compiled, schema

ROOT = Path(__file__).resolve().parents[2]
NAMES = ("modeltrainingjob.v1", "dataprocessingjob.v1", "endpoint.v1", "modeltransformjob.v1",
         "exportjob.v1", "config.v1", "ledger.v1")  # fmt: skip


def _answers(check: compiled.Check, docs: list[object]) -> list[str]:
    out = []
    for doc in docs:
        try:
            check(doc)
            out.append("ok")
        except fastjsonschema.JsonSchemaException as e:
            out.append(f"refused: {e.message}")
    return out


def _documents() -> list[object]:
    files = sorted([*ROOT.glob("specs/*.yaml"), *ROOT.glob("examples/**/*.yaml")])
    docs: list[object] = [d for p in files for d in yaml.safe_load_all(p.read_text()) if isinstance(d, dict)]
    broken = copy.deepcopy(docs[0])
    assert isinstance(broken, dict)
    broken["spec"]["nosuchField"] = 1
    named = copy.deepcopy(docs[0])
    assert isinstance(named, dict)
    named["metadata"]["name"] = "Not A Name!"
    return [*docs, broken, named, {}, [], "text"]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("RECONCILER_NO_CACHE", raising=False)
    return tmp_path / "reconciler" / "schemas"


@pytest.mark.parametrize("name", NAMES)
def test_a_cached_check_answers_as_a_fresh_compile(cache: Path, name: str) -> None:
    fresh = fastjsonschema.compile(schema.load(name), use_default=False)
    first = compiled.compiled(schema.load(name)).check  # compiles and keeps it
    assert len(list(cache.glob("*.code"))) == 1
    again = compiled.compiled(schema.load(name)).check  # from the cache
    docs = _documents()
    assert _answers(again, docs) == _answers(fresh, docs) == _answers(first, docs)
    assert "ok" in _answers(fresh, docs) or name == "ledger.v1"
    assert any(a.startswith("refused") for a in _answers(fresh, docs))


def test_the_cache_is_used_and_a_changed_schema_is_another_entry(cache: Path) -> None:
    base = {"type": "object", "properties": {"n": {"type": "integer"}}}
    compiled.compiled(base)
    (entry,) = cache.glob("*.code")
    before = entry.stat().st_mtime_ns
    compiled.compiled(copy.deepcopy(base))
    assert entry.stat().st_mtime_ns == before  # read, not written again
    stricter = {**base, "required": ["n"]}
    check = compiled.compiled(stricter).check
    assert len(list(cache.glob("*.code"))) == 2
    with pytest.raises(fastjsonschema.JsonSchemaException):
        check({})
    assert oct(cache.stat().st_mode & 0o777) == oct(0o700)


def test_a_broken_entry_is_compiled_again_and_replaced(cache: Path) -> None:
    base = {"type": "string", "maxLength": 3}
    compiled.compiled(base)
    (entry,) = cache.glob("*.code")
    entry.write_bytes(b"\x00garbage")
    check = compiled.compiled(base).check
    check("abc")
    with pytest.raises(fastjsonschema.JsonSchemaException):
        check("abcd")
    assert entry.read_bytes() != b"\x00garbage"


def test_an_unwritable_cache_or_none_at_all_still_checks(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # mkdir fails under a file
    check = compiled.compiled({"type": "integer"}).check
    with pytest.raises(fastjsonschema.JsonSchemaException):
        check("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("RECONCILER_NO_CACHE", "1")
    compiled.compiled({"type": "integer"})
    assert not cache.exists()
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".tmp-")]


def _integer_fields(node: object, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    if isinstance(node, dict):
        if node.get("type") == "integer" or (
            isinstance(node.get("type"), list) and "integer" in node["type"]
        ):
            found.append(path)
        for key, child in node.get("properties", {}).items():
            found += _integer_fields(child, (*path, key))
    return found


@pytest.mark.parametrize("name", ["modeltrainingjob.v1", "dataprocessingjob.v1", "endpoint.v1"])
def test_a_whole_float_is_refused_where_an_integer_goes_by_the_compiled_check_itself(
    cache: Path, name: str
) -> None:
    """The service takes 2 but not 2.0 (and 2.0 would change a job id): the generated code's
    allowance for 2.0 is taken out, so no document needs walking for floats afterwards."""
    made = compiled.compiled(schema.load(name))
    assert made.strict
    kind = {"modeltrainingjob.v1": "ModelTrainingJob", "dataprocessingjob.v1": "DataProcessingJob",
            "endpoint.v1": "Endpoint"}[name]  # fmt: skip
    base = next(d for d in _documents() if isinstance(d, dict) and d.get("kind") == kind)
    made.check(base)
    fields = [p for p in _integer_fields(schema.load(name)) if p[:1] == ("spec",) and len(p) == 2]
    assert fields
    for path in fields:
        doc = copy.deepcopy(base)
        doc["spec"][path[1]] = 2.0
        with pytest.raises(fastjsonschema.JsonSchemaException):
            made.check(doc)
        assert not schema.valid(name, doc)
        doc["spec"][path[1]] = 2
        try:
            made.check(doc)  # 2 may still be out of range or beside another field's rule
        except fastjsonschema.JsonSchemaException as e:
            assert "integer" not in e.message, (path, e.message)


def test_where_the_allowance_stays_in_the_code_valid_still_refuses_a_whole_float(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fastjsonschema that writes its integer check otherwise: the document is looked at."""
    lenient = compiled.Compiled(fastjsonschema.compile(schema.load("endpoint.v1"), use_default=False), False)
    monkeypatch.setattr(schema, "_compiled", lambda name: lenient)
    base = next(d for d in _documents() if isinstance(d, dict) and d.get("kind") == "Endpoint")
    assert schema.valid("endpoint.v1", base)
    doc = copy.deepcopy(base)
    doc["spec"]["instanceCount"] = 2.0
    lenient.check(doc)  # fastjsonschema's own takes it
    assert not schema.valid("endpoint.v1", doc)


def test_passed_marks_are_kept_to_the_newest_few(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("RECONCILER_NO_CACHE", raising=False)
    for i in range(compiled.MARKS_KEPT + 6):
        compiled.mark_passed("ledgers", f"k{i:03d}")
        os.utime(tmp_path / "reconciler" / "ledgers" / f"k{i:03d}", (i, i))  # in order, whatever the clock
    assert not compiled.passed("ledgers", "k000") and compiled.passed(
        "ledgers", f"k{compiled.MARKS_KEPT + 5:03d}"
    )
    assert len(list((tmp_path / "reconciler" / "ledgers").iterdir())) == compiled.MARKS_KEPT
    monkeypatch.setenv("RECONCILER_NO_CACHE", "1")
    assert not compiled.passed("ledgers", f"k{compiled.MARKS_KEPT + 5:03d}")
