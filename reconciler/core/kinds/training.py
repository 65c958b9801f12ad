"""``kind: ModelTrainingJob``: the catalogue, gate and cost of a Neptune ML training job."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..cost import Cost
from .base import Check, Effect, Kind
from .gates import inputs_completed

# What a change of each spec field costs; the schema's ``x-on-change`` marks say the same
# (a test holds them together) so that explain and the README can show it.
ERROR, WARNING = "error", "warning"
CATALOGUE: dict[str, Effect] = {
    "dataProcessingJobId": "new-job",
    "trainModelS3Location": "new-job",
    "modelName": "new-job",
    "maxHPONumberOfTrainingJobs": "new-job",
    "customModelTrainingParameters": "new-job",
    "sagemakerIamRoleArn": "next-job",
    "neptuneIamRoleArn": "next-job",
    "baseProcessingInstanceType": "next-job",
    "trainingInstanceType": "next-job",
    "trainingInstanceVolumeSizeInGB": "next-job",
    "trainingTimeOutInSeconds": "next-job",
    "maxHPOParallelTrainingJobs": "next-job",
    "subnets": "next-job",
    "securityGroupIds": "next-job",
    "volumeEncryptionKMSKey": "next-job",
    "s3OutputEncryptionKMSKey": "next-job",
    "enableInterContainerTrafficEncryption": "next-job",
    "enableManagedSpotTraining": "next-job",
    "maxWaitTime": "next-job",
}


EXPLAIN = {
    "spec.maxWaitTime": (
        "only with enableManagedSpotTraining: true (R002)",
        "must be greater than trainingTimeOutInSeconds (R003)",
    ),
    "spec.modelName": ("custom requires customModelTrainingParameters (R001)",),
    "spec.customModelTrainingParameters": ("only with modelName: custom (R001)",),
    "spec.maxHPOParallelTrainingJobs": ("at most maxHPONumberOfTrainingJobs (R004, warning)",),
    "spec.dataProcessingJobId": (
        "must name a Completed data-processing job before a job can start",
        "a change alone gives an incremental update when policy.onDataChange is incremental",
    ),
}


def checks(spec: Mapping[str, Any]) -> list[Check]:
    """R001–R004: a custom model and its parameters, spot training's wait, HPO parallelism."""

    def number(key: str) -> int | None:
        value = spec.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    out: list[Check] = []
    is_custom, has_params = spec.get("modelName") == "custom", "customModelTrainingParameters" in spec
    if is_custom and not has_params:
        out.append((
            "modelName", "R001",
            "modelName: custom needs spec.customModelTrainingParameters with sourceS3DirectoryPath", ERROR,
        ))  # fmt: skip
    elif has_params and not is_custom:
        out.append((
            "customModelTrainingParameters", "R001",
            "customModelTrainingParameters is only used with modelName: custom; set modelName: custom or remove it",
            ERROR,
        ))  # fmt: skip
    wait, timeout = number("maxWaitTime"), number("trainingTimeOutInSeconds")
    if "maxWaitTime" in spec and spec.get("enableManagedSpotTraining") is not True:
        out.append((
            "maxWaitTime", "R002",
            "maxWaitTime is only allowed with enableManagedSpotTraining: true; enable spot training or remove it",
            ERROR,
        ))  # fmt: skip
    elif "maxWaitTime" in spec and wait is not None and timeout is not None and wait <= timeout:
        out.append((
            "maxWaitTime", "R003",
            f"maxWaitTime ({wait}) must be greater than trainingTimeOutInSeconds ({timeout})", ERROR,
        ))  # fmt: skip
    parallel, total = number("maxHPOParallelTrainingJobs"), number("maxHPONumberOfTrainingJobs")
    if parallel is not None and total is not None and parallel > total:
        out.append((
            "maxHPOParallelTrainingJobs", "R004",
            f"maxHPOParallelTrainingJobs ({parallel}) is above maxHPONumberOfTrainingJobs ({total}); "
            f"only {total} will run at once",
            WARNING,
        ))  # fmt: skip
    return out


def cost(spec: Mapping[str, Any]) -> Cost:
    """At most ``maxHPONumberOfTrainingJobs × trainingTimeOutInSeconds`` of the instance type."""
    jobs, timeout = int(spec["maxHPONumberOfTrainingJobs"]), int(spec["trainingTimeOutInSeconds"])
    return Cost(str(spec["trainingInstanceType"]), round(jobs * timeout / 3600, 2), jobs, timeout)


TRAINING = Kind(
    name="ModelTrainingJob",
    schema="modeltrainingjob.v1",
    resource="modeltraining",
    catalogue=CATALOGUE,
    previous_field="previousModelTrainingJobId",
    gate=inputs_completed({"dataProcessingJobId": "data-processing job"}, "a training job"),
    cost=cost,
    refs={"dataProcessingJobId": ("DataProcessingJob",)},
    data_field="dataProcessingJobId",
    edges={"dataProcessingJobId": "trained on"},
    noun="model",
    short="model",
    budget_field="maxHPONumberOfTrainingJobs",
    lists=True,
    preflight=lambda spec: spec.get("modelName") == "custom",
    checks=checks,
    explain=EXPLAIN,
    metrics_file="eval_metrics_info.json",
)
