"""Where the emulator writes model artifacts: a local folder or an S3 endpoint.

A job writes a processing marker when it starts and its model when it completes;
a clean stop deletes everything under ``<trainModelS3Location>/<job id>/``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any


def _split(location: str, job_id: str) -> tuple[str, str]:
    bucket, key = _folder(location)
    return bucket, f"{key}{job_id}/"


def _files(job_id: str, stage: str, metrics: dict[str, Any] | None = None) -> dict[str, bytes]:
    if stage == "start":
        return {"processing/params.json": json.dumps({"job": job_id}).encode()}
    files = {
        "model/model.tar.gz": b"emulated model " + job_id.encode(),
        "hpo/summary.json": json.dumps({"job": job_id, "best": f"{job_id}-hpo-001"}).encode(),
    }
    if metrics is not None:  # under processingJob.outputLocation, where graph-notebook looks
        files["processing/eval_metrics_info.json"] = json.dumps(metrics).encode()
    return files


class LocalArtifacts:
    """Artifacts under ``root/<bucket>/<prefix>/<job id>/``."""

    def __init__(self, root: str) -> None:
        self.root = Path(root)

    def __call__(self, location: str, job_id: str, stage: str, metrics: dict[str, Any] | None = None) -> None:
        bucket, key = _split(location, job_id)
        base = self.root / bucket / key
        if stage == "clean":
            shutil.rmtree(base, ignore_errors=True)
            return
        for name, body in _files(job_id, stage, metrics).items():
            path = base / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)

    def put(self, location: str, files: dict[str, bytes]) -> None:
        """Files under an S3 folder (an export's output, its completion file)."""
        bucket, key = _folder(location)
        for name, body in files.items():
            path = self.root / bucket / key / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)


def _folder(location: str) -> tuple[str, str]:
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    return bucket, f"{prefix.strip('/')}/" if prefix.strip("/") else ""


class S3Artifacts:
    """Artifacts in an S3 endpoint (such as moto's server), buckets created on demand."""

    def __init__(self, endpoint: str, region: str) -> None:
        import botocore.session

        session = botocore.session.get_session()
        self.client: Any = session.create_client("s3", endpoint_url=endpoint, region_name=region)
        self.region = region

    def __call__(self, location: str, job_id: str, stage: str, metrics: dict[str, Any] | None = None) -> None:
        bucket, key = _split(location, job_id)
        if stage == "clean":
            listed = self.client.list_objects_v2(Bucket=bucket, Prefix=key)
            keys = [{"Key": o["Key"]} for o in listed.get("Contents", [])]
            if keys:
                self.client.delete_objects(Bucket=bucket, Delete={"Objects": keys})
            return
        self._put(bucket, key, _files(job_id, stage, metrics))

    def put(self, location: str, files: dict[str, bytes]) -> None:
        """Files under an S3 folder (an export's output, its completion file)."""
        self._put(*_folder(location), files)

    def _put(self, bucket: str, key: str, files: dict[str, bytes]) -> None:
        for name, body in files.items():
            try:
                self.client.put_object(Bucket=bucket, Key=key + name, Body=body)
            except self.client.exceptions.NoSuchBucket:
                self._create_bucket(bucket)
                self.client.put_object(Bucket=bucket, Key=key + name, Body=body)

    def _create_bucket(self, bucket: str) -> None:
        try:
            if self.region == "us-east-1":
                self.client.create_bucket(Bucket=bucket)
            else:
                self.client.create_bucket(
                    Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": self.region}
                )
        except self.client.exceptions.BucketAlreadyOwnedByYou:
            pass
