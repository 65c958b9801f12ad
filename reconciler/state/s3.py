"""S3 backend: the ledger object, journal objects beside it, and a lock object.

Writes are conditional: a new object with ``IfNoneMatch="*"``, an update with
``IfMatch=<etag>``, so a concurrent writer is detected (PreconditionFailed), never overwritten.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Any, TypeVar, cast

from botocore.exceptions import BotoCoreError, ClientError

from ..aws import list_keys
from ..errors import StateError, shorten
from .lease import Lease, damaged_lease
from .validate import encoded, ledger_from, parse

T = TypeVar("T")
_CONFLICT = ("PreconditionFailed", "ConditionalRequestConflict", "412")
CONCURRENT_HINT = "someone applied concurrently; rerun to plan against the new state"


def parse_location(location: str) -> tuple[str, str]:
    bucket, _, key = location.removeprefix("s3://").partition("/")
    if not bucket or not key or key.endswith("/"):
        raise StateError(
            f"state location {location!r} is not s3://bucket/key",
            "e.g. s3://my-bucket/reconciler/state.json",
        )
    return bucket, key


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class S3Backend:
    def __init__(self, location: str, client: Any) -> None:
        self.location = location
        self.bucket, self.key = parse_location(location)
        self.client = client
        self.journal_prefix = f"{self.key}.journal/"
        self.lock_key = f"{self.key}.lock"
        self.etag: str | None = None
        self.lock_etag: str | None = None
        self.lock_written: tuple[float, float] | None = None  # (LastModified, Date) of the lock read last

    def describe(self) -> str:
        return self.location

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        """Run one S3 call; its failures become one-line StateErrors."""
        try:
            return fn()
        except ClientError as e:
            code = _code(e)
            if code == "NoSuchBucket":
                raise StateError(
                    f"state bucket {self.bucket!r} does not exist",
                    "create it first (versioning on is recommended)",
                ) from None
            message = shorten(str(e.response.get("Error", {}).get("Message", "")), 160)
            raise StateError(f"S3 {what} on {self.location} failed: {code}: {message}") from None
        except BotoCoreError as e:
            raise StateError(f"S3 {what} on {self.location} failed: {shorten(str(e), 160)}") from None

    # -- ledger -------------------------------------------------------------------
    def read(self) -> tuple[Any, list[Any]]:
        got = self._call("GetObject", partial(self._get, self.key))
        self.etag = got[1] if got else None
        base = ledger_from(got[0], self.location) if got else None
        entries: list[Any] = []
        for key in self._journal_keys():
            item = self._call("GetObject", partial(self._get, key))
            if item is not None:  # None: compacted away between the list and the get
                entries.append(parse(item[0], f"s3://{self.bucket}/{key}", "journal entry"))
        return base, entries

    def _get(self, key: str) -> tuple[bytes, str, float, float] | None:
        """Body, ETag and last-modified time of ``key``, and the time S3 answered by its own
        clock (the Date header), or None when it does not exist."""
        try:
            out = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as e:
            if _code(e) in ("NoSuchKey", "404"):
                return None
            raise
        modified = out.get("LastModified")
        date = out.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
        try:
            now = parsedate_to_datetime(date).timestamp() if date else time.time()
        except (TypeError, ValueError):
            now = time.time()
        return out["Body"].read(), str(out["ETag"]), modified.timestamp() if modified else now, now

    def _journal_keys(self) -> list[str]:
        return self._call("ListObjectsV2", partial(list_keys, self.client, self.bucket, self.journal_prefix))

    def append_many(self, entries: list[dict[str, Any]]) -> None:
        """One conditional PUT per entry, in serial order: a key per serial is what detects a
        concurrent writer, so entries are not merged into one object."""
        for entry in entries:
            self.append(entry)

    def append(self, entry: dict[str, Any]) -> None:
        key = f"{self.journal_prefix}{int(entry['serial']):012d}.json"
        body = json.dumps(entry, sort_keys=True, separators=(",", ":")).encode()
        if self._put(key, body, none_match=True) is None:
            raise StateError(
                f"another writer changed the ledger {self.location} (serial {entry['serial']} is taken)",
                CONCURRENT_HINT,
            )

    def _put(
        self, key: str, body: bytes, *, none_match: bool = False, match: str | None = None
    ) -> str | None:
        """PUT with a condition; the new ETag, or None when the condition failed."""
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key, "Body": body}
        kwargs["ContentType"] = "application/json"
        if none_match:
            kwargs["IfNoneMatch"] = "*"
        if match:
            kwargs["IfMatch"] = match

        def put() -> str | None:
            try:
                return str(self.client.put_object(**kwargs)["ETag"])
            except ClientError as e:
                if _code(e) in (*_CONFLICT, "NoSuchKey"):
                    return None
                raise

        return self._call("PutObject", put)

    def write_base(self, data: dict[str, Any]) -> None:
        body = encoded(data)
        etag = self._put(self.key, body, none_match=self.etag is None, match=self.etag)
        if etag is None:
            raise StateError(
                f"another writer changed the ledger {self.location} since it was read",
                CONCURRENT_HINT,
            )
        self.etag = etag
        self._delete(self._journal_keys())

    def _delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):
            batch = {"Objects": [{"Key": k} for k in keys[start : start + 1000]]}
            self._call(
                "DeleteObjects",
                partial(self.client.delete_objects, Bucket=self.bucket, Delete=batch),
            )

    def delete_all(self) -> None:
        self._delete([self.key, *self._journal_keys()])

    # -- lease --------------------------------------------------------------------
    def create_lock(self, lease: Lease) -> bool:
        self.lock_etag = self._put(self.lock_key, json.dumps(lease).encode(), none_match=True)
        return self.lock_etag is not None

    def read_lock(self) -> Lease | None:
        got = self._call("GetObject", partial(self._get, self.lock_key))
        if got is None:
            self.lock_written = None
            return None
        self.lock_etag = got[1]
        self.lock_written = (got[2], got[3])
        try:
            data = json.loads(got[0])
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            return cast(Lease, data)
        return damaged_lease("lock object", got[2])

    def lock_age(self) -> float | None:
        """How old the lock object read last is by S3's clock: LastModified against the Date of
        the same answer (no process's clock is trusted)."""
        if self.lock_written is None:
            return None
        modified, now = self.lock_written
        return max(0.0, now - modified)

    def replace_lock(self, old: Lease, lease: Lease) -> bool:
        if self.read_lock() != old or self.lock_etag is None:
            return False
        self.lock_etag = self._put(self.lock_key, json.dumps(lease).encode(), match=self.lock_etag)
        return self.lock_etag is not None

    def owns(self, lease: Lease) -> bool:
        """Always true here: every journal write is conditional on its serial (IfNoneMatch), so a
        writer that lost the lease fails on its next write without an extra read."""
        return True

    def delete_lock(self, lease: Lease | None) -> bool:
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": self.lock_key}
        if lease is not None:
            if self.read_lock() != lease:
                return False
            if self.lock_etag:
                kwargs["IfMatch"] = self.lock_etag

        def delete() -> bool:
            try:
                self.client.delete_object(**kwargs)
            except ClientError as e:
                if _code(e) in (*_CONFLICT, "NoSuchKey"):
                    return False
                raise
            return True

        return self._call("DeleteObject", delete)
