"""``kind: Endpoint``: a long-lived inference endpoint serving a trained model.

Not a job: its id is its manifest's name, a change of the model it serves or of its instances is
an update in place (``POST /ml/endpoints`` with ``update: true``), and prune deletes it. The rules
that decide for it are in ``core/service.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..cost import Cost
from ..live import Live
from .base import Effect, Kind

CATALOGUE: dict[str, Effect] = {
    "mlModelTrainingJobId": "update",
    "mlModelTransformJobId": "update",
    "modelName": "update",
    "instanceType": "update",
    "instanceCount": "update",
    "volumeEncryptionKMSKey": "update",
    "neptuneIamRoleArn": "next-job",
}
MODEL_FIELDS = ("mlModelTrainingJobId", "mlModelTransformJobId")


def served_model(spec: Mapping[str, Any]) -> str | None:
    """The training (or transform) job an endpoint's spec serves."""
    return next((str(spec[f]) for f in MODEL_FIELDS if spec.get(f)), None)


def gate(name: str, spec: Mapping[str, Any], live: Live) -> tuple[str, str] | None:
    """A literal training job must be Completed before an endpoint can serve it."""
    model = spec.get("mlModelTrainingJobId")
    if not model:
        return None
    status = live.status(str(model))
    if status == "Missing":
        return "blocked", f"model-training job {model} not found; fix mlModelTrainingJobId"
    if status in ("InProgress", "Stopping"):
        return "wait", f"model-training job {model} is {status}"
    if status not in (None, "Completed"):
        return "blocked", f"model-training job {model} is {status}; an endpoint serves a Completed model"
    return None


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
    gate=gate,
    cost=cost,
    refs={"mlModelTrainingJobId": ("ModelTrainingJob",)},
    lifecycle="service",
    noun="endpoint",
    short="endpoint",
    # SageMaker's endpoint states: Creating, Updating, SystemUpdating, RollingBack and Deleting
    # pass; these stay until someone acts.
    settled=("InService", "Failed", "OutOfService", "UpdateRollbackFailed"),
)
