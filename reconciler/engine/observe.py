"""Observe (I/O only): read what the plan needs from Neptune (and S3 for custom-model preflight).

What to read is ``core/reads.py``'s to say; every id is read at most once per run, concurrently
on one pooled session, on its kind's resource; results are plain data (``Live``). A read that fails for a reason other than "not found" stops the run: a plan
built on a guess would not be trustworthy.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from ..aws import list_keys
from ..core import reads
from ..core.desired import Desired
from ..core.identity import MAX_SUFFIX
from ..core.kinds import Kind
from ..core.ledger import Ledger
from ..core.live import JobView, Live
from ..core.quality import Metrics
from ..core.settle import recorded_finals, recorded_metrics
from ..neptune import NeptuneClient, NotFoundError
from ..neptune.models import job_view
from .metrics import Reader
from .workers import Background, each

T = TypeVar("T")
LIST_MAX = 1024
REQUIRED_FILE = "model-hpo-configuration.json"


def _parallel(fn: Callable[[str], T], items: Iterable[str], workers: int) -> dict[str, T]:
    """``fn`` of each item, ``workers`` at a time, on threads an exit does not wait for (a run that
    stops on an error elsewhere leaves its reads behind)."""
    keys = sorted(set(items))
    return dict(zip(keys, each(fn, keys, workers), strict=True)) if keys else {}


def read_job(client: NeptuneClient, job_id: str, role: str | None, resource: str) -> JobView | None:
    """One job's (or endpoint's) status, or ``None`` when it does not exist."""
    try:
        return job_view(client.get(resource, job_id, role))
    except NotFoundError:
        return None


def read_jobs(
    client: NeptuneClient, ids: Sequence[str], role: str | None, resource: str, workers: int = 8
) -> dict[str, JobView | None]:
    """Each id's status on one resource, read concurrently (``None`` where one vanished)."""
    return _parallel(lambda job: read_job(client, job, role, resource), ids, workers)


def read(
    client: NeptuneClient, wanted: Mapping[str, reads.Read], parallelism: int
) -> dict[str, JobView | None]:
    """Every wanted id, each on its kind's resource with its role, concurrently."""
    return _parallel(
        lambda job: read_job(client, job, wanted[job].role, wanted[job].kind.resource), wanted, parallelism
    )


def _listed(client: NeptuneClient, lists: Sequence[tuple[Kind, str | None]]) -> tuple[str, ...]:
    return tuple(job for kind, role in lists for job in client.list_ids(kind.resource, LIST_MAX, role))


class Ahead:
    """What the ledger alone says to read, read while the manifests load (the jobs it knows are
    most of a fleet's reads, and loading is most of a plan's CPU): ``answered`` are the jobs known
    without a read (recorded finished on this cluster, or seen finished by this process)."""

    def __init__(
        self, client: NeptuneClient, ledger: Ledger, parallelism: int, *, refresh_all: bool = False,
        seen: Mapping[str, JobView] | None = None,
    ) -> None:  # fmt: skip
        self.recorded = {} if refresh_all else recorded_finals(ledger, client.endpoint)
        fresh = {} if refresh_all else {j: v for j, v in (seen or {}).items() if v.terminal}
        self.answered = {**fresh, **self.recorded}
        client.learn(reads.handles(ledger))
        self.wanted = reads.ledger_reads(ledger, self.answered)
        self._reading = Background(lambda: read(client, self.wanted, parallelism))

    def result(self) -> dict[str, JobView | None]:
        return self._reading.result()


