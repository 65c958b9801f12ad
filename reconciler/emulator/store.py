"""The emulator's model of Neptune ML: jobs, their lifecycle, and the service's validation.

No HTTP here: the server turns ``ServiceError`` into the real error envelope.
Times come from a clock the admin API can move forward, so tests never sleep for a job.
"""

from __future__ import annotations

import heapq
import json
import os
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from .model import (
    ACCOUNT,
    ENDPOINT_PARAMS,
    ID_RE,
    PROCESSING_PARAMS,
    TERMINAL,
    Artifacts,
    Job,
    Options,
    ServiceError,
    check_types,
    invalid,
    label,
    not_found,
    not_ready,
)
from .validation import check_training_body


@dataclass
class Store:
    """Thread-safe job store with a movable clock and optional persistence."""

    options: Options = field(default_factory=Options)
    state_file: str | None = None
    artifacts: Artifacts | None = None
    offset: float = 0.0
    jobs: dict[str, Job] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    # What happens next, by when: (time, key) heaps, so a request looks only at what is due now,
    # never at every job. Training jobs whose completion is still to be seen (settle() writes
    # their artifacts), and endpoints being deleted (gone once their deletion has run its time).
    due_completions: list[tuple[float, str]] = field(default_factory=list)
    due_deletions: list[tuple[float, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.state_file and os.path.exists(self.state_file):
            with open(self.state_file, encoding="utf-8") as f:
                data = json.load(f)
            self.offset = data.get("offset", 0.0)
            self.jobs = {_key(j["kind"], j["id"]): Job(**j) for j in data.get("jobs", [])}
        for key, job in self.jobs.items():
            if job.kind == "training" and not job.artifacts_written:
                heapq.heappush(self.due_completions, (job.created + job.duration, key))
            if job.kind == "endpoint" and job.deleted is not None:
                heapq.heappush(self.due_deletions, (job.deleted + self.options.stop_seconds, key))

    # -- time and persistence -------------------------------------------------
    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.offset += seconds
            self._save()
        self.settle()

    def _save(self) -> None:
        if not self.state_file:
            return
        data = {"offset": self.offset, "jobs": [asdict(j) for j in self.jobs.values()]}
        tmp = f"{self.state_file}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.state_file)

    def reset(self) -> None:
        with self.lock:
            self.jobs.clear()
            self.due_completions.clear()
            self.due_deletions.clear()
            self.offset = 0.0
            self._save()

    # -- lifecycle ------------------------------------------------------------
    def status(self, job: Job, now: float | None = None) -> str:
        now = self.now() if now is None else now
        if job.kind == "endpoint":
            return self._endpoint_status(job, now)
        if job.fixed_status:
            return job.fixed_status
        if job.failed_at is not None and now >= job.failed_at:
            return "Failed"
        if job.stop_requested is not None:
            return "Stopped" if now >= job.stop_requested + self.options.stop_seconds else "Stopping"
        return "Completed" if now >= job.created + job.duration else "InProgress"

    def settle(self) -> None:
        """Write artifacts of jobs that completed since the last look (outside the lock)."""
        todo: list[tuple[str, str]] = []
        with self.lock:
            now = self.now()
            while self.due_completions and self.due_completions[0][0] <= now:
                _, key = heapq.heappop(self.due_completions)
                job = self.jobs.get(key)
                # Past its run time a job is Completed, or it never will be (failed, stopped).
                if job is not None and not job.artifacts_written and self.status(job, now) == "Completed":
                    job.artifacts_written = True
                    todo.append((job.params["trainModelS3Location"], job.id))
            if todo:
                self._save()
        for location, job_id in todo:
            if self.artifacts:
                self.artifacts(location, job_id, "complete")

    # -- model training -------------------------------------------------------
    def create_training(self, body: dict[str, Any]) -> dict[str, Any]:
        check_training_body(body, self.options.strict)
        with self.lock:
            job_id = self._new_id("training", body.get("id"))
            dp = self.jobs.get(_key("processing", body["dataProcessingJobId"]))
            if dp is None:
                raise invalid(f"Unable to find data processing job with id {body['dataProcessingJobId']}")
            if self.status(dp) != "Completed":
                raise not_ready(f"Data processing job {dp.id} is not in Completed state: {self.status(dp)}")
            prev_id = body.get("previousModelTrainingJobId")
            if prev_id is not None:
                prev = self.jobs.get(_key("training", prev_id))
                if prev is None:
                    raise invalid(f"Unable to find model training job with id {prev_id}")
                if self.status(prev) != "Completed":
                    raise not_ready(f"Previous model training job {prev_id} is not in Completed state")
            job = Job(job_id, "training", {**body, "id": job_id}, self.now(), self.options.job_seconds)
            self.jobs[_key("training", job_id)] = job
            heapq.heappush(self.due_completions, (job.created + job.duration, _key("training", job_id)))
            self._save()
        if self.artifacts:
            self.artifacts(body["trainModelS3Location"], job_id, "start")
        return self._created(job, "ml-model-training-job")

    def _new_id(self, kind: str, given: Any) -> str:
        """The job's id: generated when absent or empty (graph-notebook sends ``"id": ""``); ids
        are unique per resource kind (a data-processing job and its training job may share one)."""
        if given is None or given == "":
            return str(uuid.uuid4())
        if self.options.strict and not ID_RE.match(given):
            raise invalid(f"Invalid id {given!r}: 1 to 48 letters, digits and hyphens")
        if _key(kind, given) in self.jobs:
            raise invalid("Another resource with same ID already exists")
        return str(given)

    def _created(self, job: Job, kind: str) -> dict[str, Any]:
        return {
            "id": job.id,
            "arn": f"arn:aws:neptune:{self.options.region}:{ACCOUNT}:{kind}/{job.id}",
            "creationTimeInMillis": int(job.created * 1000),
        }

    def get(self, kind: str, job_id: str) -> dict[str, Any]:
        self.settle()
        with self.lock:
            return self._describe(self._find(kind, job_id))

    def _find(self, kind: str, job_id: str) -> Job:
        if kind == "endpoint":
            self._reap_endpoints(self.now())
        job = self.jobs.get(_key(kind, job_id))
        if job is None:
            if self.options.not_found_400:
                raise invalid(
                    f"Unable to find {label(kind)} job: no resource with the given ID {job_id} exists"
                )
            raise not_found(label(kind), job_id)
        return job

    def _describe(self, job: Job) -> dict[str, Any]:
        now = self.now()
        status = self.status(job, now)
        region, base = self.options.region, job.id
        where = job.params.get("trainModelS3Location") or job.params.get("processedDataS3Location", "")

        def sub(kind: str, name: str, state: str) -> dict[str, Any]:
            out = {
                "name": name,
                "arn": f"arn:aws:sagemaker:{region}:{ACCOUNT}:{kind}/{name}",
                "status": state,
                "outputLocation": f"{where.rstrip('/')}/{base}/{name.rsplit('-', 1)[-1]}",
            }
            if state == "Failed":
                out["failureReason"] = job.failure_reason or "AlgorithmError: training failed"
                out["cloudwatchLogUrl"] = (
                    f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
                    f"#logStream:group=/aws/sagemaker/TrainingJobs;prefix={name};streamFilter=typeLogStreamPrefix"
                )
            return out

        if job.kind == "endpoint":
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
        if job.kind == "processing":
            return {
                "id": job.id,
                "status": status,
                "processingJob": sub("processing-job", f"{base}-processing", status),
            }
        phases = self._phases(job, status, now)
        doc: dict[str, Any] = {"id": job.id, "status": status}
        names = {
            "processingJob": ("processing-job", f"{base}-processing"),
            "hpoJob": ("hyper-parameter-tuning-job", f"{base}-hpo"),
            "modelTransformJob": ("transform-job", f"{base}-transform"),
        }
        for key, state in phases.items():
            kind, name = names[key]
            doc[key] = sub(kind, name, state)
        total = int(job.params.get("maxHPONumberOfTrainingJobs", 2))
        done = self._hpo_done(job, status, now, total)
        doc["mlModels"] = [
            {
                "name": f"{base}-hpo-{i:03d}",
                "arn": f"arn:aws:sagemaker:{region}:{ACCOUNT}:model/{base}-hpo-{i:03d}",
            }
            for i in range(1, done + 1)
        ]
        return doc

    def _progress(self, job: Job, now: float) -> float:
        end = min(x for x in (now, job.failed_at, job.stop_requested) if x is not None)
        return max(0.0, min(1.0, (end - job.created) / job.duration)) if job.duration else 1.0

    def _phases(self, job: Job, status: str, now: float) -> dict[str, str]:
        """Processing 0-20%, HPO 20-80%, transform 80-100% of the job's time."""
        p = self._progress(job, now)
        ending = {"Failed": "Failed", "Stopping": "Stopping", "Stopped": "Stopped"}.get(status, "InProgress")
        out = {"processingJob": "Completed" if p >= 0.2 else ending}
        if p >= 0.2:
            out["hpoJob"] = "Completed" if p >= 0.8 else ending
        if p >= 0.8:
            out["modelTransformJob"] = "Completed" if status == "Completed" else ending
        return out

    def _hpo_done(self, job: Job, status: str, now: float, total: int) -> int:
        if status == "Completed":
            return total
        return max(0, min(total, int((self._progress(job, now) - 0.2) / 0.6 * total)))

    def stop(self, kind: str, job_id: str, clean: bool) -> dict[str, Any]:
        with self.lock:
            job = self._find(kind, job_id)
            status = self.status(job)
            if status in TERMINAL:
                raise invalid("Failed to stop the job because it has already completed or failed")
            if status == "InProgress":
                job.stop_requested, job.stop_clean = self.now(), clean
                if job.fixed_status:
                    job.fixed_status = None
                self._save()
            location = job.params.get("trainModelS3Location")
        if clean and location and self.artifacts:
            self.artifacts(location, job_id, "clean")
        return {"status": "Stopping"}

    def list_ids(self, kind: str, max_items: int) -> list[str]:
        """Newest first: the active jobs (InProgress, Stopping), as the guide says, or every job."""
        with self.lock:
            now = self.now()
            if kind == "endpoint":
                self._reap_endpoints(now)
            wanted = (j for j in self.jobs.values() if j.kind == kind)
            if not self.options.list_all and kind != "endpoint":
                wanted = (j for j in wanted if self.status(j, now) in ("InProgress", "Stopping"))
            jobs = sorted(wanted, key=lambda j: (j.created, j.id), reverse=True)
            return [j.id for j in jobs[:max_items]]

    def all_jobs(self) -> list[dict[str, Any]]:
        """Every job of every kind (admin: what a test counts, whatever the list call shows)."""
        with self.lock:
            now = self.now()
            return [{"id": j.id, "kind": j.kind, "status": self.status(j, now)} for j in self.jobs.values()]

    # -- data processing ------------------------------------------------------
    def create_processing(self, body: dict[str, Any]) -> dict[str, Any]:
        check_types(body, PROCESSING_PARAMS, self.options.strict)
        for required in ("inputDataS3Location", "processedDataS3Location"):
            if required not in body:
                raise ServiceError(
                    400, "MissingParameterException", f"Missing required parameter: {required}"
                )
        with self.lock:
            job_id = self._new_id("processing", body.get("id"))
            job = Job(job_id, "processing", {**body, "id": job_id}, self.now(), self.options.job_seconds)
            self.jobs[_key("processing", job_id)] = job
            self._save()
        return self._created(job, "ml-data-processing-job")

    # -- endpoints ------------------------------------------------------------
    def _endpoint_status(self, job: Job, now: float) -> str:
        """Creating → InService; an update: Updating → InService; a delete: Deleting, then gone."""
        if job.deleted is not None:
            return "Deleting"
        if job.failed_at is not None and now >= job.failed_at:
            return "Failed"
        if job.fixed_status:  # SageMaker's other states, set by the admin route
            return job.fixed_status
        start = job.updated if job.updated is not None else job.created
        if now < start + job.duration:
            return "Updating" if job.updated is not None else "Creating"
        return "InService"

    def _reap_endpoints(self, now: float) -> None:
        """Endpoints whose deletion has run its time are gone (only those due are looked at)."""
        while self.due_deletions and self.due_deletions[0][0] <= now:
            _, key = heapq.heappop(self.due_deletions)
            job = self.jobs.get(key)
            if job is None or job.deleted is None:
                continue
            if now >= job.deleted + self.options.stop_seconds:
                del self.jobs[key]
            else:  # the deletion time grew since (a test changed stop_seconds): due later
                heapq.heappush(self.due_deletions, (job.deleted + self.options.stop_seconds, key))

    def create_endpoint(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /ml/endpoints``: create, or with ``"update": true`` update an existing one (the
        user guide's own example sends the string ``"true"``: taken as the boolean)."""
        if isinstance(body.get("update"), str) and body["update"].lower() in ("true", "false"):
            body = {**body, "update": body["update"].lower() == "true"}
        check_types(body, ENDPOINT_PARAMS, self.options.strict)
        training, transform = body.get("mlModelTrainingJobId"), body.get("mlModelTransformJobId")
        if bool(training) == bool(transform):
            raise invalid("Exactly one of mlModelTrainingJobId and mlModelTransformJobId is required")
        with self.lock:
            now = self.now()
            self._reap_endpoints(now)
            if training:
                model = self.jobs.get(_key("training", training))
                if model is None:
                    raise invalid(f"Unable to find model training job with id {training}")
                if self.status(model, now) != "Completed":
                    raise not_ready(f"Model training job {training} is not in Completed state")
            params = {k: v for k, v in body.items() if k != "update"}
            params.setdefault("instanceType", "ml.m5.xlarge")
            params.setdefault("instanceCount", 1)
            if body.get("update"):
                job = self._find("endpoint", str(body.get("id", "")))
                status = self.status(job, now)
                if status != "InService" and status != "Failed":
                    raise invalid(f"Endpoint {job.id} cannot be updated while it is {status}")
                job.params, job.updated, job.failed_at, job.failure_reason = (
                    {**params, "id": job.id},
                    now,
                    None,
                    None,
                )
            else:
                job_id = self._new_id("endpoint", body.get("id"))
                job = Job(job_id, "endpoint", {**params, "id": job_id}, now, self.options.job_seconds)
                self.jobs[_key("endpoint", job_id)] = job
            self._save()
        return self._created(job, "ml-endpoint")

    def delete_endpoint(self, job_id: str) -> dict[str, Any]:
        with self.lock:
            self._reap_endpoints(self.now())
            job = self._find("endpoint", job_id)
            if job.deleted is None:
                job.deleted = self.now()
                heapq.heappush(
                    self.due_deletions, (job.deleted + self.options.stop_seconds, _key("endpoint", job.id))
                )
                self._save()
        return {"status": "Deleting"}

    # -- admin ----------------------------------------------------------------
    def seed_processing(self, job_id: str, status: str) -> None:
        if status not in ("InProgress", "Completed", "Failed", "Stopped"):
            raise invalid(f"Invalid status {status}")
        with self.lock:
            params = {
                "inputDataS3Location": "s3://emulator/in",
                "processedDataS3Location": f"s3://emulator/processed/{job_id}",
            }
            self.jobs[_key("processing", job_id)] = Job(
                job_id,
                "processing",
                params,
                self.now(),
                0.0,
                fixed_status=None if status == "Completed" else status,
            )
            self._save()

    def fail(self, job_id: str, reason: str | None, *, halfway: bool = False, kind: str = "training") -> None:
        """Fail a job now, or (``halfway``) when half its run time has passed."""
        with self.lock:
            job = self.jobs.get(_key(kind, job_id))
            if job is None:
                raise not_found(label(kind), job_id)
            if self.status(job) in (*TERMINAL, "Deleting"):
                raise invalid(f"Job {job_id} is already {self.status(job)}")
            job.failed_at = job.created + job.duration / 2 if halfway else self.now()
            job.failure_reason = reason
            job.fixed_status = None
            self._save()

    def set_endpoint_status(self, job_id: str, status: str) -> None:
        """Hold an endpoint in one of SageMaker's other states (SystemUpdating, RollingBack,
        OutOfService, …); an empty status lets it follow its clock again."""
        with self.lock:
            job = self._find("endpoint", job_id)
            job.fixed_status = status or None
            self._save()

    def delete(self, job_id: str, kind: str = "training") -> None:
        with self.lock:
            if self.jobs.pop(_key(kind, job_id), None) is None:
                raise not_found(label(kind), job_id)
            self._save()


def _key(kind: str, job_id: str) -> str:
    """Jobs are stored per resource kind: ids are unique within a kind only."""
    return f"{kind}/{job_id}"
