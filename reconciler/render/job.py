"""``jobs get`` text: the job, its three sub-jobs and any failure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..core.adopt import name_of
from ..core.live import JobView
from ..neptune.models import SUB_JOBS, failure_of
from .style import clean


def render_job(doc: dict[str, Any]) -> str:
    """``jobs get`` text: the job (or endpoint), its sub-jobs and any failure."""
    rows = [("id", doc.get("id", "?")), ("status", doc.get("status", "?"))]
    training = "mlModels" in doc or "hpoJob" in doc
    for key, label in SUB_JOBS:
        sub = doc.get(key)
        if sub or (training and key != "endpoint"):
            rows.append((label, f"{sub.get('status', '?')} {sub.get('name', '')}".strip() if sub else "-"))
    if training:
        rows.append(("models", str(len(doc.get("mlModels") or []))))
    reason, url = failure_of(doc)
    if reason:
        rows.append(("failure", reason))
    if url:
        rows.append(("logs", url))
    return "".join(f"{k + ':':<12}{clean(v)}\n" for k, v in rows)


def job_rows(ids: Sequence[str], views: Mapping[str, JobView | None]) -> list[dict[str, Any]]:
    """``jobs list`` rows, in the service's order: each id, its status and HPO status, its model
    count, and the manifest name it carries (None for a job the reconciler did not create)."""
    rows = []
    for job in ids:
        view = views.get(job)
        rows.append(
            {
                "id": job,
                "status": view.status if view else "NotFound",
                "hpoStatus": view.hpo_status if view else None,
                "models": view.models if view else 0,
                "manifest": name_of(job),
                "failureReason": view.failure_reason if view else None,
            }
        )
    return rows


def render_job_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """``jobs list`` text: one aligned row per job; a failed job's reason on the line below."""
    if not rows:
        return "no active model-training jobs (the service lists running ones; `jobs get ID` reads any)\n"
    header = ("ID", "STATUS", "HPO", "MODELS", "MANIFEST")
    table = [
        (
            clean(r["id"]),
            clean(r["status"]),
            clean(r["hpoStatus"] or "-"),
            str(r["models"]),
            clean(r["manifest"] or "-"),
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in [header, *table]) for i in range(len(header))]
    lines = []
    for row, r in zip([header, *table], [None, *rows], strict=True):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if r and r["failureReason"]:
            lines.append(f"  failed: {clean(r['failureReason'])}")
    return "".join(f"{line}\n" for line in lines)
