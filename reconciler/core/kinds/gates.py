"""The gate every kind shares: the jobs a spec names (by a literal id) must be Completed first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..live import Live
from .base import Gate

RUNNING = ("InProgress", "Stopping")


def inputs_completed(nouns: Mapping[str, str], what: str) -> Gate:
    """A gate over these id fields (field -> the noun of the job it names): wait while one runs,
    blocked while one is missing or did not complete. ``what`` is what needs them ("a training job").
    An id nobody read (a manifest at rest needs none) is the service's to judge."""

    def gate(name: str, spec: Mapping[str, Any], live: Live) -> tuple[str, str] | None:
        if name in live.preflight:
            return "blocked", live.preflight[name]
        for field, noun in nouns.items():
            job = spec.get(field)
            if not isinstance(job, str) or not job:
                continue
            status = live.status(job)
            if status == "Missing":
                return "blocked", f"{noun} {job} not found; create it or fix {field}"
            if status in RUNNING:
                return "wait", f"{noun} {job} is {status}"
            if status not in (None, "Completed"):
                return "blocked", f"{noun} {job} is {status}; {what} needs it Completed"
        return None

    return gate
