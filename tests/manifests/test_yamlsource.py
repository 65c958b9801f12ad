from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.manifests.yamlsource import MAX_FILE_BYTES, YamlProblem, load_documents, quick_document


def problem(text: bytes | str) -> YamlProblem:
    raw = text.encode() if isinstance(text, str) else text
    with pytest.raises(YamlProblem) as info:
        load_documents("f.yaml", raw)
    return info.value


def test_positions_of_values_and_keys() -> None:
    (doc,) = load_documents("f.yaml", b"a: 1\nb:\n  c: [x, y]\n")
    assert doc.data == {"a": 1, "b": {"c": ["x", "y"]}}
    assert doc.where(("b", "c", 1)) == (3, 10)
    assert doc.where(("b", "c"), key=True) == (3, 3)
    assert doc.where(("b", "missing")) == (3, 3)  # nearest parent


def test_multi_document_files() -> None:
    docs = load_documents("f.yaml", b"a: 1\n---\nb: 2\n")
    assert [d.data for d in docs] == [{"a": 1}, {"b": 2}]
    assert docs[1].start == (3, 1)


def test_duplicate_keys_are_refused_with_both_positions() -> None:
    p = problem("spec:\n  a: 1\n  b: 2\n  a: 3\n")
    assert (p.line, p.column, p.code) == (4, 3, "Y002")
    assert "first defined at line 2, column 3" in p.message


def test_syntax_error_has_position() -> None:
    """Where the parser stopped (an editor jumps there), naming where the bracket was opened."""
    p = problem("a: [1, 2\nb: 3\n")
    assert (p.code, p.line, p.column) == ("Y001", 2, 2)
    assert "(opened at line 1, column 4; is it closed?)" in p.message
    p = problem("metadata:\n  name: a\n  labels: x\n    bad: 1\n")
    assert (p.code, p.line, p.column) == ("Y001", 4, 8)


def test_a_complex_key_is_a_located_problem_not_a_crash() -> None:
    """`? [a, b]` crashed the quick path (an unhashable key): exit 3 instead of a problem."""
    text = "apiVersion: neptune-ml.reconciler/v1\nspec:\n  ? [a, b]\n  : 1\n"
    doc = quick_document("f.yaml", text.encode())
    assert doc is None  # the quick path declines; the positional one says what and where
    p = problem(text)
    assert (p.code, p.line, p.column) == ("Y005", 3, 5)


def test_alias_bomb_is_refused() -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for prev, cur in zip("abcdef", "bcdefg", strict=True):
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 10) + "]")
    p = problem("\n".join(lines) + "\n")
    assert p.code == "Y004"


def test_small_aliases_are_fine() -> None:
    (doc,) = load_documents("f.yaml", b"a: &x [1, 2]\nb: *x\n")
    assert doc.data == {"a": [1, 2], "b": [1, 2]}


def test_recursive_alias_is_refused() -> None:
    assert problem("a: &x\n  b: *x\n").code == "Y004"


def test_merge_keys_are_refused() -> None:
    assert problem("base: &b {x: 1}\nc:\n  <<: *b\n").code == "Y005"


def test_non_utf8_is_refused_with_position() -> None:
    p = problem(b"a: 1\nb: caf\xe9\n")
    assert (p.code, p.line, p.column) == ("Y003", 2, 7)


def test_oversized_file_is_refused() -> None:
    p = problem(b"a: " + b"x" * MAX_FILE_BYTES + b"\n")
    assert p.code == "Y006"


def test_unsafe_tags_are_not_executed() -> None:
    p = problem("a: !!python/object/apply:os.system ['true']\n")
    assert (p.code, p.line, p.column) == ("Y005", 1, 4)
    assert problem("a: !!python/name:os.system x\n").code == "Y001"


# The two malformed request bodies from the Neptune ML docs.
MISSING_COMMA = """{
  "id" : "new-job-id",
  "dataProcessingJobId" : "dp-job-id"
  "previousModelTrainingJobId" : "old-job-id",
  "trainModelS3Location" : "s3://bucket/prefix"
}
"""
TRAILING_COMMA = """{
  "id" : "new-job-id",
  "dataProcessingJobId" : "dp-job-id",
  "trainModelS3Location" : "s3://bucket/prefix",
  "modelName": "custom",
  "customModelTrainingParameters" : {
    "sourceS3DirectoryPath": "s3://bucket/src",
    "trainingEntryPointScript": "training.py",
    "transformEntryPointScript": "transform.py"
  },
}
"""


def test_doc_body_with_missing_comma_points_at_the_line() -> None:
    p = problem(MISSING_COMMA)
    assert (p.code, p.line) == ("Y001", 4)


def test_doc_body_with_trailing_comma_points_at_the_comma() -> None:
    p = problem(TRAILING_COMMA)
    assert (p.code, p.line, p.column) == ("Y001", 10, 4)
    assert "trailing comma" in p.message


def test_the_quick_path_reads_what_the_positional_one_does() -> None:
    """Plain files take libyaml's loader, positions deferred; the data and the manifest's own
    position must be exactly what the positional parse gives."""
    from pathlib import Path

    from reconciler.manifests.yamlsource import quick_document

    specs = sorted((Path(__file__).resolve().parents[2] / "specs").glob("*.yaml"))
    texts = [p.read_text() for p in specs] + [
        "apiVersion: x\nkind: y\nmetadata: {name: model-00001, labels: {a: b}}\nspec: {}\n",
        'metadata:\n  labels:\n    team: risk\n  name: "quoted"  # c\n',
    ]
    for text in texts:
        quick = quick_document("f.yaml", text.encode())
        full = load_documents("f.yaml", text.encode())[0]
        assert quick is not None and quick.data == full.data
        assert quick.known[("metadata", "name")] == full.where(("metadata", "name")), text
        assert quick.where(("spec",)) == full.where(("spec",))  # anything else: the full parse, lazily
    for refused in ("a: &x 1\nb: *x\n", "a: !!str 1\n", "a: 1\n---\nb: 2\n", '{"a": 1}', "a: 1\na: 2\n"):
        assert quick_document("f.yaml", refused.encode()) is None


def test_an_unclosed_bracket_is_reported_where_the_parser_stopped_naming_the_opener() -> None:
    text = "spec:\n  modelName: [rgcn\n  maxHPONumberOfTrainingJobs: 10\n"
    with pytest.raises(YamlProblem) as info:
        load_documents("m.yaml", text.encode())
    assert (info.value.line, info.value.column) == (3, 29)
    assert "(opened at line 2, column 14; is it closed?)" in info.value.message


_SCALARS = st.one_of(
    st.text(max_size=12), st.integers(), st.floats(allow_nan=False), st.booleans(), st.none(),
    st.sampled_from(["yes", "no", "on", "off", "~", "0x1f", "1_000", "2026-12-01", "1e3", ".inf", "=", "0o17"]),
)  # fmt: skip
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.text(min_size=1, max_size=8), _VALUES, min_size=1, max_size=5),
    st.sampled_from([False, None]),
)
def test_the_quick_path_builds_what_the_safe_loader_builds(
    data: dict[str, object], flow: bool | None
) -> None:
    """The quick path builds values from libyaml's nodes itself: whatever it accepts, it must read
    as yaml.safe_load does (scalars resolved to the same types: dates, hex, octal, infinities)."""
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True)
    quick = quick_document("f.yaml", text.encode())
    if quick is not None:
        assert quick.data == yaml.safe_load(text)
