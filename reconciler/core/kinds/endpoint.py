"""``kind: Endpoint``: a long-lived inference endpoint serving a trained model.

Not a job: its id is its manifest's name, a change of the model it serves or of its instances is
an update in place (``POST /ml/endpoints`` with ``update: true``), and prune deletes it. The rules
that decide for it are in ``core/service.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..cost import Cost
from .base import Effect, Kind
from .gates import inputs_completed

CATALOGUE: dict[str, Effect] = {
    "mlModelTrainingJobId": "update",
    "mlModelTransformJobId": "update",
    "modelName": "update",
    "instanceType": "update",
    "instanceCount": "update",
    "volumeEncryptionKMSKey": "update",
    "neptuneIamRoleArn": "next-job",
}


def cost(spec: Mapping[str, Any]) -> Cost:
    """Instances that run until the endpoint is deleted: per hour, not bounded."""
    count = int(spec["instanceCount"])
    return Cost(str(spec["instanceType"]), float(count), count, 3600, unit="endpoint")


ENDPOINT = Kind(
    name="Endpoint",
    schema="endpoint.v1",
    resource="endpoints",
    catalogue=CATALOGUE,
    previous_field="",
    command="endpoints",
    gate=inputs_completed(
        {"mlModelTrainingJobId": "model-training job", "mlModelTransformJobId": "model-transform job"},
        "an endpoint",
    ),
    cost=cost,
    refs={"mlModelTrainingJobId": ("ModelTrainingJob",), "mlModelTransformJobId": ("ModelTransformJob",)},
    ref_takes="completed",
    lifecycle="service",
    noun="endpoint",
    short="endpoint",
    # SageMaker's endpoint states: Creating, Updating, SystemUpdating, RollingBack and Deleting
    # pass; these stay until someone acts.
    settled=("InService", "Failed", "OutOfService", "UpdateRollbackFailed"),
)
