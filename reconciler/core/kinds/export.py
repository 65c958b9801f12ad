"""``kind: ExportJob``: a Neptune-Export run (the graph → S3), the first step of the Neptune ML path.

The Neptune-Export service is its own REST API (API Gateway in front of AWS Batch, installed from
its CloudFormation stack), not the cluster's ``/ml`` API: it picks the job ids, answers lowercase
statuses and has no call that finds a job by what it was asked. So the reconciler names each
export with a handle of its own (``{name}-{hash}``, like every job id) and makes the handle the
export's address in S3: the export writes under ``<outputS3Path>/<handle>/`` and its completion
file under ``<outputS3Path>/_completion/<handle>/``. A run stopped between the request and its
answer leaves an intent whose export is found by that file once it finishes (``Unconfirmed``
until then; nothing new starts in its place). An immutable job: a change of the request is a new
export; a refresh of the same request is ``--replace`` (or ``policy.refresh`` on a schedule).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..cost import Cost
from .base import Effect, Kind

CATALOGUE: dict[str, Effect] = {
    "command": "new-job",
    "params": "new-job",
    "additionalParams": "new-job",
    "outputS3Path": "new-job",
    "configFileS3Path": "new-job",
    "queriesFileS3Path": "new-job",
    "createExportSubdirectory": "new-job",
    "overwriteExisting": "new-job",
    "completionFilePayload": "new-job",
    "sseKmsKeyId": "new-job",
    "expectedBucketOwner": "new-job",
    "s3Region": "new-job",
    "jobSize": "next-job",
    "uploadToS3OnError": "next-job",
    "s3RoleArn": "next-job",
    "s3RoleExternalId": "next-job",
    "s3RoleSessionName": "next-job",
}
COMPLETION = "_completion"  # where under outputS3Path each export's completion file goes


def located(spec: Mapping[str, Any], job: str) -> dict[str, Any]:
    """The request for export ``job``: its output and completion file at addresses of its own."""
    base = str(spec["outputS3Path"]).rstrip("/")
    body = dict(spec)
    body["outputS3Path"] = f"{base}/{job}"
    body["completionFileS3Path"] = f"{base}/{COMPLETION}/{job}"
    body["completionFilePayload"] = {
        **dict(spec.get("completionFilePayload") or {}),
        "reconciler": {"job": job},
    }
    return body


def cost(spec: Mapping[str, Any]) -> Cost:
    """One export; with ``params.cloneCluster`` it runs a clone of the cluster for its duration.
    The API takes no timeout, so no time bound."""
    params = spec.get("params") or {}
    if params.get("cloneCluster"):
        instance = str(params.get("cloneClusterInstanceType") or "the cluster's instance type")
        count = 1 + int(params.get("cloneClusterReplicaCount") or 0)
        return Cost(f"{count} × {instance} (a clone of the cluster)", 0.0, count, 0, unit="export")
    return Cost(f"the export service's Batch capacity (jobSize: {spec.get('jobSize', 'small')})", 0.0, 1, 0,
                unit="export")  # fmt: skip


EXPORT = Kind(
    name="ExportJob",
    schema="exportjob.v1",
    resource="neptune-export",
    catalogue=CATALOGUE,
    previous_field="",
    gate=lambda name, spec, live: ("blocked", live.preflight[name]) if name in live.preflight else None,
    cost=cost,
    noun="export",
    short="export",
    service="export",
    stoppable=False,
    shape=located,
)
