"""The lease that keeps two applies apart: who holds it, until when, and whether they are gone."""

from __future__ import annotations

import getpass
import os
import socket
import time
import uuid
from typing import TypedDict

from ..core.records import now_iso

# A run renews its lease every ttl/3, so the ttl can be short: a holder that dies on another
# host blocks others for at most this long (on this host, a dead holder is taken over at once).
DEFAULT_TTL = 120.0
# What a lease may claim, whatever it says: a lock file claiming ten years blocks nobody longer.
MAX_TTL = 300.0


class Lease(TypedDict, total=False):
    """Who holds the state lock. A damaged lock file reads back with id, owner and expires only."""

    id: str
    owner: str
    host: str
    pid: int
    operation: str
    plan: str
    started: str
    ttl: float
    expires: float
    pidStart: int  # the holder's start time (clock ticks since boot), so a reused pid is not mistaken


def new_lease(operation: str, plan: str, ttl: float) -> Lease:
    """A lease for this process: owner, host, pid, what it runs, and when it expires."""
    return {
        "id": str(uuid.uuid4()),
        "owner": _user(),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "operation": operation,
        "plan": plan,
        "started": now_iso(),
        "ttl": ttl,
        "expires": time.time() + ttl,
        **({"pidStart": start} if (start := process_start(os.getpid())) is not None else {}),
    }


def damaged_lease(what: str, mtime: float) -> Lease:
    """How an unreadable lease reads back: held by an unknown owner until it is older than the ttl."""
    return {"id": "?", "owner": f"unknown (damaged or empty {what})", "expires": mtime + DEFAULT_TTL}


def lease_ttl(lease: Lease) -> float:
    """How long a lease lasts after its last write: what it claims, capped at ``MAX_TTL``."""
    try:
        ttl = float(lease.get("ttl", DEFAULT_TTL))
    except (TypeError, ValueError):
        ttl = DEFAULT_TTL
    return min(max(ttl, 0.0), MAX_TTL) if ttl == ttl else DEFAULT_TTL  # NaN: the default


def time_left(lease: Lease, age: float | None) -> float:
    """Seconds until the lease expires. ``age`` is how long ago the backend says the lease was
    last written (S3's LastModified against S3's own Date, a file's mtime against a file written
    now): the holder's ``expires`` is its clock's claim and is not trusted when ``age`` is known."""
    if age is None:
        return min(float(lease.get("expires", 0)) - time.time(), MAX_TTL)
    return lease_ttl(lease) - age


def expired(lease: Lease, age: float | None) -> bool:
    return time_left(lease, age) <= 0


def process_start(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks since boot, Linux), or None when unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[19])  # field 22 of stat; the split drops pid and comm
    except (OSError, IndexError, ValueError):
        return None


def holder_gone(lease: Lease) -> bool:
    """True when the lease was taken on this host by a process that no longer exists (a pid
    reused by another process counts as gone: its start time differs from the lease's)."""
    pid = lease.get("pid")
    if lease.get("host") != socket.gethostname() or not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists but not ours to signal
        pass
    recorded, now = lease.get("pidStart"), process_start(pid)
    return recorded is not None and now is not None and recorded != now


def describe_lease(lease: Lease | None, age: float | None = None) -> str:
    if not lease:
        return "nobody"
    left = time_left(lease, age)
    state = f"expires in {int(left)}s" if left > 0 else "expired"
    if holder_gone(lease):
        state += "; that process is gone"
    return (
        f"{lease.get('owner', '?')} on {lease.get('host', '?')} (pid {lease.get('pid', '?')}, "
        f"{lease.get('operation', '?')} since {lease.get('started', '?')}, {state})"
    )


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no passwd entry in some containers
        return "unknown"
