"""Progress while ``apply --wait`` polls: bars on a terminal, else a line per change or HPO step."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TextIO

from ..core.live import TERMINAL, JobView
from ..engine.wait import Display, Watched
from .style import clean


class LineDisplay:
    """One line each time a job's status changes, and each time it finishes an HPO step (CI logs)."""

    def __init__(self, out: TextIO, hpo: Mapping[str, int] | None = None) -> None:
        self.out, self.hpo = out, dict(hpo or {})
        self.last: dict[str, tuple[str, int]] = {}

    def update(self, name: str, job: str, status: str, view: JobView | None, elapsed: str) -> None:
        models = view.models if view else 0
        before = self.last.get(job)
        if before is None or before[0] != status:
            shown = f", {models} models" if models else ""
            self.out.write(clean(f"{name}: {job} {status} after {elapsed}{shown}") + "\n")
        elif before[1] != models and status not in TERMINAL:
            total = self.hpo.get(job)
            self.out.write(
                clean(f"{name}: {job} HPO {models}{f'/{total}' if total else ''} after {elapsed}") + "\n"
            )
        self.out.flush()
        self.last[job] = (status, models)

    def stop(self) -> None:
        return None


class RichDisplay:
    """A bar per job (HPO models done of the manifest's budget, status, elapsed) and one overall."""

    def __init__(self, jobs: Sequence[Watched], out: TextIO, hpo: Mapping[str, int] | None = None) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.hpo = dict(hpo or {})
        # Only training jobs train models: an endpoint or a data-processing job shows no HPO count.
        self.tuned = {w.job for w in jobs if w.kind.budget_field}
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(bar_width=20),
            TextColumn("{task.fields[hpo]}"),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=Console(file=out),
            transient=False,
        )
        self.overall = self.progress.add_task(
            "all jobs", total=len(jobs), hpo=f"0/{len(jobs)} ended", status=""
        )
        self.tasks = {
            job: self.progress.add_task(
                f"{name}: {job}", total=self.hpo.get(job), hpo=self._hpo(job, 0), status="…"
            )
            for name, job, *_ in jobs
        }
        self.done: set[str] = set()
        self.progress.start()

    def update(self, name: str, job: str, status: str, view: JobView | None, elapsed: str) -> None:
        models = view.models if view else 0
        finished = status in TERMINAL or status == "Missing"
        budget = self.hpo.get(job)
        if budget:  # models done of the budget; a job that ends short keeps a short bar
            total: int | None = max(budget, models)
            completed = models
        else:  # no budget known: a pulsing bar while it runs, full once it ends
            total = max(models, 1) if finished else None
            completed = total if finished and total else models
        self.progress.update(
            self.tasks[job],
            status=clean(status).replace("[", "\\["),
            hpo=self._hpo(job, models),
            total=total,
            completed=completed,
        )
        if finished and job not in self.done:
            self.done.add(job)
            self.progress.update(
                self.overall, completed=len(self.done), hpo=f"{len(self.done)}/{len(self.tasks)} ended"
            )

    def _hpo(self, job: str, models: int) -> str:
        if job not in self.tuned:
            return ""
        budget = self.hpo.get(job)
        return f"HPO {models}/{budget}" if budget else f"HPO {models}"

    def stop(self) -> None:
        self.progress.stop()


def display_for(
    jobs: Sequence[Watched], out: TextIO, *, tty: bool, hpo: Mapping[str, int] | None = None
) -> Display:
    """A bar per job on a terminal, plain lines elsewhere; ``hpo`` is each job's HPO budget."""
    return RichDisplay(jobs, out, hpo) if tty else LineDisplay(out, hpo)
