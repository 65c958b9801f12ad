"""What the cluster said (pure data): the status of every job and endpoint observe read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

TERMINAL = ("Completed", "Failed", "Stopped")
# A job a stopped run may have started on a service that picks its ids (an export): not found,
# but not known to be absent either (its completion file settles it once it finishes).
UNCONFIRMED = "Unconfirmed"


@dataclass(frozen=True)
class JobView:
    """One job as its status call described it (``neptune.models`` builds it from an answer)."""

    id: str
    status: str
    failure_reason: str | None = None
    log_url: str | None = None
    models: int = 0
    hpo_status: str | None = None
    output: str | None = None  # where its processing job wrote (its metrics file lies under it)

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL


@dataclass(frozen=True)
class Live:
    """Everything observe read, of every kind. ``jobs[id] is None``: looked up and not found; an id
    not in ``jobs`` was not looked up (``status`` says ``"Missing"`` and ``None``)."""

    jobs: Mapping[str, JobView | None] = field(default_factory=dict)
    listed: tuple[str, ...] = ()
    preflight: Mapping[str, str] = field(default_factory=dict)
    cluster: str = ""  # the endpoint these answers came from
    # Jobs answered from the ledger (finished on this cluster, so they can't change), not read.
    recorded: frozenset[str] = frozenset()
    # Finished jobs' evaluation metrics (the file's JSON, or why there is none): from the ledger,
    # or read from S3 once and then recorded there.
    metrics: Mapping[str, Mapping[str, Any] | str] = field(default_factory=dict)

    def status(self, job_id: str | None) -> str | None:
        """``None`` when not looked up, ``"Missing"`` when looked up and absent."""
        if job_id is None or job_id not in self.jobs:
            return None
        view = self.jobs[job_id]
        return view.status if view is not None else "Missing"

    def exists(self, job_id: str) -> bool:
        return self.jobs.get(job_id) is not None or job_id in self.listed

    def fingerprints(self) -> dict[str, str]:
        """What every read said, for refusing a saved plan when something moved."""
        return {f"job/{k}": (v.status if v else "Missing") for k, v in sorted(self.jobs.items())}
