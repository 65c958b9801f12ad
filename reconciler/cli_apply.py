"""``reconciler apply`` and ``reconciler status``."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .apply import Executor, Outcome, check_fresh, settle
from .cli_common import (
    AuthOpt,
    ConfigOpt,
    EndpointOpt,
    EnvOpt,
    InsecureOpt,
    ParallelismOpt,
    Paths,
    RegionOpt,
    S3EndpointOpt,
    StateOpt,
    check_format,
    client_from,
    settings_from,
)
from .cli_plan import (
    LabelOpt,
    NoPreflightOpt,
    PruneOpt,
    ReplaceOpt,
    TargetOpt,
    plan_for,
)
from .errors import ReconcilerError
from .live import Live
from .observe import read_ids
from .pipeline import git_commit, open_store
from .plan import Options, Plan
from .planfile import from_json
from .render_plan import render_text, summary_line, use_colour
from .render_status import render_status, status_rows
from .state import StateStore
from .wait import wait_for

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str) -> float:
    """Seconds in ``90``, ``90s``, ``30m``, ``6h`` or ``1h30m``."""
    if text.strip().isdigit():
        return float(text)
    m = _DURATION.match(text.strip())
    if not m or not any(m.groups()):
        raise ReconcilerError(f"duration {text!r} not understood", "e.g. 90s, 30m, 6h, 1h30m")
    h, mins, s = (int(g or 0) for g in m.groups())
    return float(h * 3600 + mins * 60 + s)


def _load_saved(path: Path) -> tuple[Plan, str | None]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ReconcilerError(f"cannot read saved plan {path}: {e.strerror}") from None
    except ValueError as e:
        raise ReconcilerError(f"saved plan {path} is not JSON: {e}") from None
    return from_json(doc, str(path))


def _saved_live(client: Any, store: StateStore, saved: Plan, parallelism: int) -> Live:
    jobs = {k.removeprefix("job/") for k in saved.fingerprints if k.startswith("job/")}
    dps = {k.removeprefix("dataprocessing/") for k in saved.fingerprints if k.startswith("dataprocessing/")}
    for name in store.ledger.names():
        jobs.update(p["jobId"] for p in store.ledger.pending(name))
    roles: dict[str, str] = {}
    for a in saved.actions:
        role = (a.spec or a.applied or {}).get("neptuneIamRoleArn") or (
            (a.applied or {}).get("spec") or {}
        ).get("neptuneIamRoleArn")
        if role:
            roles.update({job: role for job in a.touches})
            if a.spec and a.spec.get("dataProcessingJobId"):
                roles[a.spec["dataProcessingJobId"]] = role
    return read_ids(client, jobs, dps, parallelism, roles)


def _confirm(plan: Plan) -> None:
    if not sys.stdin.isatty():
        raise ReconcilerError(
            "apply needs confirmation but stdin is not a terminal",
            "review the plan and pass --auto-approve (or run a saved plan with --plan FILE)",
        )
    sys.stdout.write(f"\nApply these changes ({summary_line(plan)})? Only 'yes' is accepted: ")
    sys.stdout.flush()
    if sys.stdin.readline().strip() != "yes":
        raise ReconcilerError("apply cancelled; nothing was changed")


def apply_command(
    paths: Paths = None,
    endpoint: EndpointOpt = None,
    auth: AuthOpt = None,
    region: RegionOpt = None,
    insecure: InsecureOpt = False,
    state: StateOpt = None,
    s3_endpoint: S3EndpointOpt = None,
    config: ConfigOpt = None,
    env: EnvOpt = None,
    label: LabelOpt = None,
    target: TargetOpt = None,
    replace: ReplaceOpt = None,
    prune: PruneOpt = False,
    parallelism: ParallelismOpt = 16,
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="Do not ask for confirmation.")
    ] = False,
    wait: Annotated[bool, typer.Option("--wait", help="Poll started jobs until they finish.")] = False,
    timeout: Annotated[str, typer.Option("--timeout", help="Give up waiting after this long.")] = "6h",
    max_stops: Annotated[int, typer.Option("--max-stops", min=0, help="Most jobs one run may stop.")] = 5,
    plan_file: Annotated[Path | None, typer.Option("--plan", help="Run this saved plan exactly.")] = None,
    poll_interval: Annotated[float, typer.Option("--poll-interval", help="Seconds between polls.")] = 5.0,
    lock_timeout: Annotated[
        str, typer.Option("--lock-timeout", help="Wait this long for another apply's lock (e.g. 5m).")
    ] = "0s",
    no_s3_preflight: NoPreflightOpt = False,
) -> None:
    """Make the cluster match the manifests: create, update and stop training jobs."""
    wait_seconds = parse_duration(timeout)
    settings = settings_from(config, env, endpoint, auth, region, insecure, state, s3_endpoint)
    client = client_from(settings, parallelism)
    store = open_store(settings)
    saved: Plan | None = None
    if plan_file is not None:
        saved, saved_state = _load_saved(plan_file)
        if saved_state and saved_state != settings.state:
            raise ReconcilerError(
                f"the saved plan was made against state {saved_state}, not {settings.state}",
                "pass the same --state (or RECONCILER_STATE) the plan used",
            )
    out = sys.stdout
    with store.held("apply", plan=str(plan_file or "fresh plan"), wait=parse_duration(lock_timeout)):
        if saved is not None:
            ledger = store.load()
            live = _saved_live(client, store, saved, parallelism)
            check_fresh(saved, ledger.serial, ledger.lineage if ledger.exists else None, live)
            plan = saved
        else:
            options = Options(replace=frozenset(replace or []), prune=prune)
            run = plan_for(
                settings, paths, target, label, options, parallelism, no_s3_preflight, store, client
            )
            plan, live = run.plan, run.live
        render_text(plan, out, state=store.location)
        if plan.has_changes and not auto_approve and saved is None:
            _confirm(plan)
        for note in settle(store, live):
            out.write(f"{note}\n")
        if not plan.has_changes:
            store.compact()
            waiting = plan.summary()["wait"]
            if waiting:
                out.write(f"\nNothing to do now: {waiting} manifest(s) waiting (see above).\n")
            else:
                out.write("\nNo changes. The cluster matches the manifests.\n")
            raise typer.Exit(0)
        out.write("\n")
        outcomes = Executor(store, client, git_commit()).run(
            plan, parallelism=parallelism, max_stops=max_stops, report=lambda o: _report(o, out)
        )
    failed = [o for o in outcomes if not o.ok and o.action != "blocked"]
    blocked = [o for o in outcomes if o.action == "blocked"]
    done = [o for o in outcomes if o.ok and o.action != "wait"]
    tail = f", {len(blocked)} blocked" if blocked else ""
    out.write(f"\nApply complete: {len(done)} succeeded, {len(failed)} failed{tail}.\n")
    started = [(o.name, str(o.started), _role(plan, o.name)) for o in outcomes if o.ok and o.started]
    bad_jobs: list[str] = []
    if wait and started:
        out.write(f"Waiting for {len(started)} job(s) (timeout {timeout})...\n")
        views = wait_for(
            client, started, out, timeout=wait_seconds, interval=poll_interval, tty=use_colour(out)
        )
        bad_jobs = [job for job, v in views.items() if v is None or v.status != "Completed"]
        for job in bad_jobs:
            view = views[job]
            why = f": {view.failure_reason}" if view and view.failure_reason else ""
            out.write(f"{job} ended {view.status if view else 'Missing'}{why}\n")
        if not bad_jobs:
            out.write("All started jobs Completed.\n")
    if failed or blocked or bad_jobs:
        raise typer.Exit(1)


def _report(outcome: Outcome, out: Any) -> None:
    out.write(outcome.line() + "\n")
    out.flush()


def _role(plan: Plan, name: str) -> str | None:
    action = plan.action_for(name)
    return (action.spec or {}).get("neptuneIamRoleArn") if action else None


def status_command(
    paths: Paths = None,
    endpoint: EndpointOpt = None,
    auth: AuthOpt = None,
    region: RegionOpt = None,
    insecure: InsecureOpt = False,
    state: StateOpt = None,
    s3_endpoint: S3EndpointOpt = None,
    config: ConfigOpt = None,
    env: EnvOpt = None,
    label: LabelOpt = None,
    target: TargetOpt = None,
    parallelism: ParallelismOpt = 16,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    no_s3_preflight: NoPreflightOpt = False,
) -> None:
    """Git against reality: each manifest's job, its live status and what apply would do."""
    check_format(fmt)
    settings = settings_from(config, env, endpoint, auth, region, insecure, state, s3_endpoint)
    run = plan_for(settings, paths, target, label, Options(), parallelism, no_s3_preflight)
    rows = status_rows(run)
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    else:
        render_status(rows, sys.stdout)
