"""``reconciler state show|rm|lock|unlock`` and ``reconciler import``: the ledger by hand."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import ReconcilerError, StateError
from ..render import DataFormat

if TYPE_CHECKING:
    from ..state import StateStore
from .classes import Command, command_group
from .options import (
    CONFIG,
    NEPTUNE,
    STATE,
    Connection,
    DataFormatOpt,
    Paths,
    Scope,
    client_from,
    connected,
    scoped,
)

state_app = command_group("Inspect and repair the ledger.")


def _store(conn: Connection) -> StateStore:
    from ..engine.workflow import open_store

    return open_store(conn.settings())


@state_app.command("show", cls=Command)
@connected(STATE, CONFIG)
def show(conn: Connection, fmt: DataFormatOpt = DataFormat.TEXT) -> None:
    """Print the ledger: every manifest's generations and pending intents."""
    from ..render.ledger import render_ledger

    store = _store(conn)
    ledger = store.load()
    if fmt is DataFormat.JSON:
        sys.stdout.write(json.dumps(ledger.data, indent=2, sort_keys=True) + "\n")
        return
    render_ledger(ledger, store.location, sys.stdout)


@state_app.command("rebuild", cls=Command)
@connected(NEPTUNE, STATE, CONFIG)
@scoped
def rebuild(conn: Connection, scope: Scope) -> None:
    """Record in the ledger the jobs the cluster holds for manifests it does not know (a lost
    ledger): each manifest's newest job of its current spec is adopted; nothing is started."""
    from ..engine.rebuild import run_rebuild

    settings = conn.settings()
    client = client_from(settings, scope.parallelism)
    findings = run_rebuild(client, settings, scope.selection, parallelism=scope.parallelism)
    for f in findings:
        sys.stdout.write(f"{f.name}: {f.note}\n")
    adopted = sum(1 for f in findings if f.adopted)
    sys.stdout.write(f"\nRebuild complete: {adopted} adopted, {len(findings) - adopted} unchanged.\n")


@state_app.command("rm", cls=Command)
@connected(STATE, CONFIG)
def rm(
    conn: Connection, name: Annotated[str, typer.Argument(metavar="NAME", help="Manifest name to forget.")]
) -> None:
    """Forget a manifest's jobs without touching the cluster."""
    from ..core.records import JournalOp

    store = _store(conn)
    with store.held(f"state rm {name}"):
        ledger = store.load()
        if ledger.resource(name) is None:
            raise StateError(f"{name!r} is not in the ledger", "see `reconciler state show`")
        jobs = [g["jobId"] for g in ledger.generations(name)]
        store.commit(JournalOp.FORGET, name)
        store.compact()
    sys.stdout.write(f"forgot {name} ({len(jobs)} job(s) left untouched on the cluster)\n")


@state_app.command("lock", cls=Command)
@connected(STATE, CONFIG)
def lock_show(conn: Connection) -> None:
    """Show who holds the state lock, if anyone."""
    from ..state import describe_lease

    store = _store(conn)
    held = store.read_lock()
    if held is None:
        sys.stdout.write(f"{store.location}: not locked\n")
    else:
        sys.stdout.write(f"{store.location}: locked by {describe_lease(held, store.lock_age())}\n")
        if held.get("plan"):
            sys.stdout.write(f"plan: {held['plan']}\n")


@state_app.command("unlock", cls=Command)
@connected(STATE, CONFIG)
def unlock(
    conn: Connection,
    force: Annotated[
        bool, typer.Option("--force", metavar="", help="Break a lease that has not expired.")
    ] = False,
) -> None:
    """Break the state lock left by an apply that died."""
    from ..state import describe_lease, holder_gone
    from ..state.lease import expired

    store = _store(conn)
    held = store.read_lock()
    if held is None:
        sys.stdout.write(f"{store.location}: not locked\n")
        return
    age = store.lock_age()
    if not expired(held, age) and not force and not holder_gone(held):
        raise StateError(
            f"the lock is held by {describe_lease(held, age)} and has not expired",
            "make sure that apply is dead, then `reconciler state unlock --force`",
        )
    store.force_unlock()
    sys.stdout.write(f"unlocked {store.location} (was {describe_lease(held, age)})\n")


@connected(NEPTUNE, STATE, CONFIG)
def import_command(
    conn: Connection,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Manifest name.")],
    job_id: Annotated[
        str,
        typer.Argument(metavar="JOB_ID", help="Existing job (or endpoint) of the manifest's kind to adopt."),
    ],
    paths: Paths = None,
) -> None:
    """Adopt an existing job (data processing, training) or endpoint as a manifest's current one.

    The id is checked with a GET on the manifest's resource first. An imported endpoint is
    updated by the next apply to serve what git says (its GET does not say what it serves).

    Example: reconciler import fraud-endpoint my-old-endpoint
    """
    from ..engine.rebuild import record_existing
    from ..engine.workflow import Selection, git_commit, load_desired, open_store

    settings = conn.settings()
    desired = {d.name: d for d in load_desired(Selection(tuple(paths or ["specs/"])), settings)[0]}
    if name not in desired:
        raise ReconcilerError(f"no manifest named {name!r}", "import needs the manifest the job belongs to")
    d = desired[name]
    doc = client_from(settings, 2).get(d.kind.resource, job_id, d.spec.get("neptuneIamRoleArn"))
    store = open_store(settings)
    with store.held(f"import {name} {job_id}"):
        store.load()
        record_existing(store, d, job_id, "import", git_commit())
        store.compact()
    sys.stdout.write(f"imported {job_id} ({doc.get('status', '?')}) as the current job of {name}\n")
