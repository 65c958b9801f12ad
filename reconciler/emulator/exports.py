"""The Neptune-Export service, as its REST API answers (API Gateway in front of AWS Batch).

``POST {NeptuneExportApiUri}`` starts an export and answers ``{"jobName", "jobId"}`` (the service
picks both); ``GET {NeptuneExportApiUri}/{jobId}`` answers its status in AWS Batch's words,
lowercased (``pending``, ``running``, ``succeeded``, ``failed``), with ``outputS3Uri`` once it
succeeded. There is no list and no stop. A finished export publishes its files under
``outputS3Path`` (in a subdirectory of its own unless ``createExportSubdirectory`` is false) and,
when asked, a completion file under ``completionFileS3Path``: the upload comes last, as the real
service uploads once the export is done.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any

from .model import ServiceError

COMMANDS = ("export-pg", "export-rdf", "export-pg-from-config", "export-pg-from-queries", "create-pg-config")
PATH = "neptune-export"


@dataclass
class Export:
    id: str
    name: str
    request: dict[str, Any]
    created: float
    duration: float
    failure: str | None = None
    published: bool = False

    ordinal: int = 1  # how many exports of this very request the emulator has started

    @property
    def folder(self) -> str:
        """The subdirectory it publishes into. The service names it by the export's local folder;
        the emulator by the request (and its ordinal), so a replayed story writes the same paths."""
        digest = hashlib.sha256(json.dumps(self.request, sort_keys=True).encode()).hexdigest()[:12]
        return f"export-{digest}" + (f"-{self.ordinal}" if self.ordinal > 1 else "")

    @property
    def output(self) -> str:
        base = str(self.request["outputS3Path"]).rstrip("/")
        subdirectory = self.request.get("createExportSubdirectory", True) not in (False, "false")
        return f"{base}/{self.folder}" if subdirectory else base


def bad(message: str) -> ServiceError:
    return ServiceError(400, "BadRequestException", message)


class Exports:
    """Export jobs, on the store's clock, publishing through its artifact writer."""

    def __init__(self, now: Any, seconds: Any, writer: Any = None) -> None:
        self.now, self.seconds, self.writer = now, seconds, writer
        self.jobs: dict[str, Export] = {}
        self.lock = threading.Lock()
        self.failing: deque[str] = deque()  # reasons the next exports fail with (admin route)

    def start(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise bad("Request body must be a JSON object")
        command = body.get("command", "export-pg")
        if command not in COMMANDS:
            raise bad(f"Unknown command {command!r}: one of {', '.join(COMMANDS)}")
        out = body.get("outputS3Path")
        if not isinstance(out, str) or not out.startswith("s3://") or len(out) < 6:
            raise bad("outputS3Path must be an S3 URI (s3://bucket/path)")
        params = body.get("params")
        if not isinstance(params, dict) or not params.get("endpoint"):
            raise bad("params.endpoint is required: the Neptune endpoint to export from")
        with self.lock:
            now = self.now()
            same = sum(1 for j in self.jobs.values() if j.request == body)
            job = Export(
                str(uuid.uuid4()), f"neptune-export-{uuid.uuid4().hex[:8]}-{int(now * 1000)}", dict(body),
                now, float(self.seconds()), self.failing.popleft() if self.failing else None, ordinal=same + 1,
            )  # fmt: skip
            self.jobs[job.id] = job
        return {"jobName": job.name, "jobId": job.id}

    def status(self, job_id: str) -> dict[str, Any]:
        with self.lock:
            job = self.jobs.get(job_id)
            if job is None:
                raise ServiceError(404, "NotFoundException", f"No export job with id {job_id}")
            status = self._status(job, self.now())
        self.settle()  # a job seen finished has published (as the reaper would, a moment later)
        doc: dict[str, Any] = {
            "jobId": job.id, "jobName": job.name, "status": status,
            "logs": f"https://console.aws.amazon.com/cloudwatch/home#logEventViewer:group=/aws/batch/job;stream={job.name}",
        }  # fmt: skip
        if status == "succeeded":
            doc["outputS3Uri"] = job.output
        if status == "failed":
            doc["statusReason"] = job.failure
        return doc

    def _status(self, job: Export, now: float) -> str:
        if now < job.created + min(0.2, job.duration / 4):
            return "pending"
        if now < job.created + job.duration:
            return "running"
        return "failed" if job.failure else "succeeded"

    def settle(self) -> None:
        """Publish the files of exports that succeeded since the last look (outside the lock)."""
        with self.lock:
            now = self.now()
            due = [j for j in self.jobs.values() if not j.published and now >= j.created + j.duration]
            for job in due:
                job.published = True
        for job in due:
            if job.failure is None and self.writer is not None:
                self.writer(job.output, files(job))
                completion = job.request.get("completionFileS3Path")
                if completion:
                    self.writer(str(completion).rstrip("/"), {f"{job.folder}.json": completion_file(job)})

    def all(self) -> list[dict[str, Any]]:
        with self.lock:
            return [
                {
                    "jobId": j.id,
                    "jobName": j.name,
                    "request": j.request,
                    "status": self._status(j, self.now()),
                }
                for j in self.jobs.values()
            ]

    def reset(self) -> None:
        with self.lock:
            self.jobs.clear()
            self.failing.clear()


def files(job: Export) -> dict[str, bytes]:
    """What an export publishes: a node and an edge file, and the training configuration Neptune ML's
    data processing reads (``training-data-configuration.json``) when the profile is neptune_ml."""
    found = {
        "nodes/Account-1.csv": b"~id,~label,fraud:Int\na1,Account,0\na2,Account,1\n",
        "edges/Account-transfers-Account-1.csv": b"~id,~from,~to,~label\ne1,a1,a2,transfers\n",
    }
    ml = (job.request.get("additionalParams") or {}).get("neptune_ml")
    if ml is not None or (job.request.get("params") or {}).get("profile") == "neptune_ml":
        config = {"version": "v2.0", "query_engine": "gremlin", "graph": [], **(ml or {})}
        found["training-data-configuration.json"] = json.dumps(config).encode()
    return found


def completion_file(job: Export) -> bytes:
    payload = dict(job.request.get("completionFilePayload") or {})
    payload["neptuneExport"] = {"outputS3Path": job.output, "exportedAt": int(time.time())}
    return json.dumps(payload, indent=2).encode()


def route(exports: Exports, method: str, parts: list[str], body: Any) -> Any:
    """``[v1/]neptune-export[/{jobId}]``: start, or one job's status."""
    rest = parts[parts.index(PATH) + 1 :]
    if method == "POST" and not rest:
        return exports.start(body)
    if method == "GET" and len(rest) == 1:
        return exports.status(rest[0])
    raise ServiceError(
        405, "MethodNotAllowedException", f"Method {method} is not allowed on /{'/'.join(parts)}"
    )


def is_export(parts: list[str]) -> bool:
    return parts[:1] == [PATH] or parts[:2] == ["v1", PATH]
