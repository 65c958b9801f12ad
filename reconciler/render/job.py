"""``jobs get`` text: the job, its three sub-jobs and any failure."""

from __future__ import annotations

from typing import Any

from ..neptune.models import SUB_JOBS, failure_of
from .style import clean


def render_job(doc: dict[str, Any]) -> str:
    """``jobs get`` text: the job, its three sub-jobs and any failure."""
    rows = [("id", doc.get("id", "?")), ("status", doc.get("status", "?"))]
    for key, label in SUB_JOBS:
        sub = doc.get(key)
        rows.append((label, f"{sub.get('status', '?')} {sub.get('name', '')}".strip() if sub else "-"))
    rows.append(("models", str(len(doc.get("mlModels") or []))))
    reason, url = failure_of(doc)
    if reason:
        rows.append(("failure", reason))
    if url:
        rows.append(("logs", url))
    return "".join(f"{k + ':':<12}{clean(v)}\n" for k, v in rows)
