"""Observe (I/O only): read what the plan needs from Neptune (and S3 for custom-model preflight).

Every id is read at most once per run, concurrently on one pooled session; results are plain
data (``Live``). A read that fails for a reason other than "not found" stops the run: a plan
built on a guess would not be trustworthy.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from ..aws import list_keys
from ..core.adopt import name_of, next_probes
from ..core.desired import Desired
from ..core.identity import MAX_SUFFIX
from ..core.kinds import TRAINING, Kind, by_name
from ..core.ledger import Ledger
from ..core.live import JobView, Live
from ..core.refs import by_ledger
from ..core.settle import at_rest, last_completed, probe_ids, recorded_finals
from ..neptune import NeptuneClient, NotFoundError
from ..neptune.models import job_view

T = TypeVar("T")
LIST_MAX = 1024
REQUIRED_FILE = "model-hpo-configuration.json"


def _parallel(fn: Callable[[str], T], items: Iterable[str], workers: int) -> dict[str, T]:
    keys = sorted(set(items))
    if not keys:
        return {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(workers, len(keys)))) as pool:
        return dict(zip(keys, pool.map(fn, keys), strict=True))


def _roles(desired: Sequence[Desired], ledger: Ledger) -> dict[str, str]:
    """The neptuneIamRoleArn to pass when reading each job, from the spec it was made with."""
    roles: dict[str, str] = {}
    for name in ledger.names():
        for g in ledger.generations(name):
            if g["spec"].get("neptuneIamRoleArn"):
                roles[g["jobId"]] = g["spec"]["neptuneIamRoleArn"]
    for d in desired:
        if (
            d.spec.get("neptuneIamRoleArn")
            and d.kind is TRAINING
            and isinstance(d.spec.get("dataProcessingJobId"), str)
        ):
            roles[d.spec["dataProcessingJobId"]] = d.spec["neptuneIamRoleArn"]
    return roles


def referenced_processing(desired: Sequence[Desired]) -> set[str]:
    """Data-processing jobs named by a literal id (a ``{ref: NAME}`` is read as that manifest's job)."""
    ids = set()
    for d in desired:
        for field in ("dataProcessingJobId", "previousDataProcessingJobId"):
            if field in d.kind.catalogue and field not in d.refs and isinstance(d.spec.get(field), str):
                ids.add(str(d.spec[field]))
    return ids


def served_literals(desired: Sequence[Desired]) -> dict[str, Desired]:
    """Training jobs endpoints name by a literal id (and the endpoint naming each): read, so the
    gate can say one is not Completed."""
    return {
        str(d.spec["mlModelTrainingJobId"]): d
        for d in desired
        if d.kind.lifecycle == "service"
        and "mlModelTrainingJobId" not in d.refs
        and isinstance(d.spec.get("mlModelTrainingJobId"), str)
    }


def kinds_by_name(desired: Sequence[Desired], ledger: Ledger) -> dict[str, Kind]:
    """Each manifest's kind, from git or (for a manifest gone from git) the ledger."""
    kinds = {name: by_name(ledger.applied(name).get("kind")) for name in ledger.names()}
    kinds.update({d.name: d.kind for d in desired})
    return kinds


def resource_of(kinds: Mapping[str, Kind], ledger: Ledger | None = None) -> Callable[[str], str]:
    """The API resource an id lives on: that of the ledger entry that holds it (an imported id
    may carry no name), else that of the manifest whose name it carries."""
    held: dict[str, Kind] = {}
    if ledger is not None:
        for name in ledger.names():
            kind = kinds.get(name) or by_name(ledger.applied(name).get("kind"))
            for g in ledger.generations(name):
                held[g["jobId"]] = kind
            for p in ledger.pending(name):
                held[p["jobId"]] = kind

    def resource(job_id: str) -> str:
        kind = held.get(job_id) or kinds.get(name_of(job_id) or job_id) or kinds.get(job_id)
        return kind.resource if kind is not None else TRAINING.resource

    return resource


def read_job(
    client: NeptuneClient, job_id: str, role: str | None = None, resource: str = TRAINING.resource
) -> JobView | None:
    """One job's (or endpoint's) status, or ``None`` when it does not exist."""
    try:
        return job_view(client.get(resource, job_id, role))
    except NotFoundError:
        return None


def read_jobs(
    client: NeptuneClient,
    ids: Sequence[str],
    role: str | None = None,
    workers: int = 8,
    resource: str = TRAINING.resource,
) -> dict[str, JobView | None]:
    """Each id's status, read concurrently (``None`` where the job vanished since it was listed)."""
    return _parallel(lambda job: read_job(client, job, role, resource), ids, workers)


def _readers(
    client: NeptuneClient, roles: Mapping[str, str], resource: Callable[[str], str] | None = None
) -> tuple[Callable[[str], JobView | None], Callable[[str], str | None]]:
    """GET one manifest's job (on its kind's resource) / a data-processing job by id; ``None``
    when it does not exist."""
    where = resource or (lambda _: TRAINING.resource)

    def job(job_id: str) -> JobView | None:
        return read_job(client, job_id, roles.get(job_id), where(job_id))

    def processing(dp_id: str) -> str | None:
        try:
            return str(client.get_processing_job(dp_id, roles.get(dp_id)).get("status", "Unknown"))
        except NotFoundError:
            return None

    return job, processing


def ledger_ids(ledger: Ledger) -> set[str]:
    """Jobs the ledger needs checked: each current generation, the last Completed one, intents."""
    ids: set[str] = set()
    for name in ledger.names():
        gens = ledger.generations(name)
        if gens:
            ids.add(gens[-1]["jobId"])
        done = [g["jobId"] for g in gens if g.get("finalStatus") == "Completed"]
        if done:
            ids.add(done[-1])
        ids.update(p["jobId"] for p in ledger.pending(name))
    return ids


def observe(
    client: NeptuneClient,
    desired: Sequence[Desired],
    ledger: Ledger,
    *,
    parallelism: int = 16,
    preflight: Callable[[Desired], str | None] | None = None,
    list_jobs: bool = True,
    refresh_all: bool = False,
) -> Live:
    """Read what the plan needs. Jobs the ledger saw finished on this cluster are answered from it
    (they can't change) unless ``refresh_all``; everything that still can change is read."""
    roles = _roles(desired, ledger)
    job, processing = _readers(client, roles, resource_of(kinds_by_name(desired, ledger), ledger))
    recorded = {} if refresh_all else recorded_finals(ledger, client.endpoint)

    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        jobs_f = pool.submit(_parallel, job, ledger_ids(ledger) - recorded.keys(), parallelism)
        moving = [d for d in desired if not at_rest(d, ledger, recorded)]
        dps_f = pool.submit(_parallel, processing, referenced_processing(moving), parallelism)
        list_role = next((r for d in desired if (r := d.spec.get("neptuneIamRoleArn"))), None)
        listed_f = pool.submit(client.list_training_jobs, LIST_MAX, list_role) if list_jobs else None
        customs = [
            d for d in desired if preflight and d.kind is TRAINING and d.spec.get("modelName") == "custom"
        ]
        pre_f = pool.submit(lambda: {d.name: preflight(d) for d in customs} if preflight else {})
        jobs, dps = {**recorded, **jobs_f.result()}, dps_f.result()
        listed = tuple(listed_f.result()) if listed_f else ()
        problems = {k: v for k, v in pre_f.result().items() if v}
    first = Live(jobs=jobs, processing=dps, listed=listed)
    # Second pass: the ids a create would use, so an existing one is adopted, not duplicated
    # (references resolved as far as the ledger knows their targets).
    resolved = [r for d in desired if (r := by_ledger(d, ledger)) is not None]
    probes = probe_ids(resolved, ledger, first)
    for job_id, d in probes.items():
        if d.spec.get("neptuneIamRoleArn"):
            roles.setdefault(job_id, d.spec["neptuneIamRoleArn"])
    more = set(probes) | {g for name in ledger.names() if (g := last_completed(name, ledger, first))}
    for literal, d in served_literals(desired).items():
        more.add(literal)
        if d.spec.get("neptuneIamRoleArn"):
            roles.setdefault(literal, d.spec["neptuneIamRoleArn"])
    jobs.update(_parallel(job, more - set(jobs), parallelism))
    unknown = [d for d in resolved if not ledger.generations(d.name) and d.kind.lifecycle == "job"]
    _discover(job, unknown, jobs, dps, listed, roles, parallelism)
    return Live(
        jobs=jobs, processing=dps, listed=listed, preflight=problems, cluster=client.endpoint,
        recorded=frozenset(recorded),
    )  # fmt: skip


def _discover(
    job: Callable[[str], JobView | None],
    unknown: Sequence[Desired],
    jobs: dict[str, JobView | None],
    dps: Mapping[str, str | None],
    listed: tuple[str, ...],
    roles: dict[str, str],
    parallelism: int,
) -> None:
    """For manifests the ledger does not know: GET what they may have produced (incremental
    chains on top of their listed jobs, further -rN attempts of what was found), in rounds."""
    by_name = {d.name: d for d in unknown}
    for _ in range(MAX_SUFFIX):
        todo = next_probes(unknown, Live(jobs=jobs, processing=dps, listed=listed)) - set(jobs)
        if not todo:
            return
        for job_id in todo:
            d = by_name.get(name_of(job_id) or "")
            if d is not None and d.spec.get("neptuneIamRoleArn"):
                roles.setdefault(job_id, d.spec["neptuneIamRoleArn"])
        jobs.update(_parallel(job, todo, parallelism))


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


def read_ids(
    client: NeptuneClient,
    job_ids: Iterable[str],
    dp_ids: Iterable[str],
    parallelism: int = 16,
    roles: Mapping[str, str] | None = None,
    resource: Callable[[str], str] | None = None,
) -> Live:
    """Just these jobs and data-processing jobs (a saved plan's freshness check)."""
    job, processing = _readers(client, roles or {}, resource)
    return Live(
        jobs=_parallel(job, job_ids, parallelism), processing=_parallel(processing, dp_ids, parallelism)
    )
