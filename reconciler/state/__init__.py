"""Where the ledger lives: a local file (default) or an S3 object, behind one StateStore."""

from __future__ import annotations

from ..aws import Region
from .lease import describe_lease, holder_gone
from .store import StateStore

__all__ = ["StateStore", "describe_lease", "holder_gone", "open_state"]


def open_state(location: str, *, region: Region = "us-east-1", s3_endpoint: str | None = None) -> StateStore:
    """The store for ``location``: ``s3://bucket/key`` or a local path."""
    if location.startswith("s3://"):
        from ..aws import make_s3_client
        from .s3 import S3Backend

        return StateStore(S3Backend(location, make_s3_client(region, s3_endpoint)))
    from .local import LocalBackend

    return StateStore(LocalBackend(location))
