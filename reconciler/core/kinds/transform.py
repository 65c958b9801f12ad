"""``kind: ModelTransformJob``: a model transform (``/ml/modeltransform``), Neptune ML's way to bring
new data to a trained model without training again: it computes the model artifacts (embeddings,
predictions) of a Completed training job on a newer data-processing job, and an endpoint can serve
the result (``mlModelTransformJobId``). Immutable like the other jobs: a change of what it reads or
writes is a new job; instance settings take effect with the next one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..cost import Cost
from .base import Check, Effect, Kind
from .gates import inputs_completed

CATALOGUE: dict[str, Effect] = {
    "dataProcessingJobId": "new-job",
    "mlModelTrainingJobId": "new-job",
    "trainingJobName": "new-job",
    "modelTransformOutputS3Location": "new-job",
    "customModelTransformParameters": "new-job",
    "sagemakerIamRoleArn": "next-job",
    "neptuneIamRoleArn": "next-job",
    "baseProcessingInstanceType": "next-job",
    "baseProcessingInstanceVolumeSizeInGB": "next-job",
    "subnets": "next-job",
    "securityGroupIds": "next-job",
    "volumeEncryptionKMSKey": "next-job",
    "s3OutputEncryptionKMSKey": "next-job",
}
PAIR = ("dataProcessingJobId", "mlModelTrainingJobId")


def checks(spec: Mapping[str, Any]) -> list[Check]:
    """R009: the API takes a data-processing job and a training job, or a SageMaker job's name."""
    pair = [f for f in PAIR if spec.get(f)]
    named = bool(spec.get("trainingJobName"))
    if named and pair:
        return [("trainingJobName", "R009", "give trainingJobName or dataProcessingJobId and "
                 "mlModelTrainingJobId, not both", "error")]  # fmt: skip
    if not named and len(pair) < 2:
        lacking = next(f for f in PAIR if f not in pair)
        return [(None, "R009", f"a model transform needs {lacking} (with {' and '.join(PAIR)}) or trainingJobName",
                 "error")]  # fmt: skip
    return []


def cost(spec: Mapping[str, Any]) -> Cost:
    """One processing job and one transform job; the API takes no timeout, so no time bound."""
    instance = str(spec.get("baseProcessingInstanceType") or "an instance Neptune ML picks")
    return Cost(instance, 0.0, 1, 0, unit="transform job")


TRANSFORM = Kind(
    name="ModelTransformJob",
    schema="modeltransformjob.v1",
    resource="modeltransform",
    catalogue=CATALOGUE,
    previous_field="",
    gate=inputs_completed(
        {"dataProcessingJobId": "data-processing job", "mlModelTrainingJobId": "model-training job"},
        "a model transform",
    ),
    cost=cost,
    refs={"dataProcessingJobId": ("DataProcessingJob",), "mlModelTrainingJobId": ("ModelTrainingJob",)},
    noun="model transform",
    short="transform",
    command="transform",
    lists=True,
    edges={"mlModelTrainingJobId": "transforms", "dataProcessingJobId": "on data"},
    checks=checks,
    explain={
        "spec.trainingJobName": ("instead of dataProcessingJobId and mlModelTrainingJobId (R009)",),
        "spec.dataProcessingJobId": ("with mlModelTrainingJobId, or neither and trainingJobName (R009)",),
        "spec.mlModelTrainingJobId": ("with dataProcessingJobId, or neither and trainingJobName (R009)",),
    },
)
