"""``apply --wait``: poll the jobs an apply started until Completed, Failed or Stopped."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Protocol

from ..core.live import TERMINAL, JobView
from ..errors import ReconcilerError
from ..neptune import ApiError, NeptuneClient
from .observe import read_job

Watched = tuple[str, str, "str | None"]  # (manifest name, job id, role for the status call)


class Display(Protocol):
    """Where progress goes (``render.progress`` has a terminal one and a line-per-change one)."""

    def update(self, name: str, job: str, status: str, view: JobView | None, elapsed: str) -> None: ...
    def stop(self) -> None: ...


def fmt_duration(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    return f"{m}m{s:02d}s" if m else f"{s}s"


def wait_for(
    client: NeptuneClient,
    jobs: Sequence[Watched],
    display: Display,
    *,
    timeout: float,
    interval: float = 5.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, JobView | None]:
    """Poll ``(name, job_id, role)`` until every job is terminal; raise on timeout."""
    start = clock()
    views: dict[str, JobView | None] = {}
    pending = {job: (name, role) for name, job, role in jobs}
    try:
        while pending:
            for job, (name, role) in list(pending.items()):
                try:
                    view = read_job(client, job, role)
                except ApiError:
                    continue  # transient trouble reading status: try again next round
                views[job] = view
                status = view.status if view else "Missing"
                display.update(name, job, status, view, fmt_duration(clock() - start))
                if status in TERMINAL or status == "Missing":
                    del pending[job]
            if not pending:
                break
            if clock() - start > timeout:
                raise ReconcilerError(
                    f"timed out after {fmt_duration(timeout)} waiting for {', '.join(sorted(pending))}",
                    "the jobs keep running; check them later with `reconciler status`",
                )
            sleep(interval)
    finally:
        display.stop()
    return views
