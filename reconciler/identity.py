"""Identity (pure): the effective spec of a manifest and the deterministic id of its job.

Job id = ``{name}-{10 hex of sha256(new-job fields + previousModelTrainingJobId)}``, so a
``next-job`` change keeps the id, and a create after a crash can be checked with one GET.
Retries and recreates of the same spec take ``-r2`` … ``-r9``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from . import schema

MAX_SUFFIX = 9
_SUFFIX = re.compile(r"^(?P<base>.+)-r(?P<n>[2-9])$")
PREVIOUS = "previousModelTrainingJobId"


def canonical(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(value: Any) -> str:
    return hashlib.sha256(canonical(value).encode("utf-8")).hexdigest()


def effective_spec(spec: Mapping[str, Any], defaults: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Schema defaults < config defaults < manifest spec (without the managed previous id)."""
    merged = {**(defaults or {}), **spec}
    spec_schema = schema.load(schema.MANIFEST)["properties"]["spec"]
    result: dict[str, Any] = schema.with_defaults(spec_schema, merged)
    return result


def new_job_fields(spec: Mapping[str, Any]) -> dict[str, Any]:
    return {k: spec[k] for k in schema.fields_by_effect()["new-job"] if k in spec}


def spec_hash(spec: Mapping[str, Any]) -> str:
    """Hash of everything that shapes the model: new-job fields and the previous job."""
    identity = new_job_fields(spec)
    if spec.get(PREVIOUS):
        identity[PREVIOUS] = spec[PREVIOUS]
    return digest(identity)


def job_id(name: str, spec: Mapping[str, Any], previous: str | None = None) -> str:
    """The base id of the job that trains ``spec`` (on top of ``previous`` when incremental)."""
    body = dict(spec)
    body.pop(PREVIOUS, None)
    if previous:
        body[PREVIOUS] = previous
    return f"{name}-{spec_hash(body)[:10]}"


def base_of(job: str) -> str:
    """The id without its ``-rN`` suffix."""
    m = _SUFFIX.match(job)
    return m.group("base") if m else job


def attempt_of(job: str) -> int:
    m = _SUFFIX.match(job)
    return int(m.group("n")) if m else 1


def next_free(base: str, taken: Iterable[str]) -> str | None:
    """The first of ``base``, ``base-r2`` … ``base-r9`` after every attempt already taken."""
    used = [attempt_of(t) for t in taken if base_of(t) == base]
    n = max(used, default=0) + 1
    if n > MAX_SUFFIX:
        return None
    return base if n == 1 else f"{base}-r{n}"


def create_body(spec: Mapping[str, Any], job: str, previous: str | None) -> dict[str, Any]:
    """The JSON body of the create call for ``spec``."""
    body = {k: v for k, v in spec.items() if k != PREVIOUS}
    body["id"] = job
    if previous:
        body[PREVIOUS] = previous
    return body
