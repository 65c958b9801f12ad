"""Evaluation metrics (I/O): a finished job's ``eval_metrics_info.json`` read from S3, where its
GET says its processing output is (as graph-notebook's ``get_performance_metrics`` finds it).

Read once per job: the answer (the JSON, or why there is none) is recorded in the ledger with
the job's final status, so a steady plan reads S3 no more.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from ..core.quality import Metrics
from ..errors import ReconcilerError

MAX_BYTES = 64 * 1024  # a metrics file is a small dict; anything larger is not recorded
Reader = Callable[[Mapping[str, str]], dict[str, Metrics]]


def s3_metrics(s3: Any) -> Reader:
    """Reads each job's metrics file (job -> ``s3://bucket/key``)."""

    def read(files: Mapping[str, str]) -> dict[str, Metrics]:
        return {job: _one(s3, uri) for job, uri in sorted(files.items())}

    return read


def _one(s3: Any, uri: str) -> Metrics:
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, _, key = uri.removeprefix("s3://").partition("/")
    try:
        body = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{MAX_BYTES}")["Body"].read()
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return f"no metrics file at {uri}"
        raise ReconcilerError(
            f"cannot read metrics {uri}: {e.response.get('Error', {}).get('Code', 'error')}",
            "the role needs s3:GetObject on the training output (or drop the promotion gate)",
        ) from None
    except BotoCoreError as e:
        raise ReconcilerError(f"cannot read metrics {uri}: {e}") from None
    if len(body) > MAX_BYTES:
        return f"{uri} is over {MAX_BYTES // 1024} KiB: not a metrics file"
    try:
        doc = json.loads(body)
    except ValueError:
        return f"{uri} is not JSON"
    return doc if isinstance(doc, dict) else f"{uri} is not a JSON object"
