from __future__ import annotations

import re

from reconciler.core import identity
from reconciler.core.kinds import TRAINING
from reconciler.manifests.desired import effective_spec

SPEC = effective_spec({"dataProcessingJobId": "dp-1", "trainModelS3Location": "s3://bkt/m"}, None, TRAINING)


def test_effective_spec_layers_schema_then_config_then_manifest() -> None:
    spec = effective_spec(
        {
            "dataProcessingJobId": "dp",
            "trainModelS3Location": "s3://bkt/m",
            "trainingInstanceType": "ml.g4dn.xlarge",
        },
        {"trainingInstanceType": "ml.p3.8xlarge", "subnets": ["subnet-0123abcd"]},
        TRAINING,
    )
    assert spec["trainingInstanceType"] == "ml.g4dn.xlarge"  # manifest beats config
    assert spec["subnets"] == ["subnet-0123abcd"]  # config beats schema
    assert spec["trainingTimeOutInSeconds"] == 86400  # schema default
    assert spec["enableInterContainerTrafficEncryption"] is True


def test_job_id_shape_and_determinism() -> None:
    job = identity.job_id("fraud-rgcn", SPEC, None, TRAINING)
    assert re.fullmatch(r"fraud-rgcn-[0-9a-f]{10}", job)
    assert job == identity.job_id("fraud-rgcn", dict(reversed(list(SPEC.items()))), None, TRAINING)


def test_next_job_change_keeps_the_id_new_job_change_does_not() -> None:
    base = identity.job_id("m", SPEC, None, TRAINING)
    assert (
        identity.job_id(
            "m",
            {**SPEC, "trainingInstanceType": "ml.p3.16xlarge", "subnets": ["subnet-0123abcd"]},
            None,
            TRAINING,
        )
        == base
    )
    assert identity.job_id("m", {**SPEC, "maxHPONumberOfTrainingJobs": 20}, None, TRAINING) != base
    assert identity.job_id("m", {**SPEC, "dataProcessingJobId": "dp-2"}, None, TRAINING) != base
    assert identity.job_id("m", SPEC, previous="m-0123456789", kind=TRAINING) != base


def test_longest_name_with_suffix_fits_48() -> None:
    name = "a" * 32
    job = identity.job_id(name, SPEC, None, TRAINING)
    longest = identity.next_free(job, [job, *(f"{job}-r{n}" for n in range(2, 9))])
    assert longest == f"{job}-r9"
    assert len(longest) <= 48 and re.fullmatch(r"[A-Za-z0-9-]{1,48}", longest)


def test_suffixes() -> None:
    base = "m-0123456789"
    assert identity.next_free(base, []) == base
    assert identity.next_free(base, [base]) == f"{base}-r2"
    assert identity.next_free(base, [base, f"{base}-r2", "other-r5"]) == f"{base}-r3"
    assert identity.next_free(base, [f"{base}-r9"]) is None
    assert identity.base_of(f"{base}-r4") == base and identity.attempt_of(f"{base}-r4") == 4


def test_create_body_sets_id_and_previous() -> None:
    body = identity.create_body(SPEC, "m-1", "m-0", TRAINING)
    assert body["id"] == "m-1" and body["previousModelTrainingJobId"] == "m-0"
    assert "previousModelTrainingJobId" not in identity.create_body(SPEC, "m-1", None, TRAINING)


def test_a_record_with_ids_set_is_replace_with_nothing_remembered() -> None:
    """Desired remembers its job ids and completed specs; a record with its references resolved
    is the same as dataclasses.replace would build, and works its ids out afresh."""
    import dataclasses

    from reconciler.core.desired import Desired

    spec = {"dataProcessingJobId": "{ref}", "trainModelS3Location": "s3://b/m"}
    d = Desired("m", spec, {}, refs={"dataProcessingJobId": "data"}, kind=TRAINING)
    before = d.job_id()
    d.completed({"x": 1})
    resolved = d.with_ids({"dataProcessingJobId": "data-0123456789"}, waiting="data runs")
    expected = dataclasses.replace(
        d, spec={**spec, "dataProcessingJobId": "data-0123456789"},
        written={**spec, "dataProcessingJobId": "data-0123456789"}, waiting="data runs",
    )  # fmt: skip
    assert resolved == expected and resolved.written == expected.written
    assert resolved.job_id() == expected.job_id() != before
    assert d.job_id() == before and resolved._completed == [] and d._completed != []