def observe(
    client: NeptuneClient,
    desired: Sequence[Desired],
    ledger: Ledger,
    *,
    parallelism: int = 16,
    preflight: Callable[[Desired], str | None] | None = None,
    list_jobs: bool = True,
    refresh_all: bool = False,
    metrics: Reader | None = None,
    ahead: Ahead | None = None,
) -> Live:
    """Read what ``core/reads.py`` says the plan needs, round by round. Jobs the ledger saw
    finished on this cluster are answered from it (they can't change) unless ``refresh_all``.
    ``ahead``: the ledger's part, already being read (started with the same ledger and options,
    and what this process saw finish since the ledger last recorded)."""
    ahead = ahead or Ahead(client, ledger, parallelism, refresh_all=refresh_all)
    client.learn(reads.handles(ledger, desired))  # jobs whose ids are another service's (exports)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        lists = reads.listings(desired, ledger) if list_jobs else ()
        listed_f = pool.submit(_listed, client, lists)
        customs = [d for d in desired if preflight and d.kind.preflight(d.spec)]
        pre_f = pool.submit(lambda: {d.name: preflight(d) for d in customs} if preflight else {})
        # The ledger's jobs first, then what the manifests name: --parallelism calls at a time.
        jobs = {**ahead.answered, **ahead.result()}
        rest = {
            j: r
            for j, r in reads.input_reads(desired, ledger, ahead.answered).items()
            if j not in ahead.wanted
        }
        jobs.update(read(client, rest, parallelism))
        listed = listed_f.result()
        problems = {k: v for k, v in pre_f.result().items() if v}
    jobs.update(read(client, reads.second(desired, ledger, Live(jobs=jobs, listed=listed)), parallelism))
    for _ in range(MAX_SUFFIX):
        todo = reads.discovery(desired, ledger, Live(jobs=jobs, listed=listed))
        if not todo:
            break
        jobs.update(read(client, todo, parallelism))
    known = recorded_metrics(ledger)
    if metrics is not None:
        known.update(
            _metrics(client, metrics, desired, ledger, Live(jobs=jobs, listed=listed, metrics=known), jobs)
        )
    return Live(
        jobs=jobs, listed=listed, preflight=problems, cluster=client.endpoint, recorded=frozenset(ahead.recorded),
        metrics=known,
    )  # fmt: skip


def _metrics(
    client: NeptuneClient, reader: Reader, desired: Sequence[Desired], ledger: Ledger, live: Live,
    jobs: dict[str, JobView | None],
) -> dict[str, Metrics]:  # fmt: skip
    """The metrics a promotion gate needs and the ledger lacks: the output location from each
    job's answer (read again when the ledger's record of it predates locations), then S3."""
    wanted = reads.metric_jobs(desired, ledger, live)
    stale = {j: r for j, r in wanted.items() if (v := jobs.get(j)) is None or v.output is None}
    jobs.update(read(client, stale, 8))
    files = {
        job: f"{view.output.rstrip('/')}/{wanted[job].kind.metrics_file}"
        for job in wanted
        if (view := jobs.get(job)) is not None and view.output and view.status == "Completed"
    }
    return reader(files) if files else {}


def s3_preflight(s3: Any) -> Callable[[Desired], str | None]:
    """Checks that a custom model's source folder holds its scripts and HPO configuration."""

    def check(d: Desired) -> str | None:
        from botocore.exceptions import BotoCoreError, ClientError

        params = d.spec.get("customModelTrainingParameters") or {}
        source = str(params.get("sourceS3DirectoryPath", ""))
        bucket, _, prefix = source.removeprefix("s3://").partition("/")
        prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        # The effective spec carries the schema's default entry-point names.
        need = [params["trainingEntryPointScript"], params["transformEntryPointScript"], REQUIRED_FILE]
        try:
            keys = {k[len(prefix) :] for k in list_keys(s3, bucket, prefix)}
        except (ClientError, BotoCoreError) as e:
            return f"custom-model preflight: cannot list {source}: {e} (--no-s3-preflight skips this check)"
        missing = [n for n in need if n not in keys]
        if missing:
            return f"custom-model preflight: {source} lacks {', '.join(missing)}"
        return None

    return check


def read_saved(
    client: NeptuneClient, wanted: Mapping[str, reads.Read], ledger: Ledger, parallelism: int = 16
) -> Live:
    """Just these ids (a saved plan's freshness check)."""
    client.learn(reads.handles(ledger))
    return Live(jobs=read(client, wanted, parallelism))
