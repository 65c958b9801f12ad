"""The Neptune ML client: create, get, stop and list on any ``/ml/{resource}``, over one pooled
wire (``transport.Wire``), with retries, a deadline per attempt and errors that say what to do.

Raw HTTP (botocore's neptunedata model lacks modelName, maxWaitTime and
enableInterContainerTrafficEncryption); SigV4 signs each attempt as it is sent.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from ..aws import Region, region_of
from ..errors import ConfigError, redact
from . import auth as sigv4
from .answer import Answer
from .deadline import Deadline
from .errors import (
    ApiError,
    BadRequestError,
    NotFoundError,
    ServerError,
    ThrottledError,
    from_response,
    from_transport,
)
from .transport import TransportError, Wire

log = logging.getLogger("reconciler.http")
CALL_DEADLINE = 30.0  # seconds one attempt of a call may take, whatever the server does
# The resource the named helpers below call: the default kind's, for people and tests (the engine
# calls every resource through create/get/stop/list_ids by its kind's resource).
TRAINING = "modeltraining"


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded in attempts and in total time."""

    attempts: int = 6
    base: float = 0.2
    cap: float = 10.0
    total: float = 60.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        backoff = rng.uniform(0, min(self.cap, self.base * 2**attempt))
        return max(backoff, retry_after or 0.0)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_connect_to(value: str | None) -> tuple[str, int] | None:
    """``HOST:PORT`` (``[::1]:8182`` for IPv6) of a tunnel, or None."""
    if not value:
        return None
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"--connect-to {value!r} is not HOST:PORT", "e.g. --connect-to 127.0.0.1:8182")
    return host.strip("[]"), int(port)


def check_endpoint(endpoint: str, insecure: bool, connect_to: tuple[str, int] | None = None) -> str:
    if "@" in endpoint:  # user:password@ — never echoed, whatever characters the password has
        raise ConfigError(
            "the endpoint carries a user name or password; it was not used",
            "give the endpoint without user@; requests are signed with AWS credentials (--auth iam)",
        )
    parts = urlsplit(endpoint)
    try:
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError:
        raise ConfigError(
            f"endpoint {redact(endpoint)!r} has no valid port", "e.g. https://my-cluster:8182"
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"endpoint {redact(endpoint)!r} is not an http(s) URL", "e.g. https://my-cluster:8182"
        )
    # Through a tunnel the bytes leave this machine encrypted by it: what counts is where we connect.
    local = is_loopback(connect_to[0] if connect_to else parts.hostname)
    if parts.scheme == "http" and not local and not insecure:
        raise ConfigError(
            f"refusing plain http:// to {parts.hostname}: requests and credentials would travel unencrypted",
            "use https://, or pass --insecure if you really mean it",
        )
    return endpoint.rstrip("/")


