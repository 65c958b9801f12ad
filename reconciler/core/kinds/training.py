"""``kind: ModelTrainingJob``: the catalogue, gate and cost of a Neptune ML training job."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..cost import Cost
from .base import Effect, Kind
from .gates import inputs_completed

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
)
