"""The emulator's records and vocabulary: jobs, options, the service's error, parameter types."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

ID_RE = re.compile(r"^[A-Za-z0-9-]{1,48}$")  # --strict only: the service documents no id rule
S3_RE = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$")  # --strict only
S3_ANY = re.compile(r"^s3://[^/\s]+(/.*)?$")
MODEL_NAMES = ("rgcn", "kge", "transe", "distmult", "rotate", "custom")
TERMINAL = ("Completed", "Failed", "Stopped")
ACCOUNT = "123456789012"

_STR, _INT, _BOOL, _LIST, _OBJ = "string", "integer", "boolean", "list", "object"
TRAINING_PARAMS = {
    "id": _STR, "previousModelTrainingJobId": _STR, "dataProcessingJobId": _STR,
    "trainModelS3Location": _STR, "sagemakerIamRoleArn": _STR, "neptuneIamRoleArn": _STR,
    "modelName": _STR, "baseProcessingInstanceType": _STR, "trainingInstanceType": _STR,
    "trainingInstanceVolumeSizeInGB": _INT, "trainingTimeOutInSeconds": _INT,
    "maxHPONumberOfTrainingJobs": _INT, "maxHPOParallelTrainingJobs": _INT, "subnets": _LIST,
    "securityGroupIds": _LIST, "volumeEncryptionKMSKey": _STR, "s3OutputEncryptionKMSKey": _STR,
    "enableInterContainerTrafficEncryption": _BOOL, "enableManagedSpotTraining": _BOOL,
    "maxWaitTime": _INT, "customModelTrainingParameters": _OBJ,
}  # fmt: skip
CUSTOM_PARAMS = {
    "sourceS3DirectoryPath": _STR,
    "trainingEntryPointScript": _STR,
    "transformEntryPointScript": _STR,
}  # fmt: skip
PROCESSING_PARAMS = {
    "id": _STR, "previousDataProcessingJobId": _STR, "inputDataS3Location": _STR,
    "processedDataS3Location": _STR, "sagemakerIamRoleArn": _STR, "neptuneIamRoleArn": _STR,
    "processingInstanceType": _STR, "processingInstanceVolumeSizeInGB": _INT,
    "processingTimeOutInSeconds": _INT, "modelType": _STR, "configFileName": _STR,
    "subnets": _LIST, "securityGroupIds": _LIST, "volumeEncryptionKMSKey": _STR,
    "s3OutputEncryptionKMSKey": _STR,
}  # fmt: skip
TRANSFORM_PARAMS = {
    "id": _STR, "dataProcessingJobId": _STR, "mlModelTrainingJobId": _STR, "trainingJobName": _STR,
    "modelTransformOutputS3Location": _STR, "sagemakerIamRoleArn": _STR, "neptuneIamRoleArn": _STR,
    "customModelTransformParameters": _OBJ, "baseProcessingInstanceType": _STR,
    "baseProcessingInstanceVolumeSizeInGB": _INT, "subnets": _LIST, "securityGroupIds": _LIST,
    "volumeEncryptionKMSKey": _STR, "s3OutputEncryptionKMSKey": _STR,
}  # fmt: skip
ENDPOINT_PARAMS = {
    "id": _STR, "mlModelTrainingJobId": _STR, "mlModelTransformJobId": _STR, "update": _BOOL,
    "neptuneIamRoleArn": _STR, "modelName": _STR, "instanceType": _STR, "instanceCount": _INT,
    "volumeEncryptionKMSKey": _STR,
}  # fmt: skip


class ServiceError(Exception):
    """An error the real service would answer with ``{"code", "detailedMessage"}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def invalid(message: str) -> ServiceError:
    return ServiceError(400, "InvalidParameterException", message)


def not_ready(message: str) -> ServiceError:
    """A job that needs another one Completed (training on unfinished data, an endpoint on an
    unfinished model): the user guide's BadRequestException."""
    return ServiceError(400, "BadRequestException", message)


