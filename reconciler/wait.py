"""``apply --wait``: poll the jobs an apply started until Completed, Failed or Stopped."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TextIO

from .errors import ApiError, ReconcilerError
from .live import TERMINAL, JobView
from .neptune import NeptuneClient
from .observe import read_job


def _fmt(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    return f"{m}m{s:02d}s" if m else f"{s}s"


def wait_for(
    client: NeptuneClient,
    jobs: Sequence[tuple[str, str, str | None]],
    out: TextIO,
    *,
    timeout: float,
    interval: float = 5.0,
    tty: bool = False,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, JobView | None]:
    """Poll ``(name, job_id, role)`` until every job is terminal; raise on timeout."""
    start = clock()
    views: dict[str, JobView | None] = {}
    last: dict[str, str] = {}
    pending = {job: (name, role) for name, job, role in jobs}
    progress = _Progress(jobs, out) if tty else None
    try:
        while pending:
            for job, (name, role) in list(pending.items()):
                try:
                    view = read_job(client, job, role)
                except ApiError:
                    continue  # transient trouble reading status: try again next round
                views[job] = view
                status = view.status if view else "Missing"
                elapsed = _fmt(clock() - start)
                if progress:
                    progress.update(job, status, view, elapsed)
                elif last.get(job) != status:
                    models = f", {view.models} models" if view and view.models else ""
                    out.write(f"{name}: {job} {status} after {elapsed}{models}\n")
                    out.flush()
                last[job] = status
                if status in TERMINAL or status == "Missing":
                    del pending[job]
            if not pending:
                break
            if clock() - start > timeout:
                names = ", ".join(sorted(pending))
                raise ReconcilerError(
                    f"timed out after {_fmt(timeout)} waiting for {names}",
                    "the jobs keep running; check them later with `reconciler status`",
                )
            sleep(interval)
    finally:
        if progress:
            progress.stop()
    return views


class _Progress:
    """One rich progress line per job: status, HPO models so far, elapsed time."""

    def __init__(self, jobs: Sequence[tuple[str, str, str | None]], out: TextIO) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=Console(file=out),
            transient=False,
        )
        self.tasks = {
            job: self.progress.add_task(f"{name}: {job}", total=None, status="…") for name, job, _ in jobs
        }
        self.progress.start()

    def update(self, job: str, status: str, view: JobView | None, elapsed: str) -> None:
        models = f" · {view.models} models" if view and view.models else ""
        done = status in TERMINAL or status == "Missing"
        self.progress.update(
            self.tasks[job], status=f"{status}{models}", total=1 if done else None, completed=1 if done else 0
        )

    def stop(self) -> None:
        self.progress.stop()
