"""The lease that keeps two applies apart: who holds it, until when, and whether they are gone."""

from __future__ import annotations

import getpass
import os
import socket
import time
import uuid
from typing import TypedDict

from ..core.records import now_iso

DEFAULT_TTL = 1800.0


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
    }


def holder_gone(lease: Lease) -> bool:
    """True when the lease was taken on this host by a process that no longer exists."""
    if lease.get("host") != socket.gethostname() or not isinstance(lease.get("pid"), int):
        return False
    try:
        os.kill(lease["pid"], 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists but not ours to signal
        return False
    return False


def describe_lease(lease: Lease | None) -> str:
    if not lease:
        return "nobody"
    left = float(lease.get("expires", 0)) - time.time()
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
