"""The emulator's model of Neptune ML: jobs of every resource, their clock and their lifecycle.

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

from .describe import describe
from .model import ACCOUNT, ID_RE, TERMINAL, Artifacts, Job, Options, default_metrics, invalid, not_found
from .resources import BY_KIND, label


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
    planned_metrics: dict[str, dict[str, Any]] = field(default_factory=dict)  # for jobs to come

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
            self.save()
        self.settle()

    def save(self) -> None:
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
            self.save()

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
        todo: list[tuple[str, str, dict[str, Any]]] = []
        with self.lock:
            now = self.now()
            while self.due_completions and self.due_completions[0][0] <= now:
                _, key = heapq.heappop(self.due_completions)
                job = self.jobs.get(key)
                # Past its run time a job is Completed, or it never will be (failed, stopped).
                if job is not None and not job.artifacts_written and self.status(job, now) == "Completed":
                    job.artifacts_written = True
                    metrics = job.metrics if job.metrics is not None else default_metrics(job.id)
                    todo.append((job.params["trainModelS3Location"], job.id, metrics))
            if todo:
                self.save()
        for location, job_id, metrics in todo:
            if self.artifacts:
                self.artifacts(location, job_id, "complete", metrics)

    # -- jobs of every resource -----------------------------------------------
    def new_id(self, kind: str, given: Any) -> str:
        """The job's id: generated when absent or empty (graph-notebook sends ``"id": ""``); ids
        are unique per resource kind (a data-processing job and its training job may share one)."""
        if given is None or given == "":
            return str(uuid.uuid4())
        if self.options.strict and not ID_RE.match(given):
            raise invalid(f"Invalid id {given!r}: 1 to 48 letters, digits and hyphens")
        if _key(kind, given) in self.jobs:
            raise invalid("Another resource with same ID already exists")
        return str(given)

    def add(self, job: Job) -> Job:
        """File a new job (under the lock); a training job's completion is due at its end."""
        key = _key(job.kind, job.id)
        if job.kind == "training" and job.id in self.planned_metrics:
            job.metrics = self.planned_metrics.pop(job.id)
        self.jobs[key] = job
        if job.kind == "training":
            heapq.heappush(self.due_completions, (job.created + job.duration, key))
        self.save()
        return job

    def created(self, job: Job) -> dict[str, Any]:
        """What a create answers."""
        return {
            "id": job.id,
            "arn": f"arn:aws:neptune:{self.options.region}:{ACCOUNT}:{BY_KIND[job.kind].arn}/{job.id}",
            "creationTimeInMillis": int(job.created * 1000),
        }

    def get(self, kind: str, job_id: str) -> dict[str, Any]:
        self.settle()
        with self.lock:
            job = self.find(kind, job_id)
            now = self.now()
            return describe(job, self.status(job, now), now, self.options.region)

    def find(self, kind: str, job_id: str) -> Job:
        if kind == "endpoint":
            self.reap_endpoints(self.now())
        job = self.jobs.get(_key(kind, job_id))
        if job is None:
            if self.options.not_found_400:
                raise invalid(
                    f"Unable to find {label(kind)} job: no resource with the given ID {job_id} exists"
                )
            raise not_found(label(kind), job_id)
        return job

    def stop(self, kind: str, job_id: str, clean: bool) -> dict[str, Any]:
        with self.lock:
            job = self.find(kind, job_id)
            status = self.status(job)
            if status in TERMINAL:
                raise invalid("Failed to stop the job because it has already completed or failed")
            if status == "InProgress":
                job.stop_requested, job.stop_clean = self.now(), clean
                if job.fixed_status:
                    job.fixed_status = None
                self.save()
            location = job.params.get("trainModelS3Location")
        if clean and location and self.artifacts:
            self.artifacts(location, job_id, "clean", None)
        return {"status": "Stopping"}

    def list_ids(self, kind: str, max_items: int) -> list[str]:
        """Newest first: the active jobs (InProgress, Stopping), as the guide says, or every job."""
        with self.lock:
            now = self.now()
            if kind == "endpoint":
                self.reap_endpoints(now)
            wanted = (j for j in self.jobs.values() if j.kind == kind)
            if not self.options.list_all and kind != "endpoint":
                wanted = (j for j in wanted if self.status(j, now) in ("InProgress", "Stopping"))
            jobs = sorted(wanted, key=lambda j: (j.created, j.id), reverse=True)
            return [j.id for j in jobs[:max_items]]

    def all_jobs(self) -> list[dict[str, Any]]:
        """Every job of every kind (admin: what a test counts, whatever the list call shows)."""
        with self.lock:
            now = self.now()
            return [
                {"id": j.id, "kind": j.kind, "status": self.status(j, now), "seconds": j.duration}
                for j in self.jobs.values()
            ]

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

    def reap_endpoints(self, now: float) -> None:
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

    def delete_endpoint(self, job_id: str) -> dict[str, Any]:
        with self.lock:
            self.reap_endpoints(self.now())
            job = self.find("endpoint", job_id)
            if job.deleted is None:
                job.deleted = self.now()
                heapq.heappush(
                    self.due_deletions, (job.deleted + self.options.stop_seconds, _key("endpoint", job.id))
                )
                self.save()
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
            self.save()

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
            self.save()

    def set_metrics(self, job_id: str, metrics: dict[str, Any]) -> None:
        """What a training job's eval_metrics_info.json will say when it completes (a job not
        started yet takes them when it is)."""
        with self.lock:
            job = self.jobs.get(_key("training", job_id))
            if job is None:
                self.planned_metrics[job_id] = dict(metrics)
                return
            if job.artifacts_written:
                raise invalid(f"Job {job_id} completed already: its metrics are written")
            job.metrics = dict(metrics)
            self.save()

    def set_endpoint_status(self, job_id: str, status: str) -> None:
        """Hold an endpoint in one of SageMaker's other states (SystemUpdating, RollingBack,
        OutOfService, …); an empty status lets it follow its clock again."""
        with self.lock:
            job = self.find("endpoint", job_id)
            job.fixed_status = status or None
            self.save()

    def delete(self, job_id: str, kind: str = "training") -> None:
        with self.lock:
            if self.jobs.pop(_key(kind, job_id), None) is None:
                raise not_found(label(kind), job_id)
            self.save()


def _key(kind: str, job_id: str) -> str:
    """Jobs are stored per resource kind: ids are unique within a kind only."""
    return f"{kind}/{job_id}"
