"""Schema checks compiled to Python once per machine, not once per run, and strict about integers.

fastjsonschema writes a schema's check as Python code, which costs 15–50 ms a schema on every run
(most of a one-file ``validate``). The compiled code object is kept in the user's cache
(``$XDG_CACHE_HOME/reconciler``, else ``~/.cache/reconciler``), named by a hash of the schema,
fastjsonschema's version and the interpreter's bytecode format, and loaded in well under a
millisecond — as Python keeps ``.pyc`` files. A cache that can't be read or written (a read-only
home) is passed over: the check is compiled as before. ``RECONCILER_NO_CACHE=1`` turns it off.

JSON Schema counts 2.0 as an integer; the service does not, and 2.0 would change a job id. The
generated code's allowance for it is taken out, so the compiled check refuses 2.0 itself
(``Compiled.strict`` says whether that held for this fastjsonschema; if not, the caller looks).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import marshal
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

Check = Callable[[Any], Any]

# What fastjsonschema writes for "type": "integer": an int, or a float without a fraction.
_WHOLE_FLOAT = re.compile(r" and not \(isinstance\((\w+), float\) and \1\.is_integer\(\)\)")


def cache_dir(name: str = "schemas") -> Path | None:
    """The user's cache folder ``name`` (None when caching is off)."""
    if os.environ.get("RECONCILER_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "reconciler" / name


MARKS_KEPT = 64


def passed(name: str, key: str) -> bool:
    """Whether ``key`` was marked as having passed check ``name`` on this machine."""
    where = cache_dir(name)
    return where is not None and (where / key).exists()


def mark_passed(name: str, key: str) -> None:
    """Remember that ``key`` passed check ``name`` (the newest ``MARKS_KEPT`` are kept)."""
    where = cache_dir(name)
    if where is None:
        return
    _keep(where / key, b"")
    try:
        marks = sorted(where.iterdir(), key=lambda p: p.stat().st_mtime)
        for old in marks[:-MARKS_KEPT]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # another run pruned them first, or the folder went away


class Compiled(NamedTuple):
    check: Check
    strict: bool  # 2.0 is refused where an integer goes (no allowance for it was left in the code)


def compiled(schema: dict[str, Any]) -> Compiled:
    """``schema``'s compiled check: raises ``fastjsonschema.JsonSchemaException`` on invalid data
    (defaults are never filled into it)."""
    import fastjsonschema

    where = cache_dir()
    text = json.dumps(schema, sort_keys=True, ensure_ascii=True)
    key = hashlib.sha256(
        f"{fastjsonschema.VERSION}\0{importlib.util.MAGIC_NUMBER.hex()}\0{text}".encode()
    ).hexdigest()[:40]
    path = where / f"{key}.code" if where else None
    if path is not None:
        try:
            name, code, strict = marshal.loads(path.read_bytes())
            return Compiled(_load(name, code), strict)
        except Exception:  # absent, unreadable, truncated or stale: compile it (and keep it)
            pass
    from fastjsonschema.ref_resolver import RefResolver

    source = _WHOLE_FLOAT.sub("", fastjsonschema.compile_to_code(schema, use_default=False))
    name = RefResolver.from_schema(schema, store={}).get_scope_name()
    code = compile(source, f"<schema {key[:12]}>", "exec")
    strict = ".is_integer()" not in source
    if path is not None:
        _keep(path, marshal.dumps((name, code, strict)))
    return Compiled(_load(name, code), strict)


def _load(name: str, code: Any) -> Check:
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # noqa: S102 - our own schema's code, from the user's own cache
    found: Check = namespace[name]
    return found


def _keep(path: Path, blob: bytes) -> None:
    """Write ``blob`` whole or not at all (a concurrent run reads the old file or the new one)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(blob)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass  # no cache here: the next run compiles again