def not_found(kind: str, job_id: str) -> ServiceError:
    return ServiceError(404, "MLResourceNotFoundException", f"No {kind} job found with id {job_id}")


@dataclass
class Job:
    id: str
    kind: str  # "training" | "processing" | "transform" | "endpoint" (resources.py)
    params: dict[str, Any]
    created: float
    duration: float
    failed_at: float | None = None
    failure_reason: str | None = None
    stop_requested: float | None = None
    stop_clean: bool = False
    fixed_status: str | None = None  # seeded data-processing jobs keep the status they were given
    artifacts_written: bool = False
    updated: float | None = None  # an endpoint's last update: Updating until it has run its time
    deleted: float | None = None  # an endpoint being deleted: Deleting, then gone
    metrics: dict[str, Any] | None = None  # what its eval_metrics_info.json will say (admin-set)


@dataclass
class Options:
    """How the emulator behaves. Where the sources are silent it is as lenient as the real
    clients need (unknown fields ignored, any bucket name, ``"id": ""`` generates one); the
    switches give the stricter or other documented behaviour so both client paths stay tested."""

    job_seconds: float = 5.0
    # Each job then runs a time between job_seconds and this, fixed by its id (a graph whose jobs
    # take different times, as real ones do); None: every job takes job_seconds.
    job_seconds_max: float | None = None
    stop_seconds: float = 1.0
    region: str = "us-east-1"
    strict: bool = False  # refuse unknown fields, ids beyond [A-Za-z0-9-]{1,48}, non-DNS bucket names
    not_found_400: bool = False  # answer a missing id with 400 InvalidParameterException, not 404
    list_all: bool = False  # the list call shows every job, not only the active ones (the guide's)
    auth_keys: dict[str, str] | None = None  # access key id -> secret: verify SigV4 on /ml/ routes
    empty_delete: bool = False  # answer a stop or delete with 200 and an empty body (clients must cope)
    export_seconds: float | None = None  # how long an export runs (None: job_seconds)

    def duration(self, job_id: str) -> float:
        """How long the job of this id runs: job_seconds, or a time up to job_seconds_max that its
        id fixes (the same on every run and every restart)."""
        top = self.job_seconds_max
        if top is None or top <= self.job_seconds:
            return self.job_seconds
        import hashlib

        share = int(hashlib.sha256(job_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        return self.job_seconds + share * (top - self.job_seconds)


# (trainModelS3Location, job_id, stage, metrics) with stage "start", "complete" or "clean";
# a completed training job also writes its metrics file (processing/eval_metrics_info.json).
class Artifacts(Protocol):
    def __call__(self, location: str, job_id: str, stage: str, metrics: dict[str, Any] | None) -> None: ...

    def put(self, location: str, files: dict[str, bytes]) -> None:
        """Files under an S3 folder (what an export publishes)."""


def default_metrics(job_id: str) -> dict[str, Any]:
    """A training job's metrics when no test set them: deterministic from its id."""
    import hashlib

    n = int(hashlib.sha256(job_id.encode()).hexdigest()[:8], 16)
    return {"accuracy": round(0.6 + (n % 350) / 1000, 3), "loss": round(0.2 + (n % 97) / 1000, 3)}


def check_types(body: dict[str, Any], params: dict[str, str], strict: bool = False) -> None:
    """Types of the known fields; unknown fields are refused only when ``strict``."""
    for key, value in body.items():
        expected = params.get(key)
        if expected is None:
            if strict:
                raise invalid(f"Unknown parameter: {key}")
            continue
        ok = {
            _STR: isinstance(value, str),
            _INT: isinstance(value, int) and not isinstance(value, bool),
            _BOOL: isinstance(value, bool),
            _LIST: isinstance(value, list) and all(isinstance(v, str) for v in value),
            _OBJ: isinstance(value, dict),
        }[expected]
        if not ok:
            raise invalid(f"Invalid value for parameter {key}: expected {expected}")
