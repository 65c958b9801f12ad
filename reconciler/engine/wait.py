"""``apply --wait``: poll the jobs an apply started until Completed, Failed or Stopped."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import NamedTuple, Protocol

from ..core.kinds import Kind
from ..core.live import JobView
from ..errors import ReconcilerError
from ..neptune import ApiError, NeptuneClient
from .observe import read_job
from .workers import each


class WaitTimeout(ReconcilerError):
    """The jobs did not settle within the time given (they keep running)."""


class Watched(NamedTuple):
    """A job (or endpoint) an apply started: its manifest, id, role for the status call, kind."""

    name: str
    job: str
    role: str | None
    kind: Kind

    def settled(self, status: str) -> bool:
        """Whether waiting is over: a job ended, an endpoint is serving (or failed), or it is gone."""
        return status in self.kind.settled or status == "Missing"


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
    workers: int = 16,
    wake: frozenset[str] = frozenset(),
) -> dict[str, JobView | None]:
    """Poll each watched job until it settles (``Watched.settled``); raise on timeout. Each
    round reads the pending jobs concurrently (``workers`` at a time), then shows them in order;
    a round starts ``interval`` after the last one started (at once when reading took longer).
    ``wake``: manifests whose job settling ends the wait there (the others may still run)."""
    start = clock()
    views: dict[str, JobView | None] = {}
    pending = {w.job: w for w in jobs}

    def read(w: Watched) -> tuple[bool, JobView | None]:
        try:
            return True, read_job(client, w.job, w.role, w.kind.resource)
        except ApiError:
            return False, None  # transient trouble reading status: try again next round

    try:
        woken = False
        while pending:
            began = clock()
            answers = each(read, list(pending.values()), workers)
            for (job, w), (ok, view) in zip(list(pending.items()), answers, strict=True):
                if not ok:
                    continue
                views[job] = view
                status = view.status if view else "Missing"
                display.update(w.name, job, status, view, fmt_duration(clock() - start))
                if w.settled(status):
                    del pending[job]
                    woken = woken or w.name in wake
            if not pending or woken:
                break
            if clock() - start > timeout:
                raise WaitTimeout(
                    f"timed out after {fmt_duration(timeout)} waiting for {', '.join(sorted(pending))}",
                    "the jobs keep running; check them later with `reconciler status`",
                )
            sleep(max(0.0, interval - (clock() - began)))  # each job is read every interval
    finally:
        display.stop()
    return views
