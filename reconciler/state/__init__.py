"""Where the ledger lives: a local file (default) or an S3 object, behind one StateStore."""

from __future__ import annotations

from .ledger import Ledger
from .local import LocalBackend
from .s3 import S3Backend, make_s3_client
from .store import StateStore, describe_lease, holder_gone, now_iso

__all__ = ["Ledger", "StateStore", "describe_lease", "holder_gone", "now_iso", "open_state"]


def open_state(location: str, *, region: str = "us-east-1", s3_endpoint: str | None = None) -> StateStore:
    if location.startswith("s3://"):
        return StateStore(S3Backend(location, make_s3_client(region, s3_endpoint)))
    return StateStore(LocalBackend(location))
