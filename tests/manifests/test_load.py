from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.manifests import schema
from reconciler.manifests.load import check_document, load
from reconciler.manifests.problems import Problem
from reconciler.manifests.yamlsource import YamlProblem, load_documents

from ..helpers import manifest

SPECS = Path(__file__).resolve().parents[2] / "specs"


def problems_of(text: str, defaults: dict[str, Any] | None = None) -> list[Problem]:
    (doc,) = load_documents("m.yaml", text.encode())
    _, found = check_document(doc, defaults or {})
    return found


def codes(text: str, defaults: dict[str, Any] | None = None) -> list[str]:
    return [p.code for p in problems_of(text, defaults)]


def test_example_specs_are_valid_and_cover_every_model() -> None:
    result = load([str(SPECS)])
    assert result.problems == []
    by_name = {m.name: m for m in result.manifests}
    models = {m.spec.get("modelName") for m in result.manifests}
    assert {"rgcn", "transe", "distmult", "rotate", "custom"} <= models
    assert any(m.spec.get("maxWaitTime") for m in result.manifests)
    vpc = [m for m in result.manifests if m.spec.get("subnets")]
    assert vpc and vpc[0].spec["securityGroupIds"] and vpc[0].spec["volumeEncryptionKMSKey"]
    assert by_name["fraud-rgcn"].policy == {
        "onDataChange": "incremental",
        "onSupersede": "wait",
        "retries": 1,
        "deletion": "retain",
        "suspend": False,
    }


def test_every_create_parameter_is_in_the_schema() -> None:
    api = {
        "dataProcessingJobId": ["string", "object"],  # an id, or {ref: NAME}
        "trainModelS3Location": "string",
        "modelName": "string",
        "sagemakerIamRoleArn": "string",
        "neptuneIamRoleArn": "string",
        "baseProcessingInstanceType": "string",
        "trainingInstanceType": "string",
        "trainingInstanceVolumeSizeInGB": "integer",
        "trainingTimeOutInSeconds": "integer",
        "maxHPONumberOfTrainingJobs": "integer",
        "maxHPOParallelTrainingJobs": "integer",
        "subnets": "array",
        "securityGroupIds": "array",
        "volumeEncryptionKMSKey": "string",
        "s3OutputEncryptionKMSKey": "string",
        "enableInterContainerTrafficEncryption": "boolean",
        "enableManagedSpotTraining": "boolean",
        "maxWaitTime": "integer",
        "customModelTrainingParameters": "object",
    }
    props = schema.spec_properties()
    assert {k: v["type"] for k, v in props.items()} == api
    assert all(p.get("description") for p in props.values())
    defaults = {k: v["default"] for k, v in props.items() if "default" in v}
    assert defaults == {
        "trainingInstanceType": "ml.p3.2xlarge",
        "trainingInstanceVolumeSizeInGB": 0,
        "trainingTimeOutInSeconds": 86400,
        "maxHPONumberOfTrainingJobs": 2,
        "maxHPOParallelTrainingJobs": 2,
        "enableInterContainerTrafficEncryption": True,
        "enableManagedSpotTraining": False,
    }
    assert props["trainingTimeOutInSeconds"]["minimum"] == 1
    assert props["trainingInstanceVolumeSizeInGB"]["minimum"] == 0
    custom = props["customModelTrainingParameters"]["properties"]
    assert custom["trainingEntryPointScript"]["default"] == "training.py"
    assert custom["transformEntryPointScript"]["default"] == "transform.py"


def _walk(node: dict[str, Any], path: str = "") -> list[tuple[str, dict[str, Any]]]:
    out = [(path, node)]
    for key, sub in node.get("properties", {}).items():
        out += _walk(sub, f"{path}.{key}" if path else key)
    return out


