"""``reconciler emulator``: serve the local Neptune ML emulator (the only command that imports it)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import ReconcilerError, UsageError


def emulator_command(
    host: Annotated[str, typer.Option(metavar="ADDR", help="Loopback address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", help="Port; 0 picks a free one.")] = 8182,
    state_file: Annotated[str | None, typer.Option(metavar="FILE", help="Keep jobs across restarts.")] = None,
    job_seconds: Annotated[
        float, typer.Option(metavar="SECONDS", help="How long a job stays InProgress.")
    ] = 5.0,
    job_seconds_max: Annotated[
        float | None,
        typer.Option(
            metavar="SECONDS",
            help="Each job runs between --job-seconds and this, a time its id fixes (jobs of a graph differ).",
        ),
    ] = None,
    stop_seconds: Annotated[
        float, typer.Option(metavar="SECONDS", help="How long a job stays Stopping.")
    ] = 1.0,
    latency_ms: Annotated[float, typer.Option(metavar="MS", help="Added to every API call.")] = 0.0,
    error_rate: Annotated[float, typer.Option(metavar="P", help="Share of calls answered 500.")] = 0.0,
    throttle_rps: Annotated[
        float, typer.Option(metavar="RPS", help="Token-bucket rate; 429 beyond it.")
    ] = 0.0,
    drop_rate: Annotated[float, typer.Option(metavar="P", help="Share of calls whose answer is lost.")] = 0.0,
    seed: Annotated[int, typer.Option(metavar="N", help="Seed of the fault injection.")] = 0,
    s3_endpoint: Annotated[
        str | None, typer.Option(metavar="URL", help="Write artifacts to this S3 endpoint.")
    ] = None,
    artifacts_dir: Annotated[
        str | None, typer.Option(metavar="DIR", help="Write artifacts under this folder.")
    ] = None,
    region: Annotated[
        str, typer.Option(metavar="REGION", help="Region shown in ARNs (and expected in signatures).")
    ] = "us-east-1",
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            metavar="",
            help="Refuse unknown fields, ids beyond [A-Za-z0-9-]{1,48}, odd bucket names.",
        ),
    ] = False,
    not_found_400: Annotated[
        bool, typer.Option("--not-found-400", metavar="", help="Answer a missing id with 400, not 404.")
    ] = False,
    list_all: Annotated[
        bool, typer.Option("--list-all", metavar="", help="List every job, not only the active ones.")
    ] = False,
    auth_check: Annotated[
        list[str] | None,
        typer.Option(metavar="KEY_ID:SECRET", help="Verify SigV4 signatures made with this key pair."),
    ] = None,
) -> None:
    """Serve a local Neptune ML emulator (data processing, model training, inference endpoints, and the
    Neptune-Export service at /v1/neptune-export) on loopback."""
    from ..emulator import FaultConfig, Options, serve

    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ReconcilerError(f"the emulator listens on loopback only, not {host!r}")
    for name, rate in (("--error-rate", error_rate), ("--drop-rate", drop_rate)):
        if not 0.0 <= rate <= 1.0:
            raise UsageError(f"{name} {rate} is not a probability", "use a number from 0 to 1")
    if job_seconds_max is not None and job_seconds_max < job_seconds:
        raise UsageError(
            f"--job-seconds-max {job_seconds_max:g} is below --job-seconds {job_seconds:g}",
            "give the longest a job may run, at least --job-seconds",
        )
    faults = FaultConfig(latency_ms, error_rate, throttle_rps, drop_rate, seed)
    keys = dict(k.split(":", 1) for k in auth_check or [] if ":" in k) if auth_check is not None else None
    if auth_check and len(keys or {}) != len(auth_check):
        raise UsageError("--auth-check takes KEY_ID:SECRET")
    options = Options(
        job_seconds=job_seconds, job_seconds_max=job_seconds_max, stop_seconds=stop_seconds, region=region, strict=strict,
        not_found_400=not_found_400, list_all=list_all, auth_keys=keys,
    )  # fmt: skip
    try:
        serve(host, port, options, faults, state_file, s3_endpoint, artifacts_dir)
    except OSError as e:
        raise ReconcilerError(f"cannot listen on {host}:{port}: {e.strerror}", "try --port 0") from None
