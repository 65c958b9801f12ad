"""``kind: DataProcessingJob``: the catalogue and cost of a Neptune ML data-processing job.

Immutable like a training job: a change of what it reads, writes or how it is configured is a new
job (a new id, a new generation); instance settings take effect with the next one. There is no
managed incremental chain: ``previousDataProcessingJobId`` is the user's to set (a literal id, or a
reference to the manifest of the earlier export).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..cost import Cost
from .base import Effect, Kind
from .gates import inputs_completed

CATALOGUE: dict[str, Effect] = {
    "inputDataS3Location": "new-job",
    "processedDataS3Location": "new-job",
    "previousDataProcessingJobId": "new-job",
    "modelType": "new-job",
    "configFileName": "new-job",
    "sagemakerIamRoleArn": "next-job",
    "neptuneIamRoleArn": "next-job",
    "processingInstanceType": "next-job",
    "processingInstanceVolumeSizeInGB": "next-job",
    "processingTimeOutInSeconds": "next-job",
    "subnets": "next-job",
    "securityGroupIds": "next-job",
    "volumeEncryptionKMSKey": "next-job",
    "s3OutputEncryptionKMSKey": "next-job",
}


def cost(spec: Mapping[str, Any]) -> Cost:
    """At most one instance for ``processingTimeOutInSeconds`` (Neptune picks the type if unset)."""
    timeout = int(spec["processingTimeOutInSeconds"])
    instance = str(spec.get("processingInstanceType") or "an instance Neptune ML picks")
    return Cost(instance, round(timeout / 3600, 2), 1, timeout, unit="processing job")


DATA_PROCESSING = Kind(
    name="DataProcessingJob",
    schema="dataprocessingjob.v1",
    resource="dataprocessing",
    catalogue=CATALOGUE,
    previous_field="",
    command="dataprocessing",
    gate=inputs_completed(
        {"previousDataProcessingJobId": "previous data-processing job"}, "an incremental data-processing job"
    ),
    cost=cost,
    refs={"previousDataProcessingJobId": ("DataProcessingJob",), "inputDataS3Location": ("ExportJob",)},
    # ``inputDataS3Location: {ref: NAME}`` of an export is where it wrote (once it succeeded).
    value_refs={"inputDataS3Location": "output"},
    edges={"inputDataS3Location": "processes export"},
    noun="data-processing job",
    short="data",
)
