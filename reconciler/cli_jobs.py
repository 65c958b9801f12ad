"""``reconciler jobs``: the API's four operations, for operators (no ledger involved)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .cli_common import (
    AuthOpt,
    ConfigOpt,
    EndpointOpt,
    EnvOpt,
    Format,
    InsecureOpt,
    RegionOpt,
    check_format,
    client_from,
    settings_from,
)
from .errors import ReconcilerError
from .render import render_job

jobs_app = typer.Typer(no_args_is_help=True, help="Imperative model-training job calls.")


def _client(
    config: str | None,
    env: str | None,
    endpoint: str | None,
    auth: str | None,
    region: str | None,
    insecure: bool,
) -> Any:
    settings = settings_from(config, env, endpoint, auth, region, insecure)
    return client_from(settings, pool_size=2)


def _emit(doc: Any, fmt: str, text: str) -> None:
    sys.stdout.write(json.dumps(doc, indent=2) + "\n" if fmt == "json" else text)


@jobs_app.command("list")
def list_jobs(
    max_items: Annotated[int, typer.Option("--max-items", help="1 to 1024.")] = 10,
    fmt: Format = "text",
    endpoint: EndpointOpt = None,
    auth: AuthOpt = None,
    region: RegionOpt = None,
    insecure: InsecureOpt = False,
    config: ConfigOpt = None,
    env: EnvOpt = None,
) -> None:
    """List model-training job ids, newest first."""
    check_format(fmt)
    ids = _client(config, env, endpoint, auth, region, insecure).list_training_jobs(max_items)
    _emit({"ids": ids}, fmt, "".join(f"{i}\n" for i in ids) or "no model-training jobs\n")


@jobs_app.command("get")
def get_job(
    job_id: Annotated[str, typer.Argument(help="Model-training job id.")],
    role: Annotated[str | None, typer.Option("--neptune-iam-role-arn", help="Role for the call.")] = None,
    fmt: Format = "text",
    endpoint: EndpointOpt = None,
    auth: AuthOpt = None,
    region: RegionOpt = None,
    insecure: InsecureOpt = False,
    config: ConfigOpt = None,
    env: EnvOpt = None,
) -> None:
    """Show a model-training job's status and its processing, HPO and transform jobs."""
    check_format(fmt)
    doc = _client(config, env, endpoint, auth, region, insecure).get_training_job(job_id, role)
    _emit(doc, fmt, render_job(doc))


@jobs_app.command("stop")
def stop_job(
    job_id: Annotated[str, typer.Argument(help="Model-training job id.")],
    clean: Annotated[bool, typer.Option("--clean", help="Also delete the job's S3 artifacts.")] = False,
    role: Annotated[str | None, typer.Option("--neptune-iam-role-arn", help="Role for the call.")] = None,
    fmt: Format = "text",
    endpoint: EndpointOpt = None,
    auth: AuthOpt = None,
    region: RegionOpt = None,
    insecure: InsecureOpt = False,
    config: ConfigOpt = None,
    env: EnvOpt = None,
) -> None:
    """Stop a running model-training job (--clean deletes its artifacts)."""
    check_format(fmt)
    doc = _client(config, env, endpoint, auth, region, insecure).stop_training_job(
        job_id, clean=clean, role_arn=role
    )
    _emit(doc, fmt, f"{job_id}: {doc.get('status', 'stop requested')}{' (clean)' if clean else ''}\n")


@jobs_app.command("create")
def create_job(
    from_file: Annotated[Path, typer.Option("--from-file", help="JSON body of the create call.")],
    fmt: Format = "text",
    endpoint: EndpointOpt = None,
    auth: AuthOpt = None,
    region: RegionOpt = None,
    insecure: InsecureOpt = False,
    config: ConfigOpt = None,
    env: EnvOpt = None,
) -> None:
    """Start one model-training job from a JSON body (one-off use; not tracked in the ledger)."""
    check_format(fmt)
    try:
        body = json.loads(from_file.read_text(encoding="utf-8"))
    except OSError as e:
        raise ReconcilerError(f"{from_file}: cannot read: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise ReconcilerError(f"{from_file}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}") from None
    if not isinstance(body, dict):
        raise ReconcilerError(f"{from_file}: the body must be a JSON object")
    doc = _client(config, env, endpoint, auth, region, insecure).create_training_job(body)
    _emit(doc, fmt, f"created {doc['id']}\n")
