"""``reconciler state show|rm|lock|unlock`` and ``reconciler import``: the ledger by hand."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from .cli_common import (
    AuthOpt,
    ConfigOpt,
    EndpointOpt,
    EnvOpt,
    Format,
    InsecureOpt,
    Paths,
    RegionOpt,
    S3EndpointOpt,
    StateOpt,
    check_format,
    client_from,
    settings_from,
)
from .errors import ReconcilerError, StateError
from .identity import spec_hash
from .pipeline import Selection, git_commit, load_desired, open_store
from .state import StateStore, describe_lease, holder_gone, now_iso

state_app = typer.Typer(no_args_is_help=True, help="Inspect and repair the ledger.")


def _store(
    config: str | None, env: str | None, state: str | None, region: str | None, s3_endpoint: str | None
) -> StateStore:
    settings = settings_from(config, env, None, None, region, False, state, s3_endpoint)
    return open_store(settings)


@state_app.command("show")
def show(
    fmt: Format = "text",
    state: StateOpt = None,
    region: RegionOpt = None,
    s3_endpoint: S3EndpointOpt = None,
    config: ConfigOpt = None,
    env: EnvOpt = None,
) -> None:
    """Print the ledger: every manifest's generations and pending intents."""
    check_format(fmt)
    store = _store(config, env, state, region, s3_endpoint)
    ledger = store.load()
    if fmt == "json":
        sys.stdout.write(json.dumps(ledger.data, indent=2, sort_keys=True) + "\n")
        return
    if not ledger.exists:
        sys.stdout.write(f"no ledger at {store.location} yet\n")
        return
    sys.stdout.write(f"ledger {store.location} · serial {ledger.serial} · lineage {ledger.lineage}\n")
    for name in ledger.names():
        gens = ledger.generations(name)
        sys.stdout.write(f"\n{name}\n")
        for g in gens:
            flags = [g["action"]]
            if g["spec"].get("previousModelTrainingJobId"):
                flags.append(f"from {g['spec']['previousModelTrainingJobId']}")
            if g.get("finalStatus"):
                flags.append(g["finalStatus"])
            if g.get("stopped"):
                flags.append("stopped by reconciler")
            sys.stdout.write(f"  {g['jobId']}  {', '.join(flags)}  {g['appliedAt']}\n")
        for p in ledger.pending(name):
            sys.stdout.write(f"  pending {p['op']} {p['jobId']} since {p['at']}\n")


@state_app.command("rm")
def rm(
    name: Annotated[str, typer.Argument(help="Manifest name to forget.")],
    state: StateOpt = None,
    region: RegionOpt = None,
    s3_endpoint: S3EndpointOpt = None,
    config: ConfigOpt = None,
    env: EnvOpt = None,
) -> None:
    """Forget a manifest's jobs without touching the cluster."""
    store = _store(config, env, state, region, s3_endpoint)
    with store.held(f"state rm {name}"):
        ledger = store.load()
        if ledger.resource(name) is None:
            raise StateError(f"{name!r} is not in the ledger", "see `reconciler state show`")
        jobs = [g["jobId"] for g in ledger.generations(name)]
        store.commit("forget", name)
        store.compact()
    sys.stdout.write(f"forgot {name} ({len(jobs)} job(s) left untouched on the cluster)\n")


@state_app.command("lock")
def lock_show(
    state: StateOpt = None,
    region: RegionOpt = None,
    s3_endpoint: S3EndpointOpt = None,
    config: ConfigOpt = None,
    env: EnvOpt = None,
) -> None:
    """Show who holds the state lock, if anyone."""
    store = _store(config, env, state, region, s3_endpoint)
    held = store.read_lock()
    if held is None:
        sys.stdout.write(f"{store.location}: not locked\n")
    else:
        sys.stdout.write(f"{store.location}: locked by {describe_lease(held)}\n")
        if held.get("plan"):
            sys.stdout.write(f"plan: {held['plan']}\n")


@state_app.command("unlock")
def unlock(
    force: Annotated[bool, typer.Option("--force", help="Break a lease that has not expired.")] = False,
    state: StateOpt = None,
    region: RegionOpt = None,
    s3_endpoint: S3EndpointOpt = None,
    config: ConfigOpt = None,
    env: EnvOpt = None,
) -> None:
    """Break the state lock left by an apply that died."""
    import time

    store = _store(config, env, state, region, s3_endpoint)
    held = store.read_lock()
    if held is None:
        sys.stdout.write(f"{store.location}: not locked\n")
        return
    if float(held.get("expires", 0)) > time.time() and not force and not holder_gone(held):
        raise StateError(
            f"the lock is held by {describe_lease(held)} and has not expired",
            "make sure that apply is dead, then `reconciler state unlock --force`",
        )
    store.force_unlock()
    sys.stdout.write(f"unlocked {store.location} (was {describe_lease(held)})\n")


def import_command(
    name: Annotated[str, typer.Argument(help="Manifest name.")],
    job_id: Annotated[str, typer.Argument(help="Existing model-training job to adopt.")],
    paths: Paths = None,
    endpoint: EndpointOpt = None,
    auth: AuthOpt = None,
    region: RegionOpt = None,
    insecure: InsecureOpt = False,
    state: StateOpt = None,
    s3_endpoint: S3EndpointOpt = None,
    config: ConfigOpt = None,
    env: EnvOpt = None,
) -> None:
    """Adopt an existing job as a manifest's current generation (after checking it exists)."""
    settings = settings_from(config, env, endpoint, auth, region, insecure, state, s3_endpoint)
    desired = {d.name: d for d in load_desired(Selection(tuple(paths or ["specs/"])), settings)}
    if name not in desired:
        raise ReconcilerError(f"no manifest named {name!r}", "import needs the manifest the job belongs to")
    d = desired[name]
    doc = client_from(settings, 2).get_training_job(job_id, d.spec.get("neptuneIamRoleArn"))
    store = open_store(settings)
    with store.held(f"import {name} {job_id}"):
        ledger = store.load()
        if job_id in ledger.job_ids():
            raise StateError(f"job {job_id} is already in the ledger")
        generation = {
            "jobId": job_id, "specHash": spec_hash(d.spec), "spec": dict(d.spec), "action": "import",
            "appliedAt": now_iso(), "commit": git_commit(),
        }  # fmt: skip
        applied = {**d.applied_view(), "appliedAt": now_iso(), "commit": git_commit()}
        store.commit("adopt", name, jobId=job_id, generation=generation, applied=applied)
        store.compact()
    sys.stdout.write(f"imported {job_id} ({doc.get('status', '?')}) as the current job of {name}\n")
