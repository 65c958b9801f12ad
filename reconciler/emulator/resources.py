"""The emulator's table of Neptune ML resources: what each ``/ml/<path>`` is and how it is created.

The emulator plays the service and imports nothing of the tool: a resource here is the service's
(its path, the name its errors use, its ARN), whatever kinds the reconciler has.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resource:
    path: str  # /ml/<path>
    kind: str  # how the store files its jobs
    label: str  # "No <label> job found with id …"
    arn: str  # arn:aws:neptune:…:<arn>/<id>
    deletes: bool = False  # DELETE deletes it (an endpoint) rather than stopping a job


RESOURCES = {
    r.path: r
    for r in (
        Resource("modeltraining", "training", "model training", "ml-model-training-job"),
        Resource("dataprocessing", "processing", "data processing", "ml-data-processing-job"),
        Resource("modeltransform", "transform", "model transform", "ml-model-transform-job"),
        Resource("endpoints", "endpoint", "endpoint", "ml-endpoint", deletes=True),
    )
}
BY_KIND = {r.kind: r for r in RESOURCES.values()}


def label(kind: str) -> str:
    return BY_KIND[kind].label if kind in BY_KIND else kind
