"""An HTTP answer: what the client reads of it (``Answer``), and how ``transport`` reads it off
the wire (``Response``: http.client's, with the header fields read by a small reader of our own)."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any, Protocol


class Headers(Protocol):
    def get(self, name: str, failobj: str, /) -> str: ...


@dataclass(frozen=True)
class Answer:
    """One HTTP answer, read whole (the attributes the error and JSON readers use; ``headers``
    looks names up case-insensitively)."""

    status_code: int
    headers: Headers
    content: bytes
    reason: str = ""

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


_MAX_LINE, _MAX_FIELDS = 65536, 100  # http.client's own limits


class _Headers(dict[str, str]):
    """An answer's header fields by lower-case name (repeats joined by ", ", as HTTP allows)."""

    def get(self, name: str, default: Any = None, /) -> Any:
        return super().get(name.lower(), default)

    @classmethod
    def read(cls, fp: Any) -> _Headers:
        """The fields up to the blank line; http.client hands them to the email package's parser,
        which costs ~55 µs an answer (a sixth of a call) for what this client reads."""
        found = cls()
        name = ""
        for _ in range(_MAX_FIELDS + 1):
            line = fp.readline(_MAX_LINE + 1)
            if len(line) > _MAX_LINE:
                raise http.client.LineTooLong("header line")
            if line in (b"\r\n", b"\n", b""):
                return found
            text = line.decode("iso-8859-1")
            if text[0] in " \t" and name:  # an obsolete folded continuation of the last field
                found[name] = f"{found[name]} {text.strip()}"
                continue
            field, sep, value = text.partition(":")
            if not sep:
                raise http.client.HTTPException(f"malformed header line {text[:40]!r}")
            name, value = field.strip().lower(), value.strip()
            found[name] = f"{found[name]}, {value}" if name in found else value
        raise http.client.HTTPException(f"got more than {_MAX_FIELDS} headers")


class Response(http.client.HTTPResponse):
    """http.client's answer with the header fields read by ``_Headers``; the rest (the body by
    length or in chunks, whether the connection stays open) is http.client's own."""

    def begin(self) -> None:
        if self.headers is not None:
            return
        while True:
            version, status, reason = self._read_status()
            if status != http.client.CONTINUE:
                break
            _Headers.read(self.fp)  # a 100 Continue's fields
        self.code = self.status = status
        self.reason = reason.strip()
        if version in ("HTTP/1.0", "HTTP/0.9"):
            self.version = 10
        elif version.startswith("HTTP/1."):
            self.version = 11
        else:
            raise http.client.UnknownProtocol(version)
        self.headers = self.msg = _Headers.read(self.fp)
        self.chunked = (self.headers.get("transfer-encoding") or "").lower() == "chunked"
        self.chunk_left = None
        self.will_close = self._check_close()
        self.length = None
        length = self.headers.get("content-length")
        if length and not self.chunked and length.isdigit():
            self.length = int(length)
        if status in (http.client.NO_CONTENT, http.client.NOT_MODIFIED) or 100 <= status < 200:
            self.length = 0
        if self._method == "HEAD":
            self.length = 0
        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True  # the body runs to the connection's end
