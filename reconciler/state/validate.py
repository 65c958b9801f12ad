"""Checks a ledger document and journal entries against ``schemas/ledger.v1`` before use."""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache, partial
from typing import Any, cast

from ..core.ledger import VERSION
from ..core.records import Entry
from ..errors import StateError, shorten
from ..manifests import compiled, schema

REBUILD_HINT = "restore it from a backup or version history, or remove it and run `reconciler state rebuild`"


def encoded(data: dict[str, Any]) -> bytes:
    """The ledger as stored: a field per line, and each resource's record on a line of its own
    (a diff shows which manifests changed; every line is written by json's C encoder, where
    ``indent=2`` would take its pure-Python one, ~4x slower: 0.3 s of a 5,000-job apply)."""
    line = partial(json.dumps, sort_keys=True, separators=(", ", ": "))
    fields = []
    for key, value in sorted(data.items()):
        if key == "resources" and isinstance(value, dict) and value:
            records = ",\n".join(
                f"    {line(name)}: {line(record)}" for name, record in sorted(value.items())
            )
            fields.append(f"  {line(key)}: {{\n{records}\n  }}")
        else:
            fields.append(f"  {line(key)}: {line(value)}")
    return ("{\n" + ",\n".join(fields) + "\n}\n" if fields else "{}\n").encode()


def parse(raw: bytes, where: str, what: str = "ledger") -> Any:
    """JSON from a state object; empty, ``null``, malformed or absurdly nested text is refused
    (a ledger that exists but says nothing is damaged, never the same as no ledger)."""
    if not raw.strip():
        raise StateError(f"{what} {where} exists but is empty; it was not used", REBUILD_HINT)
    try:
        data = json.loads(raw)
    except RecursionError:
        raise StateError(
            f"{what} {where} is nested too deeply to be a ledger; it was not used", REBUILD_HINT
        ) from None
    except ValueError as e:
        raise StateError(
            f"{what} {where} is not valid JSON ({shorten(str(e), 120)}); it was not used", REBUILD_HINT
        ) from None
    if data is None:
        raise StateError(f"{what} {where} exists but holds null; it was not used", REBUILD_HINT)
    return data


def ledger_from(raw: bytes, where: str) -> dict[str, Any]:
    """The ledger document in ``raw``: parsed, and checked, unless these exact bytes passed this
    check on this machine before (a mark named by their hash and the schema's, in the user's cache
    beside the compiled checks: the check is ~0.1 s of every plan of a 5,000-job ledger, which a
    steady plan reads unchanged run after run)."""
    data = parse(raw, where)
    key = hashlib.sha256(_schema_key() + raw).hexdigest()[:40]
    if compiled.passed("ledgers", key):
        return cast(dict[str, Any], data)
    checked = check(data, where)
    compiled.mark_passed("ledgers", key)
    return checked


@cache
def _schema_key() -> bytes:
    """What the check's answer depends on besides the bytes: the schema, the library that checks
    it and the code around it (this module and ``schema``, by size and time: an edit is a new key)."""
    import fastjsonschema

    text = json.dumps(schema.load(schema.LEDGER), sort_keys=True)
    code = [(s.st_size, s.st_mtime_ns) for s in (os.stat(__file__), os.stat(schema.__file__))]
    return hashlib.sha256(f"{VERSION}\0{fastjsonschema.VERSION}\0{code}\0{text}".encode()).digest()


def check(data: Any, where: str) -> dict[str, Any]:
    """The ledger document, or a StateError: a ledger that fails its schema is never half-read."""
    if not isinstance(data, dict):
        raise StateError(f"ledger at {where} is not a JSON object; it was not used")
    if data.get("version") != VERSION:
        raise StateError(
            f"ledger at {where} has version {data.get('version')!r}; this reconciler reads version {VERSION}",
            "upgrade the reconciler",
        )
    valid = schema.valid(schema.LEDGER, data)
    error = None if valid else next(iter(schema.validator(schema.LEDGER).iter_errors(data)), None)
    if error is not None:
        path = "/".join(str(p) for p in error.absolute_path) or "(top)"
        raise StateError(
            f"ledger at {where} fails its schema at {path}: {shorten(error.message, 160)}; it was not used",
            REBUILD_HINT,
        )
    return data


@cache
def _entry_validator() -> Any:
    entry_schema = {**schema.load(schema.LEDGER), "$ref": "#/$defs/entry"}
    for key in ("required", "properties", "additionalProperties"):
        entry_schema.pop(key, None)
    return schema.strict_validator(entry_schema)


def check_entry(entry: Any, where: str) -> Entry:
    error = next(iter(_entry_validator().iter_errors(entry)), None)
    if error is not None:
        raise StateError(
            f"journal entry at {where} is damaged ({shorten(error.message, 160)}); the ledger was not used",
            "inspect the journal; `reconciler state show` after fixing it",
        )
    return cast(Entry, entry)