def test_schema_is_closed_and_described_everywhere() -> None:
    for path, node in _walk(schema.load(schema.MANIFEST)):
        if node.get("type") == "object" and path != "metadata.labels":
            assert node.get("additionalProperties") is False, path
        assert node.get("description"), path


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("dataProcessingJobId", "dp job!", "M015"),
        ("sagemakerIamRoleArn", "arn:aws:iam::12:role/x", "M015"),
        ("volumeEncryptionKMSKey", "not a key", "M015"),
        ("trainingInstanceType", "p3.2xlarge", "M015"),
        ("subnets", ["sub-123"], "M015"),
        ("securityGroupIds", ["group-1"], "M015"),
        ("maxHPONumberOfTrainingJobs", 0, "M016"),
        ("trainingTimeOutInSeconds", 0, "M016"),
        ("trainingInstanceVolumeSizeInGB", -1, "M016"),
        ("maxHPONumberOfTrainingJobs", "10", "M013"),
        ("enableManagedSpotTraining", "yes please", "M013"),
        ("modelName", "gcn", "M014"),
    ],
)
def test_schema_rejects_bad_values(field: str, value: Any, code: str) -> None:
    text = manifest(spec=f"{field}: {json.dumps(value)}")
    if field == "dataProcessingJobId":
        text = text.replace("  dataProcessingJobId: dp-fraud-rgcn\n", "")
    found = [p for p in problems_of(text) if p.severity == "error"]
    assert [p.code for p in found] == [code]
    assert found[0].line in (7, 8) and found[0].message.startswith(f"spec.{field}")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("volumeEncryptionKMSKey", "1234abcd-12ab-34cd-56ef-1234567890ab"),
        ("volumeEncryptionKMSKey", "alias/my-key"),
        (
            "s3OutputEncryptionKMSKey",
            "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
        ("sagemakerIamRoleArn", "arn:aws-us-gov:iam::123456789012:role/path/Name"),
        ("subnets", ["subnet-0123abcd", "subnet-0a1b2c3d4e5f60718"]),
    ],
)
def test_schema_accepts_good_values(field: str, value: Any) -> None:
    assert codes(manifest(spec=f"{field}: {json.dumps(value)}")) == []


def test_unknown_field_suggests_the_close_one() -> None:
    found = problems_of(manifest(spec="maxHPONumberOfTraningJobs: 3"))
    assert [(p.code, p.line, p.column) for p in found] == [("M010", 8, 3)]
    assert "did you mean 'maxHPONumberOfTrainingJobs'?" in found[0].message


def test_unknown_field_without_a_close_match() -> None:
    (p,) = problems_of(manifest(spec="colour: blue"))
    assert p.code == "M010" and "did you mean" not in p.message


@pytest.mark.parametrize("field", ["id", "previousModelTrainingJobId"])
def test_managed_fields_are_refused_with_advice(field: str) -> None:
    (p,) = problems_of(manifest(spec=f"{field}: job-1"))
    assert p.code == "M011" and "reconciler import" in p.message


def test_missing_required_field() -> None:
    text = manifest().replace("  trainModelS3Location: s3://ml-artifacts/fraud-rgcn\n", "")
    (p,) = problems_of(text)
    assert p.code == "M012" and "trainModelS3Location" in p.message and p.line == 5


def test_document_must_be_a_mapping_of_the_known_kind() -> None:
    assert codes("- a\n- b\n") == ["M001"]
    assert codes(manifest().replace("reconciler/v1", "reconciler/v2")) == ["M002"]
    assert codes(manifest().replace("kind: ModelTrainingJob", "kind: Model")) == ["M003"]


# Rules JSON Schema can't say: one failing and one passing case each.
def test_r001_custom_model_needs_its_parameters() -> None:
    assert codes(manifest(spec="modelName: custom")) == ["R001"]
    assert codes(manifest(spec="customModelTrainingParameters: {sourceS3DirectoryPath: s3://bkt/src}")) == [
        "R001"
    ]
    ok = "modelName: custom\ncustomModelTrainingParameters: {sourceS3DirectoryPath: s3://bkt/src}"
    assert codes(manifest(spec=ok)) == []


def test_r002_max_wait_time_needs_spot() -> None:
    assert codes(manifest(spec="maxWaitTime: 100000")) == ["R002"]
    assert codes(manifest(spec="maxWaitTime: 100000\nenableManagedSpotTraining: true")) == []


def test_r003_max_wait_time_must_exceed_the_timeout_default_included() -> None:
    spot = "enableManagedSpotTraining: true\n"
    (p,) = problems_of(manifest(spec=spot + "maxWaitTime: 86400"))
    assert p.code == "R003" and "trainingTimeOutInSeconds (86400)" in p.message
    assert codes(manifest(spec=spot + "maxWaitTime: 7200\ntrainingTimeOutInSeconds: 3600")) == []


def test_r004_parallel_above_total_is_a_warning_only() -> None:
    (p,) = problems_of(manifest(spec="maxHPOParallelTrainingJobs: 5\nmaxHPONumberOfTrainingJobs: 4"))
    assert (p.code, p.severity) == ("R004", "warning")
    assert codes(manifest(spec="maxHPOParallelTrainingJobs: 4\nmaxHPONumberOfTrainingJobs: 4")) == []


