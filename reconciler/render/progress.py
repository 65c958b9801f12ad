"""Progress while ``apply --wait`` polls: a rich line per job on a terminal, else a line per change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from ..core.live import TERMINAL, JobView
from ..engine.wait import Display, Watched
from .style import clean


class LineDisplay:
    """One line each time a job's status changes (CI logs)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.last: dict[str, str] = {}

    def update(self, name: str, job: str, status: str, view: JobView | None, elapsed: str) -> None:
        if self.last.get(job) != status:
            models = f", {view.models} models" if view and view.models else ""
            self.out.write(clean(f"{name}: {job} {status} after {elapsed}{models}") + "\n")
            self.out.flush()
        self.last[job] = status

    def stop(self) -> None:
        return None


class RichDisplay:
    """One rich progress line per job: status, HPO models so far, elapsed time."""

    def __init__(self, jobs: Sequence[Watched], out: TextIO) -> None:
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

    def update(self, name: str, job: str, status: str, view: JobView | None, elapsed: str) -> None:
        models = f" · {view.models} models" if view and view.models else ""
        done = status in TERMINAL or status == "Missing"
        self.progress.update(
            self.tasks[job],
            status=clean(f"{status}{models}").replace("[", "\\["),
            total=1 if done else None,
            completed=1 if done else 0,
        )

    def stop(self) -> None:
        self.progress.stop()


def display_for(jobs: Sequence[Watched], out: TextIO, *, tty: bool) -> Display:
    return RichDisplay(jobs, out) if tty else LineDisplay(out)
