"""Response models: Neptune ML answers turned into the core's plain records."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.live import JobView

SUB_JOBS = (
    ("processingJob", "processing"),
    ("hpoJob", "hpo"),
    ("modelTransformJob", "transform"),
    ("endpoint", "endpoint"),
)


def job_view(doc: Mapping[str, Any]) -> JobView:
    """A ``GET /ml/{modeltraining,dataprocessing,endpoints}/{id}`` answer as a JobView (an export's
    answer, from its client, has its output and failure at the top level)."""
    reason, url = failure_of(doc)
    if doc.get("failureReason"):
        reason, url = str(doc["failureReason"]), doc.get("logs")
    return JobView(
        id=str(doc.get("id", "")),
        status=str(doc.get("status", "Unknown")),
        failure_reason=reason,
        log_url=url,
        models=len(doc.get("mlModels") or []),
        hpo_status=(doc.get("hpoJob") or {}).get("status"),
        output=(doc.get("processingJob") or {}).get("outputLocation") or doc.get("outputS3Uri"),
    )


def failure_of(doc: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The failure reason and CloudWatch log URL of a job, from whichever sub-job failed."""
    for key, _ in SUB_JOBS:
        sub = doc.get(key) or {}
        if sub.get("failureReason") or sub.get("status") == "Failed":
            return sub.get("failureReason"), sub.get("cloudwatchLogUrl")
    return None, None
