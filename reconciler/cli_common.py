"""Options shared by several commands, and turning them into settings and a client."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .config import Settings, require_endpoint, resolve
from .errors import ReconcilerError
from .neptune import NeptuneClient, make_client

Paths = Annotated[list[str] | None, typer.Argument(help="Manifest files or folders (default specs/).")]
Format = Annotated[str, typer.Option("--format", "-f", help="Output: text or json.")]
ConfigOpt = Annotated[str | None, typer.Option("--config", help="Path of reconciler.yaml.")]
EnvOpt = Annotated[str | None, typer.Option("--env", help="Environment overlay from reconciler.yaml.")]
EndpointOpt = Annotated[
    str | None,
    typer.Option("--endpoint", help="Neptune endpoint URL (env NEPTUNE_ENDPOINT).", show_default=False),
]
AuthOpt = Annotated[str | None, typer.Option("--auth", help="iam (SigV4) or none.")]
RegionOpt = Annotated[str | None, typer.Option("--region", help="AWS region (env AWS_REGION).")]
InsecureOpt = Annotated[
    bool, typer.Option("--insecure", help="Allow plain http:// to a host that is not loopback.")
]
StateOpt = Annotated[
    str | None,
    typer.Option("--state", help="Ledger location: a path or s3://bucket/key (env RECONCILER_STATE)."),
]
S3EndpointOpt = Annotated[
    str | None, typer.Option("--s3-endpoint", help="S3 endpoint override (state, preflight).")
]
ParallelismOpt = Annotated[int, typer.Option("--parallelism", min=1, max=256, help="Concurrent API calls.")]


def check_format(fmt: str, allowed: tuple[str, ...] = ("text", "json")) -> str:
    if fmt not in allowed:
        raise ReconcilerError(f"unknown --format {fmt!r}", f"use one of: {', '.join(allowed)}")
    return fmt


def settings_from(
    config: str | None,
    env: str | None,
    endpoint: str | None = None,
    auth: str | None = None,
    region: str | None = None,
    insecure: bool = False,
    state: str | None = None,
    s3_endpoint: str | None = None,
) -> Settings:
    flags: dict[str, Any] = {
        "endpoint": endpoint,
        "auth": auth,
        "region": region,
        "insecure": insecure or None,
        "state": state,
        "s3Endpoint": s3_endpoint,
    }
    return resolve(config=config, env=env, flags=flags)


def client_from(settings: Settings, pool_size: int = 16) -> NeptuneClient:
    return make_client(
        require_endpoint(settings),
        auth=settings.auth,
        region=settings.region,
        insecure=settings.insecure,
        pool_size=pool_size,
    )