def test_rules_use_config_defaults() -> None:
    assert codes(manifest(spec="maxWaitTime: 100000"), {"enableManagedSpotTraining": True}) == []


def test_r005_names_are_unique_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(manifest("dup"))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yml").write_text(manifest("other") + "---\n" + manifest("dup"))
    result = load([str(tmp_path)])
    dupes = [p for p in result.problems if p.code == "R005"]
    assert len(dupes) == 2
    assert {p.file for p in dupes} == {str(tmp_path / "a.yaml"), str(tmp_path / "sub" / "b.yml")}
    assert f"{tmp_path / 'sub' / 'b.yml'}:12:9" in dupes[0].message + dupes[1].message
    assert [m.name for m in result.manifests] == ["other"]
    assert not result.ok


def test_unique_names_pass(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(manifest("one") + "---\n" + manifest("two"))
    assert [m.name for m in load([str(tmp_path)]).manifests] == ["one", "two"]


def test_problems_are_sorted_by_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(manifest(spec="modelName: x\ncolour: y"))
    (tmp_path / "a.yaml").write_text("a: [\n")
    result = load([str(tmp_path)])
    keys = [(p.file, p.line) for p in result.problems]
    assert keys == sorted(keys) and len(keys) == 3


# Property: random mutations of valid manifests give a valid result or located problems,
# never an exception.
SAMPLES = [p.read_text() for p in sorted(SPECS.glob("*.yaml"))]
ATOMS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.just("custom"),
    st.just("s3://b/x"),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _mutate(data: Any, draw: Any, depth: int = 0) -> Any:
    if isinstance(data, dict) and data:
        key = draw(st.sampled_from(sorted(data, key=str)))
        choice = draw(st.integers(0, 3))
        data = dict(data)
        if choice == 0:
            del data[key]
        elif choice == 1:
            data[key] = draw(ATOMS)
        elif choice == 2:
            data[draw(st.text(min_size=1, max_size=12))] = draw(ATOMS)
        else:
            data[key] = _mutate(data[key], draw, depth + 1)
        return data
    if isinstance(data, list) and data:
        return [_mutate(x, draw, depth + 1) for x in data]
    return draw(ATOMS)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_manifests_never_crash(data: st.DataObject) -> None:
    base = yaml.safe_load(data.draw(st.sampled_from(SAMPLES)))
    for _ in range(data.draw(st.integers(1, 4))):
        base = _mutate(base, data.draw)
    text = yaml.safe_dump(base, allow_unicode=True)
    try:
        docs = load_documents("m.yaml", text.encode())
    except YamlProblem as e:
        assert e.line >= 1 and e.code.startswith("Y")
        return
    for doc in docs:
        found_manifest, found = check_document(doc, {})
        assert (found_manifest is None) == any(p.severity == "error" for p in found)
        for p in found:
            assert p.line >= 1 and p.column >= 1 and p.code and p.message


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash(raw: bytes) -> None:
    try:
        docs = load_documents("m.yaml", raw)
    except YamlProblem:
        return
    for doc in docs:
        check_document(doc, {})


def test_reference_cycles_are_each_found_once_and_a_long_chain_is_no_cycle() -> None:
    from reconciler.core.kinds import DATA_PROCESSING
    from reconciler.manifests.load import Manifest, _cycles

    def dp(name: str, previous: str | None) -> Manifest:
        refs = {"previousDataProcessingJobId": previous} if previous else {}
        return Manifest(name, {}, {}, kind=DATA_PROCESSING, refs=refs)

    chain = [dp(f"c{i:04d}", f"c{i - 1:04d}" if i else None) for i in range(3000)]
    assert _cycles(chain) == []
    loops = [dp("a", "b"), dp("b", "c"), dp("c", "a"), dp("self", "self"), dp("x", "a")]
    assert sorted(_cycles(loops)) == [["a", "b", "c"], ["self"]]


def test_a_processing_volume_of_0_means_automatic(tmp_path: Path) -> None:
    f = tmp_path / "d.yaml"
    f.write_text(
        "apiVersion: neptune-ml.reconciler/v1\nkind: DataProcessingJob\nmetadata: {name: d}\n"
        "spec: {inputDataS3Location: s3://bkt/in, processedDataS3Location: s3://bkt/out, "
        "processingInstanceVolumeSizeInGB: 0}\n"
    )
    result = load([str(f)])
    assert result.ok, result.problems
