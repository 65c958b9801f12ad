"""Finding a manifest's jobs on the cluster when the ledger does not know them (pure).

Ids are deterministic, so the jobs a manifest can have produced are recognisable: its name,
ten hex digits, maybe ``-rN``. Of those the cluster showed (the list call and the GETs observe
made), the ones that train the *desired* spec are ``job_id(spec)`` and ``job_id(spec, P)`` for
any of its jobs ``P`` (an incremental chain), with their retry suffixes. The newest attempt of
the newest such base is adopted; a job of the manifest that runs but trains something else
holds every new start back until it ends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .desired import Desired
from .identity import attempt_of, base_of
from .live import Live

_ID = re.compile(r"^(?P<name>.+)-[0-9a-f]{10}(?:-r[2-9])?$")
ACTIVE = ("InProgress", "Stopping")
Index = Mapping[str, Sequence[str]]


def name_of(job: str) -> str | None:
    """The manifest name a job id carries, or None for an id the reconciler did not make."""
    m = _ID.match(job)
    return m.group("name") if m else None


def index(live: Live) -> dict[str, list[str]]:
    """Every job id the cluster showed (listed, or found by a GET), by the manifest name it
    carries. Built once per plan: looking a manifest up is then O(its own jobs)."""
    found: dict[str, set[str]] = {}
    ids = set(live.listed) | {j for j, view in live.jobs.items() if view is not None}
    for job in ids:
        name = name_of(job)
        if name is not None:
            found.setdefault(name, set()).add(job)
    return {name: sorted(jobs) for name, jobs in found.items()}


@dataclass(frozen=True)
class Found:
    """A job of the desired spec already on the cluster, and the job it was trained on top of."""

    job_id: str
    previous: str | None


def bases(d: Desired, known: Iterable[str]) -> dict[str, str | None]:
    """Base ids that train ``d``'s spec: from scratch, or on top of each known job."""
    found: dict[str, str | None] = {d.job_id(None): None}
    for previous in known:
        found.setdefault(d.job_id(previous), previous)
    return found


def desired_job(d: Desired, owned: Index) -> Found | None:
    """The newest attempt on the cluster of a job that trains ``d``'s spec, if any."""
    known = owned.get(d.name, ())
    candidates = bases(d, known)
    matches = [j for j in known if base_of(j) in candidates]
    if not matches:
        return None
    newest = max(matches, key=lambda j: (attempt_of(j), candidates[base_of(j)] is not None, j))
    return Found(newest, candidates[base_of(newest)])


def earlier(d: Desired, owned: Index, current: str | None) -> tuple[str, ...]:
    """Every other job of the manifest the cluster showed, to record before ``current`` so the
    ledger knows all of them: jobs of other specs first, then older attempts of the current one."""
    known = [j for j in owned.get(d.name, ()) if j != current]
    base = base_of(current) if current else None
    same = sorted((j for j in known if base_of(j) == base), key=attempt_of)
    return tuple(sorted(j for j in known if base_of(j) != base)) + tuple(same)


def running_stranger(d: Desired, owned: Index, live: Live) -> str | None:
    """A job of this manifest that runs (or is listed, so active, and was not read) but does not
    train the desired spec."""
    known = owned.get(d.name, ())
    candidates = bases(d, known)
    for job in known:
        if base_of(job) in candidates:
            continue
        status = live.status(job)
        if status in ACTIVE or (status is None and job in live.listed):
            return job
    return None


def next_probes(desired: Iterable[Desired], live: Live) -> set[str]:
    """Ids worth a GET to find a manifest's jobs: every job of the manifest listed but not read
    yet (its status decides whether it holds new starts back), each desired base on top of every
    job of the manifest seen so far, and the next attempt after each one found."""
    owned = index(live)
    probes: set[str] = set()
    for d in desired:
        known = owned.get(d.name, ())
        candidates = bases(d, known)
        probes |= set(candidates) | set(known)
        for job in known:
            if base_of(job) in candidates:
                n = attempt_of(job) + 1
                if n <= 9:
                    probes.add(f"{base_of(job)}-r{n}")
    return {p for p in probes if p not in live.jobs}
