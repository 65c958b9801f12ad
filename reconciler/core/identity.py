"""Identity (pure): the deterministic id of a job and the hash of what shapes its model.

Job id = ``{name}-{10 hex of sha256(new-job fields + previous job id)}``, so a ``next-job``
change keeps the id, and a create after a crash can be checked with one GET.
Retries and recreates of the same spec take ``-r2`` … ``-r9``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .kinds import Kind

MAX_SUFFIX = 9
_SUFFIX = re.compile(r"^(?P<base>.+)-r(?P<n>[2-9])$")


def canonical(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(value: Any) -> str:
    return hashlib.sha256(canonical(value).encode("utf-8")).hexdigest()


def new_job_fields(spec: Mapping[str, Any], kind: Kind) -> dict[str, Any]:
    return {k: spec[k] for k in kind.new_job_fields if k in spec}


def spec_hash(spec: Mapping[str, Any], kind: Kind) -> str:
    """Hash of everything that shapes the model: new-job fields and the previous job."""
    shaping = new_job_fields(spec, kind)
    if spec.get(kind.previous_field):
        shaping[kind.previous_field] = spec[kind.previous_field]
    return digest(shaping)


def job_id(name: str, spec: Mapping[str, Any], previous: str | None, kind: Kind) -> str:
    """The base id of the job that trains ``spec`` (on top of ``previous`` when incremental)."""
    body = dict(spec)
    body.pop(kind.previous_field, None)
    if previous:
        body[kind.previous_field] = previous
    return f"{name}-{spec_hash(body, kind)[:10]}"


def refreshed_id(name: str, spec: Mapping[str, Any], kind: Kind, period: int) -> str:
    """The id of a scheduled refresh of ``spec`` (the same request, run again): one per period of
    ``policy.refreshEverySeconds``, so every plan of a period names the same job."""
    return f"{name}-{digest([spec_hash(spec, kind), period])[:10]}"


def base_of(job: str) -> str:
    """The id without its ``-rN`` suffix."""
    m = _SUFFIX.match(job)
    return m.group("base") if m else job


def attempt_of(job: str) -> int:
    m = _SUFFIX.match(job)
    return int(m.group("n")) if m else 1


class Taken:
    """Ids in use, indexed by base id once, so finding the next free attempt is O(1) per
    manifest instead of a scan of every id (quadratic over a fleet whose jobs all vanished)."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.ids = frozenset(ids)
        self.highest: dict[str, int] = {}
        for job in self.ids:
            base = base_of(job)
            self.highest[base] = max(self.highest.get(base, 0), attempt_of(job))

    def __contains__(self, job: object) -> bool:
        return job in self.ids

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)


def next_free(base: str, taken: Iterable[str]) -> str | None:
    """The first of ``base``, ``base-r2`` … ``base-r9`` after every attempt already taken."""
    index = taken if isinstance(taken, Taken) else Taken(taken)
    n = index.highest.get(base, 0) + 1
    if n > MAX_SUFFIX:
        return None
    return base if n == 1 else f"{base}-r{n}"


def create_body(spec: Mapping[str, Any], job: str, previous: str | None, kind: Kind) -> dict[str, Any]:
    """The JSON body of the create call for ``spec``."""
    body = {k: v for k, v in spec.items() if k != kind.previous_field}
    body["id"] = job
    if previous:
        body[kind.previous_field] = previous
    return kind.shape(body, job) if kind.shape is not None else body
