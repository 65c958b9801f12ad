"""Settings: ``reconciler.yaml`` (and its ``--env`` overlay) < environment variables < flags."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigError
from . import schema
from .discover import CONFIG_NAMES
from .messages import describe_error
from .yamlsource import YamlProblem, load_documents, read_limited

DEFAULT_STATE = ".reconciler/state.json"
ENV_VARS = {
    "endpoint": "NEPTUNE_ENDPOINT",
    "state": "RECONCILER_STATE",
    "s3Endpoint": "RECONCILER_S3_ENDPOINT",
    "exportEndpoint": "NEPTUNE_EXPORT_ENDPOINT",
}
_KEYS = (
    "endpoint",
    "region",
    "auth",
    "state",
    "insecure",
    "s3Endpoint",
    "connectTo",
    "exportEndpoint",
    "exportAuth",
)
_HOST_REGION = re.compile(r"\.([a-z]{2}(?:-[a-z]+)+-\d+)\.neptune\.amazonaws\.com(?:\.cn)?$")


@dataclass(frozen=True)
class Settings:
    """Where and how to reach Neptune and the ledger, plus spec defaults."""

    endpoint: str | None = None
    # (region, where it came from), in the order they win: --region, reconciler.yaml, AWS_REGION,
    # AWS_DEFAULT_REGION. The profile and the endpoint's host name are asked only when none is set.
    region_choices: tuple[tuple[str, str], ...] = ()
    auth: str = "none"
    state: str = DEFAULT_STATE
    insecure: bool = False
    s3_endpoint: str | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)
    environment: str | None = None
    config_file: str | None = None
    connect_to: str | None = None  # HOST:PORT to connect to instead of the endpoint's (a tunnel)
    endpoint_source: str = ""  # where the endpoint came from: --endpoint, NEPTUNE_ENDPOINT or a file
    export_endpoint: str | None = None  # the Neptune-Export service's API (NeptuneExportApiUri)
    export_auth: str | None = None  # how export requests are signed (None: as ``auth``)

    @cached_property
    def region_and_source(self) -> tuple[str, str]:
        """The region requests are signed for, and which setting gave it."""
        if self.region_choices:
            return self.region_choices[0]
        profile = _profile_region()
        if profile:
            return profile, f"the AWS profile {os.environ.get('AWS_PROFILE', 'default')!r}"
        host = urlsplit(self.endpoint or "").hostname or ""
        m = _HOST_REGION.search(host)
        if m:
            return m.group(1), "the endpoint's host name"
        return "us-east-1", "the default (nothing set a region)"

    @property
    def region(self) -> str:
        return self.region_and_source[0]


def _profile_region() -> str | None:
    try:
        import botocore.session

        region = (
            botocore.session.Session(profile=os.environ.get("AWS_PROFILE") or None)
            .get_scoped_config()
            .get("region")
        )
    except Exception:  # a missing or broken profile gives no region, it is not an error here
        return None
    return str(region) if region else None


def find_config(explicit: str | None) -> Path | None:
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{explicit}: config file not found", "check the --config path")
        return path
    for name in CONFIG_NAMES:
        if Path(name).is_file():
            return Path(name)
    return None


def _read(path: Path) -> dict[str, Any]:
    try:
        docs = load_documents(str(path), read_limited(str(path)))
    except OSError as e:
        raise ConfigError(f"{path}: cannot read the config: {e.strerror or e}") from None
    except YamlProblem as e:
        raise ConfigError(f"{e.file}:{e.line}:{e.column}: {e.code}: {e.message}") from None
    if not docs:
        return {}
    doc = docs[0]
    if not isinstance(doc.data, dict):
        raise ConfigError(f"{path}:{doc.start[0]}:{doc.start[1]}: C001: config must be a mapping")
    if schema.valid(schema.CONFIG, doc.data) and all(
        schema.valid(schema.FRAGMENT, d) for _, d in _all_defaults(doc.data)
    ):
        return doc.data  # the fast path: nothing to explain
    checks = [(schema.validator(schema.CONFIG), doc.data, ())]
    if not any(schema.validator(schema.CONFIG).iter_errors(doc.data)):
        checks += [(schema.spec_fragment_validator(), d, w) for w, d in _all_defaults(doc.data)]
    for validator, data, prefix in checks:
        for error in validator.iter_errors(data):
            for where, code, message, at_key in describe_error(error, prefix):
                line, col = doc.where(where, key=at_key)
                raise ConfigError(f"{path}:{line}:{col}: {code}: {message}")
    return doc.data


def _all_defaults(data: dict[str, Any]) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    found: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    if "defaults" in data:
        found.append((("defaults",), data["defaults"]))
    for name, env in data.get("environments", {}).items():
        if "defaults" in env:
            found.append((("environments", name, "defaults"), env["defaults"]))
    return found


def resolve(
    *,
    config: str | None = None,
    env: str | None = None,
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Merge the layers; ``flags`` holds only the options the user actually gave."""
    environ = os.environ if environ is None else environ
    path = find_config(config)
    data = _read(path) if path else {}
    merged: dict[str, Any] = {k: data[k] for k in _KEYS if k in data}
    defaults = dict(data.get("defaults", {}))
    if env:
        environments = data.get("environments", {})
        if env not in environments:
            known = ", ".join(sorted(environments)) or "none defined"
            where = str(path) if path else "no reconciler.yaml found"
            raise ConfigError(f"unknown environment {env!r} ({where})", f"known: {known}")
        overlay = environments[env]
        merged.update({k: overlay[k] for k in _KEYS if k in overlay})
        defaults.update(overlay.get("defaults", {}))
    for key, var in ENV_VARS.items():
        if environ.get(var):
            merged[key] = environ[var]
    given = {k: v for k, v in (flags or {}).items() if v is not None}
    merged.update(given)
    regions = [
        (given.get("region"), "--region"),
        (merged.get("region") if "region" not in given else None, f"{path} (region:)"),
        (environ.get("AWS_REGION"), "AWS_REGION"),
        (environ.get("AWS_DEFAULT_REGION"), "AWS_DEFAULT_REGION"),
    ]
    return Settings(
        endpoint=str(merged["endpoint"]).rstrip("/") if merged.get("endpoint") else None,
        region_choices=tuple((str(r), source) for r, source in regions if r),
        endpoint_source="--endpoint"
        if given.get("endpoint")
        else "NEPTUNE_ENDPOINT"
        if environ.get("NEPTUNE_ENDPOINT")
        else f"{path} (endpoint:)"
        if path
        else "",
        connect_to=merged.get("connectTo"),
        export_endpoint=str(merged["exportEndpoint"]).rstrip("/") if merged.get("exportEndpoint") else None,
        export_auth=str(merged["exportAuth"]) if merged.get("exportAuth") else None,
        auth=str(merged.get("auth", "none")),
        state=str(merged.get("state", DEFAULT_STATE)),
        insecure=bool(merged.get("insecure", False)),
        s3_endpoint=merged.get("s3Endpoint"),
        defaults=defaults,
        environment=env,
        config_file=str(path) if path else None,
    )


def require_endpoint(settings: Settings) -> str:
    if not settings.endpoint:
        raise ConfigError(
            "no Neptune endpoint configured",
            "pass --endpoint URL, set NEPTUNE_ENDPOINT, or put `endpoint:` in reconciler.yaml",
        )
    return settings.endpoint