class NeptuneClient:
    """Calls of the ``/ml/{resource}`` resources: one create, get, stop and list for all of them."""

    def __init__(
        self,
        wire: Wire,
        endpoint: str,
        *,
        retry: RetryPolicy | None = None,
        timeout: tuple[float, float] = (5.0, 30.0),
        deadline: float = CALL_DEADLINE,
        sleep: Callable[[float], None] = time.sleep,
        seed: int | None = None,
    ) -> None:
        self.wire = wire
        self.endpoint = endpoint.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self.deadline = deadline  # connect + send + the whole answer, per attempt
        self.origin = ""  # where the endpoint setting came from (--endpoint, NEPTUNE_ENDPOINT, a file)
        self.sleep = sleep
        self.rng = random.Random(seed)
        # Resources another service serves (the Neptune-Export service's): resource -> its client,
        # which takes the same create and get by the reconciler's id.
        self.routes: dict[str, Any] = {}

    def learn(self, known: Mapping[str, Any]) -> None:
        """What the ledger knows of jobs whose ids are another service's (each routed client's)."""
        for routed in self.routes.values():
            routed.learn(known)

    # -- any resource: /ml/{resource} -----------------------------------------------------
    def create(self, resource: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Start a job (or create an endpoint); with an explicit id the call is retried and made
        idempotent. The one special case: an endpoint's ``"update": true``, which keeps its id."""
        if resource in self.routes:
            return dict(self.routes[resource].create(params))
        path = f"/ml/{resource}"
        if params.get("update"):
            # An update is idempotent (the same body twice serves the same model): retried as is,
            # and a refusal is the service's answer, not a sign that an earlier attempt landed.
            return _promised(f"POST {path}", self._call("POST", path, body=dict(params)), "id", str)
        return self._create(path, params)

    def get(self, resource: str, job_id: str, role_arn: str | None = None) -> dict[str, Any]:
        if resource in self.routes:
            return dict(self.routes[resource].get(job_id))
        path = f"/ml/{resource}/{_segment(job_id)}"
        return _promised(f"GET {path}", self._call("GET", path, query=_role(role_arn)), "status", str)

    def stop(
        self, resource: str, job_id: str, *, clean: bool = False, role_arn: str | None = None
    ) -> dict[str, Any]:
        """Stop a job, or delete an endpoint (the same DELETE on the resource's path)."""
        if resource in self.routes:
            raise BadRequestError(f"{resource}: the service offers no stop (its jobs run to their end)")
        query = {"clean": "true" if clean else "false", **_role(role_arn)}
        return self._call("DELETE", f"/ml/{resource}/{_segment(job_id)}", query=query)

    def list_ids(self, resource: str, max_items: int = 10, role_arn: str | None = None) -> list[str]:
        if resource in self.routes:
            return []  # the export service lists nothing
        return self._list(f"/ml/{resource}", max_items, role_arn)

    # -- model training by name, for people and tests (each is the call above) ----------
    def create_training_job(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return self.create(TRAINING, params)

    def get_training_job(self, job_id: str, role_arn: str | None = None) -> dict[str, Any]:
        return self.get(TRAINING, job_id, role_arn)

    def stop_training_job(
        self, job_id: str, *, clean: bool = False, role_arn: str | None = None
    ) -> dict[str, Any]:
        return self.stop(TRAINING, job_id, clean=clean, role_arn=role_arn)

    def list_training_jobs(self, max_items: int = 10, role_arn: str | None = None) -> list[str]:
        return self.list_ids(TRAINING, max_items, role_arn)

    # -- plumbing -----------------------------------------------------------------
    def _list(self, path: str, max_items: int, role_arn: str | None) -> list[str]:
        if not isinstance(max_items, int) or not 1 <= max_items <= 1024:
            raise ConfigError(f"max items {max_items!r} out of range", "use a number from 1 to 1024")
        doc = _promised(
            f"GET {path}",
            self._call("GET", path, query={"maxItems": str(max_items), **_role(role_arn)}),
            "ids",
            list,
        )
        return [str(i) for i in doc["ids"]]

    def _create(self, path: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """POST a create. With an explicit id the call is retried, and a refusal is confirmed by a
        GET on the id rather than read from its message: if the job exists (our earlier attempt
        whose answer was lost, or an earlier run's), the answer says ``resolvedByGet``, and
        ``existedBefore`` when even our first attempt found it there."""
        job_id = params.get("id")
        what = f"POST {path}"
        if not job_id:
            # Without an id a lost answer can't be told from a failed call: never retry.
            return _promised(what, self._call("POST", path, body=dict(params), retry=False), "id", str)
        try:
            return _promised(what, self._call("POST", path, body=dict(params)), "id", str)
        except BadRequestError as e:
            refused = e
        try:
            doc = self._call(
                "GET", f"{path}/{_segment(str(job_id))}", query=_role(params.get("neptuneIamRoleArn"))
            )
        except NotFoundError:
            raise refused from None  # no such job: the create was really refused
        return {
            "id": job_id, "arn": None, "creationTimeInMillis": None, "resolvedByGet": True,
            "existedBefore": not refused.after_retry, "status": doc.get("status"),
        }  # fmt: skip

    def _call(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Any = None,
        retry: bool = True,
    ) -> dict[str, Any]:
        what = f"{method} {path or urlsplit(self.endpoint).path or '/'}"
        url = self.endpoint + path
        started = time.monotonic()
        attempt = 0
        while True:
            retry_after: float | None = None
            deadline = Deadline(self.deadline)
            try:
                t0 = time.monotonic()
                with deadline:
                    response = self.wire.request(
                        method, url, query=query, body=body, timeout=self.timeout, deadline=deadline
                    )
                log.debug("%s -> %s (%.0f ms)", what, response.status_code, (time.monotonic() - t0) * 1000)
                if response.status_code < 300:
                    if method == "DELETE" and not response.content.strip():
                        return {}  # a stop or delete answered 200 with nothing to say
                    return _json(what, response)
                error: ApiError = from_response(what, response, signed=self.wire.auth is not None)
                retry_after = _retry_after(response)
            except TransportError as e:
                log.debug("%s -> %s", what, e.cause_name)
                fired = self.deadline if deadline.fired else None
                error = from_transport(
                    what, e, fired, f"{self.endpoint} ({self.origin})" if self.origin else self.endpoint
                )
            if attempt > 0:
                error.after_retry = True
            attempt += 1
            retryable = retry and isinstance(error, ServerError | ThrottledError)
            if not retryable or attempt >= self.retry.attempts:
                raise error
            wait = self.retry.delay(attempt, retry_after, self.rng)
            if time.monotonic() - started + wait > self.retry.total:
                raise error
            log.debug("%s: retrying in %.2fs after %s", what, wait, error.code or type(error).__name__)
            self.sleep(wait)


def _promised(what: str, doc: dict[str, Any], key: str, kind: type) -> dict[str, Any]:
    """``doc``, if it has the field the API promises; an answer without it is an error, never
    'unknown' or 'nothing there' (a proxy answering ``{}`` must not look like an empty cluster)."""
    if not isinstance(doc.get(key), kind):
        raise ApiError(
            f"{what}: the answer has no {key!r} ({kind.__name__}); it is not a Neptune ML answer",
            hint="is the endpoint a Neptune cluster (https://<cluster>:8182)?",
        )
    return doc


def _segment(job_id: str) -> str:
    return quote(job_id, safe="")


def _role(role_arn: Any) -> dict[str, str]:
    return {"neptuneIamRoleArn": str(role_arn)} if role_arn else {}


def _json(what: str, response: Answer) -> dict[str, Any]:
    try:
        doc = response.json()
    except ValueError:
        raise ApiError(f"{what}: answer is not JSON (HTTP {response.status_code})") from None
    if not isinstance(doc, dict):
        raise ApiError(f"{what}: answer is not a JSON object")
    return doc


def _retry_after(response: Answer) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return min(float(value), 60.0) if value else None
    except ValueError:
        return None


def make_client(
    endpoint: str,
    *,
    auth: str = "none",
    region: Region = "us-east-1",
    insecure: bool = False,
    pool_size: int = 16,
    retry: RetryPolicy | None = None,
    connect_to: str | None = None,
    origin: str = "",
    service: str = sigv4.SERVICE,
) -> NeptuneClient:
    """A client for ``endpoint`` with a connection pool sized to the concurrency in use;
    ``connect_to`` (HOST:PORT) connects there instead, still naming and signing for ``endpoint``."""
    tunnel = parse_connect_to(connect_to)
    endpoint = check_endpoint(endpoint, insecure, tunnel)
    if auth not in ("iam", "none"):
        raise ConfigError(f"unknown auth {auth!r}", "use iam or none")
    # What requests would read from the environment on every call, read once: the proxy for this
    # endpoint (NO_PROXY honoured; none through a tunnel) and a CA bundle.
    proxy = None
    if tunnel is None:
        from urllib.request import getproxies, proxy_bypass

        parts, proxies = urlsplit(endpoint), getproxies()
        proxy = (
            None if proxy_bypass(parts.hostname or "") else proxies.get(parts.scheme) or proxies.get("all")
        )
    if proxy and endpoint.startswith("https:") and proxy.startswith("https:"):
        raise ConfigError(
            f"the proxy for {redact(endpoint)} is an https:// one: TLS inside TLS is not supported",
            "name the proxy's http:// address (its CONNECT keeps TLS end to end with the cluster)",
        )
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None
    signer = sigv4.from_default_chain(region_of(region), service=service) if auth == "iam" else None
    wire = Wire(pool_size, tunnel, proxy, bundle, signer)
    client = NeptuneClient(wire, endpoint, retry=retry)
    client.origin = origin
    return client
