"""Schema checks compiled once per machine, not once per run.

fastjsonschema writes a schema's check as Python code, which costs 15–50 ms a schema on every run
(most of a one-file ``validate``). The compiled code object is kept in the user's cache
(``$XDG_CACHE_HOME/reconciler``, else ``~/.cache/reconciler``), named by a hash of the schema,
fastjsonschema's version and the interpreter's bytecode format, and loaded in well under a
millisecond — as Python keeps ``.pyc`` files. A cache that can't be read or written (a read-only
home) is passed over: the check is compiled as before. ``RECONCILER_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import marshal
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

Check = Callable[[Any], Any]


def _cache_dir() -> Path | None:
    if os.environ.get("RECONCILER_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "reconciler" / "schemas"


def check(schema: dict[str, Any]) -> Check:
    """``schema``'s compiled check (defaults are never filled into the data)."""
    import fastjsonschema

    where = _cache_dir()
    if where is None:
        return fastjsonschema.compile(schema, use_default=False)
    text = json.dumps(schema, sort_keys=True, ensure_ascii=True)
    key = hashlib.sha256(
        f"{fastjsonschema.VERSION}\0{importlib.util.MAGIC_NUMBER.hex()}\0{text}".encode()
    ).hexdigest()[:40]
    path = where / f"{key}.code"
    try:
        name, code = marshal.loads(path.read_bytes())
        namespace: dict[str, Any] = {}
        exec(code, namespace)  # noqa: S102 - our own schema's code, from the user's own cache
        found: Check = namespace[name]
        return found
    except Exception:  # absent, unreadable, truncated or stale: compile it (and keep it)
        pass
    compiled: Check = fastjsonschema.compile(schema, use_default=False)
    source = fastjsonschema.compile_to_code(schema, use_default=False)
    _keep(path, marshal.dumps((compiled.__name__, compile(source, f"<schema {key[:12]}>", "exec"))))
    return compiled


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
