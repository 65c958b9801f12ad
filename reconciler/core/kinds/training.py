"""``kind: ModelTrainingJob``: the catalogue, gate and cost of a Neptune ML training job."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..cost import Cost
from ..live import Live
from .base import Effect, Kind

# What a change of each spec field costs; the schema's ``x-on-change`` marks say the same
# (a test holds them together) so that explain and the README can show it.
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


def gate(name: str, spec: Mapping[str, Any], live: Live) -> tuple[str, str] | None:
    """A training job needs its data-processing job Completed (and a custom model its sources)."""
    if name in live.preflight:
        return "blocked", live.preflight[name]
    dp = spec["dataProcessingJobId"]
    status = live.processing_status(dp)
    if status is None:
        return "blocked", f"data-processing job {dp} not found; create it or fix dataProcessingJobId"
    if status in ("InProgress", "Stopping"):
        return "wait", f"data-processing job {dp} is {status}"
    if status != "Completed":
        return "blocked", f"data-processing job {dp} is {status}; a training job needs it Completed"
    return None


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
    gate=gate,
    cost=cost,
    refs={"dataProcessingJobId": ("DataProcessingJob",)},
    data_field="dataProcessingJobId",
    noun="model",
    short="model",
    budget_field="maxHPONumberOfTrainingJobs",
)
