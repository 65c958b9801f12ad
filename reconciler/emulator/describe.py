"""What ``GET /ml/<resource>/<id>`` answers, per resource, in the documented shapes (pure: a job,
its status now, the clock and the region)."""

from __future__ import annotations

from typing import Any

from .model import ACCOUNT, Job


def describe(job: Job, status: str, now: float, region: str) -> dict[str, Any]:
    return _DESCRIBE[job.kind](job, status, now, region)


def _sub(job: Job, region: str, kind: str, name: str, state: str, where: str) -> dict[str, Any]:
    """A SageMaker sub-job: name, ARN, status, output location, and why it failed."""
    out = {
        "name": name,
        "arn": f"arn:aws:sagemaker:{region}:{ACCOUNT}:{kind}/{name}",
        "status": state,
        "outputLocation": f"{where.rstrip('/')}/{job.id}/{name.rsplit('-', 1)[-1]}",
    }
    if state == "Failed":
        out["failureReason"] = job.failure_reason or "AlgorithmError: training failed"
        out["cloudwatchLogUrl"] = (
            f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
            f"#logStream:group=/aws/sagemaker/TrainingJobs;prefix={name};streamFilter=typeLogStreamPrefix"
        )
    return out


def _endpoint(job: Job, status: str, now: float, region: str) -> dict[str, Any]:
    base = job.id
    endpoint = {
        "name": f"{base}-endpoint",
        "arn": f"arn:aws:sagemaker:{region}:{ACCOUNT}:endpoint/{base}-endpoint",
        "status": status,
    }
    if status == "Failed":
        endpoint["failureReason"] = job.failure_reason or "Endpoint failed to start"
    return {
        "id": job.id, "status": status, "endpoint": endpoint,
        "endpointConfig": {
            "name": f"{base}-config",
            "arn": f"arn:aws:sagemaker:{region}:{ACCOUNT}:endpoint-config/{base}-config",
        },
    }  # fmt: skip


def _processing(job: Job, status: str, now: float, region: str) -> dict[str, Any]:
    where = job.params.get("processedDataS3Location", "")
    return {
        "id": job.id,
        "status": status,
        "processingJob": _sub(job, region, "processing-job", f"{job.id}-processing", status, where),
    }


def _transform(job: Job, status: str, now: float, region: str) -> dict[str, Any]:
    """GetMLModelTransformJob: the base processing job, the remote transform job, its models."""
    where, base = job.params.get("modelTransformOutputS3Location", ""), job.id
    p = progress(job, now)
    ending = _ending(status)
    doc: dict[str, Any] = {
        "id": job.id,
        "status": status,
        "baseProcessingJob": _sub(
            job, region, "processing-job", f"{base}-processing", "Completed" if p >= 0.3 else ending, where
        ),
    }
    if p >= 0.3:
        doc["remoteModelTransformJob"] = _sub(
            job, region, "transform-job", f"{base}-transform", ending, where
        )
        if status == "Completed":
            doc["remoteModelTransformJob"]["status"] = "Completed"
    doc["models"] = (
        [{"name": f"{base}-model", "arn": f"arn:aws:sagemaker:{region}:{ACCOUNT}:model/{base}-model"}]
        if status == "Completed"
        else []
    )
    return doc


def _training(job: Job, status: str, now: float, region: str) -> dict[str, Any]:
    where, base = job.params.get("trainModelS3Location", ""), job.id
    doc: dict[str, Any] = {"id": job.id, "status": status}
    names = {
        "processingJob": ("processing-job", f"{base}-processing"),
        "hpoJob": ("hyper-parameter-tuning-job", f"{base}-hpo"),
        "modelTransformJob": ("transform-job", f"{base}-transform"),
    }
    for key, state in _phases(job, status, now).items():
        kind, name = names[key]
        doc[key] = _sub(job, region, kind, name, state, where)
    total = int(job.params.get("maxHPONumberOfTrainingJobs", 2))
    done = (
        total if status == "Completed" else max(0, min(total, int((progress(job, now) - 0.2) / 0.6 * total)))
    )
    doc["mlModels"] = [
        {
            "name": f"{base}-hpo-{i:03d}",
            "arn": f"arn:aws:sagemaker:{region}:{ACCOUNT}:model/{base}-hpo-{i:03d}",
        }
        for i in range(1, done + 1)
    ]
    return doc


def progress(job: Job, now: float) -> float:
    """How far through its run time a job got (it stops moving when it failed or was stopped)."""
    end = min(x for x in (now, job.failed_at, job.stop_requested) if x is not None)
    return max(0.0, min(1.0, (end - job.created) / job.duration)) if job.duration else 1.0


def _ending(status: str) -> str:
    return {"Failed": "Failed", "Stopping": "Stopping", "Stopped": "Stopped"}.get(status, "InProgress")


def _phases(job: Job, status: str, now: float) -> dict[str, str]:
    """Processing 0-20%, HPO 20-80%, transform 80-100% of the job's time."""
    p = progress(job, now)
    ending = _ending(status)
    out = {"processingJob": "Completed" if p >= 0.2 else ending}
    if p >= 0.2:
        out["hpoJob"] = "Completed" if p >= 0.8 else ending
    if p >= 0.8:
        out["modelTransformJob"] = "Completed" if status == "Completed" else ending
    return out


_DESCRIBE = {"training": _training, "processing": _processing, "transform": _transform, "endpoint": _endpoint}
