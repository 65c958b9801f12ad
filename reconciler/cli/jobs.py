"""``reconciler jobs``: the API's operations, for operators (no ledger involved): model training,
and ``jobs <command>`` for every other kind's resource (``jobs dataprocessing``, ``jobs endpoints``…)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..core.kinds import KINDS, TRAINING, Kind
from ..errors import ReconcilerError
from ..render import DataFormat

if TYPE_CHECKING:
    from ..neptune import NeptuneClient
from .classes import Command, command_group
from .options import CONFIG, NEPTUNE, Connection, DataFormatOpt, client_from, connected

RoleOpt = Annotated[
    str | None,
    typer.Option(
        "--neptune-iam-role-arn", metavar="ARN", help="Role for the call (when the cluster has no default)."
    ),
]
MaxItemsOpt = Annotated[int, typer.Option("--max-items", metavar="N", help="1 to 1024.")]
jobs_app = command_group("Imperative calls: model-training jobs, data processing, endpoints.")


def _client(conn: Connection) -> NeptuneClient:
    return client_from(conn.settings(), pool_size=8)


def _emit(doc: Any, fmt: DataFormat, text: str) -> None:
    sys.stdout.write(json.dumps(doc, indent=2) + "\n" if fmt is DataFormat.JSON else text)


@jobs_app.command("list", cls=Command)
@connected(NEPTUNE, CONFIG)
def list_jobs(
    conn: Connection,
    max_items: MaxItemsOpt = 10,
    role: RoleOpt = None,
    fmt: DataFormatOpt = DataFormat.TEXT,
) -> None:
    """List model-training jobs (the service lists the active ones) with each one's status.

    Example: reconciler jobs list --format json | jq -r '.jobs[] | select(.status=="Failed") | .id'
    """
    from ..engine.observe import read_jobs
    from ..render.job import job_rows, render_job_table

    client = _client(conn)
    ids = client.list_training_jobs(max_items, role)
    rows = job_rows(ids, read_jobs(client, ids, role, TRAINING.resource))
    _emit({"ids": ids, "jobs": rows}, fmt, render_job_table(rows))


@jobs_app.command("get", cls=Command)
@connected(NEPTUNE, CONFIG)
def get_job(
    conn: Connection,
    job_id: Annotated[str, typer.Argument(metavar="JOB_ID", help="Model-training job id.")],
    role: RoleOpt = None,
    fmt: DataFormatOpt = DataFormat.TEXT,
) -> None:
    """Show a model-training job's status and its processing, HPO and transform jobs."""
    from ..render.job import render_job

    doc = _client(conn).get_training_job(job_id, role)
    _emit(doc, fmt, render_job(doc))


@jobs_app.command("stop", cls=Command)
@connected(NEPTUNE, CONFIG)
def stop_job(
    conn: Connection,
    job_id: Annotated[str, typer.Argument(metavar="JOB_ID", help="Model-training job id.")],
    clean: Annotated[
        bool, typer.Option("--clean", metavar="", help="Also delete the job's S3 artifacts.")
    ] = False,
    role: RoleOpt = None,
    fmt: DataFormatOpt = DataFormat.TEXT,
) -> None:
    """Stop a running model-training job (--clean deletes its artifacts)."""
    doc = _client(conn).stop_training_job(job_id, clean=clean, role_arn=role)
    _emit(doc, fmt, f"{job_id}: {doc.get('status', 'stop requested')}{' (clean)' if clean else ''}\n")


@jobs_app.command("create", cls=Command)
@connected(NEPTUNE, CONFIG)
def create_job(
    conn: Connection,
    from_file: Annotated[
        Path, typer.Option("--from-file", metavar="BODY.json", help="JSON body of the create call.")
    ],
    fmt: DataFormatOpt = DataFormat.TEXT,
) -> None:
    """Start one model-training job from a JSON body (one-off use; not tracked in the ledger)."""
    try:
        body = json.loads(from_file.read_text(encoding="utf-8"))
    except OSError as e:
        raise ReconcilerError(f"{from_file}: cannot read: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise ReconcilerError(f"{from_file}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}") from None
    if not isinstance(body, dict):
        raise ReconcilerError(f"{from_file}: the body must be a JSON object")
    doc = _client(conn).create_training_job(body)
    _emit(doc, fmt, f"created {doc['id']}\n")


IdArg = Annotated[str, typer.Argument(metavar="ID", help="Its id.")]
CleanOpt = Annotated[bool, typer.Option("--clean", metavar="", help="Also delete its S3 artifacts.")]


def _resource_commands(kind: Kind) -> typer.Typer:
    """``list``, ``get`` and ``stop`` (``delete`` for endpoints) of one more kind's API resource."""
    resource, what, remove = kind.resource, kind.noun, kind.removal
    sub = command_group(f"Imperative {what} calls (no ledger involved).")

    @sub.command("list", cls=Command)
    @connected(NEPTUNE, CONFIG)
    def list_ids(
        conn: Connection,
        max_items: MaxItemsOpt = 10,
        role: RoleOpt = None,
        fmt: DataFormatOpt = DataFormat.TEXT,
    ) -> None:
        """List the ids the service returns, each with its status."""
        from ..engine.observe import read_jobs
        from ..render.style import clean

        client = _client(conn)
        ids = client.list_ids(resource, max_items, role)
        views = read_jobs(client, ids, role, resource)
        rows = [{"id": i, "status": v.status if (v := views.get(i)) else "NotFound"} for i in ids]
        text = "".join(f"{clean(r['id'])}  {r['status']}\n" for r in rows) or f"no {what}s listed\n"
        _emit({"ids": ids, "items": rows}, fmt, text)

    @sub.command("get", cls=Command)
    @connected(NEPTUNE, CONFIG)
    def get_one(
        conn: Connection,
        item_id: IdArg,
        role: RoleOpt = None,
        fmt: DataFormatOpt = DataFormat.TEXT,
    ) -> None:
        """Show its status (and any failure)."""
        from ..render.job import render_job

        doc = _client(conn).get(resource, item_id, role)
        _emit(doc, fmt, render_job(doc))

    @sub.command(remove, cls=Command)
    @connected(NEPTUNE, CONFIG)
    def remove_one(
        conn: Connection,
        item_id: IdArg,
        clean_: CleanOpt = False,
        role: RoleOpt = None,
        fmt: DataFormatOpt = DataFormat.TEXT,
    ) -> None:
        """Stop it (an endpoint: delete it); --clean deletes its artifacts."""
        doc = _client(conn).stop(resource, item_id, clean=clean_, role_arn=role)
        _emit(
            doc, fmt, f"{item_id}: {doc.get('status', remove + ' requested')}{' (clean)' if clean_ else ''}\n"
        )

    return sub


for _kind in KINDS:
    if _kind.command:
        jobs_app.add_typer(_resource_commands(_kind), name=_kind.command)
