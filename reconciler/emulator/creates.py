"""``POST /ml/<resource>``: what the service checks in each create and the job it starts.

A job that needs another one (training on processed data, a transform of a trained model, an
endpoint serving either) is refused while that one is missing (InvalidParameterException) or not
Completed (the user guide's BadRequestException).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .model import (
    ENDPOINT_PARAMS,
    PROCESSING_PARAMS,
    TRANSFORM_PARAMS,
    Job,
    ServiceError,
    check_types,
    invalid,
    not_ready,
)
from .resources import label
from .validation import check_training_body

if TYPE_CHECKING:
    from .store import Store


def _missing(body: dict[str, Any], *fields: str) -> None:
    for required in fields:
        if required not in body:
            raise ServiceError(400, "MissingParameterException", f"Missing required parameter: {required}")


def _completed(store: Store, kind: str, job_id: str, now: float, what: str = "") -> None:
    """The job ``job_id`` of ``kind`` exists and is Completed (call under the store's lock)."""
    job = store.jobs.get(f"{kind}/{job_id}")
    name = what or label(kind)
    if job is None:
        raise invalid(f"Unable to find {name} job with id {job_id}")
    status = store.status(job, now)
    if status != "Completed":
        raise not_ready(f"{name[0].upper()}{name[1:]} job {job_id} is not in Completed state: {status}")


def training(store: Store, body: dict[str, Any]) -> dict[str, Any]:
    check_training_body(body, store.options.strict)
    with store.lock:
        now = store.now()
        _completed(store, "processing", body["dataProcessingJobId"], now)
        if body.get("previousModelTrainingJobId") is not None:
            _completed(store, "training", body["previousModelTrainingJobId"], now, "previous model training")
        job_id = store.new_id("training", body.get("id"))
        job = store.add(Job(job_id, "training", {**body, "id": job_id}, now, store.options.duration(job_id)))
    if store.artifacts:
        store.artifacts(body["trainModelS3Location"], job_id, "start", None)
    return store.created(job)


def processing(store: Store, body: dict[str, Any]) -> dict[str, Any]:
    check_types(body, PROCESSING_PARAMS, store.options.strict)
    _missing(body, "inputDataS3Location", "processedDataS3Location")
    with store.lock:
        job_id = store.new_id("processing", body.get("id"))
        job = store.add(
            Job(job_id, "processing", {**body, "id": job_id}, store.now(), store.options.duration(job_id))
        )
    return store.created(job)


def transform(store: Store, body: dict[str, Any]) -> dict[str, Any]:
    """StartMLModelTransformJob: a data-processing job and a training job, or a SageMaker
    training job's name (the emulator takes the name on trust: it plays no SageMaker)."""
    check_types(body, TRANSFORM_PARAMS, store.options.strict)
    _missing(body, "modelTransformOutputS3Location")
    pair = bool(body.get("dataProcessingJobId")) and bool(body.get("mlModelTrainingJobId"))
    if pair == bool(body.get("trainingJobName")):
        raise invalid(
            "You must include either dataProcessingJobId and mlModelTrainingJobId, or trainingJobName"
        )
    custom = body.get("customModelTransformParameters")
    if custom is not None and not custom.get("sourceS3DirectoryPath"):
        raise invalid("customModelTransformParameters needs sourceS3DirectoryPath")
    with store.lock:
        now = store.now()
        if pair:
            _completed(store, "processing", body["dataProcessingJobId"], now)
            _completed(store, "training", body["mlModelTrainingJobId"], now)
        job_id = store.new_id("transform", body.get("id"))
        job = store.add(Job(job_id, "transform", {**body, "id": job_id}, now, store.options.duration(job_id)))
    return store.created(job)


def endpoint(store: Store, body: dict[str, Any]) -> dict[str, Any]:
    """``POST /ml/endpoints``: create, or with ``"update": true`` update an existing one (the
    user guide's own example sends the string ``"true"``: taken as the boolean)."""
    if isinstance(body.get("update"), str) and body["update"].lower() in ("true", "false"):
        body = {**body, "update": body["update"].lower() == "true"}
    check_types(body, ENDPOINT_PARAMS, store.options.strict)
    trained, transformed = body.get("mlModelTrainingJobId"), body.get("mlModelTransformJobId")
    if bool(trained) == bool(transformed):
        raise invalid("Exactly one of mlModelTrainingJobId and mlModelTransformJobId is required")
    with store.lock:
        now = store.now()
        store.reap_endpoints(now)
        if trained:
            _completed(store, "training", str(trained), now)
        else:
            _completed(store, "transform", str(transformed), now)
        params = {k: v for k, v in body.items() if k != "update"}
        params.setdefault("instanceType", "ml.m5.xlarge")
        params.setdefault("instanceCount", 1)
        if body.get("update"):
            job = store.find("endpoint", str(body.get("id", "")))
            status = store.status(job, now)
            if status not in ("InService", "Failed"):
                raise invalid(f"Endpoint {job.id} cannot be updated while it is {status}")
            job.params, job.updated, job.failed_at, job.failure_reason = (
                {**params, "id": job.id},
                now,
                None,
                None,
            )
            store.save()
        else:
            job_id = store.new_id("endpoint", body.get("id"))
            job = store.add(
                Job(job_id, "endpoint", {**params, "id": job_id}, now, store.options.duration(job_id))
            )
    return store.created(job)


CREATES = {"training": training, "processing": processing, "transform": transform, "endpoint": endpoint}
