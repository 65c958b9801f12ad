"""``reconciler plan`` and the options it shares with apply and status."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

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
from .config import Settings
from .errors import ReconcilerError
from .neptune import NeptuneClient
from .pipeline import PlanRun, Selection, parse_selector, run_plan
from .plan import Options
from .planfile import to_json
from .render_plan import render_json, render_markdown, render_text
from .state import StateStore
from .state.local import write_atomic

LabelOpt = Annotated[
    list[str] | None, typer.Option("--label", "-l", help="Only manifests with label key=value.")
]
TargetOpt = Annotated[list[str] | None, typer.Option("--target", help="Only this manifest (repeatable).")]
ReplaceOpt = Annotated[
    list[str] | None, typer.Option("--replace", help="Force a full retrain of NAME (repeatable).")
]
PruneOpt = Annotated[bool, typer.Option("--prune", help="Stop or forget jobs whose manifest was removed.")]
NoPreflightOpt = Annotated[
    bool, typer.Option("--no-s3-preflight", help="Skip checking custom-model sources in S3.")
]


def selection_for(paths: list[str] | None, target: list[str] | None, label: list[str] | None) -> Selection:
    return Selection(tuple(paths or ["specs/"]), frozenset(target or []), parse_selector(label))


def plan_for(
    settings: Settings,
    paths: list[str] | None,
    target: list[str] | None,
    label: list[str] | None,
    options: Options,
    parallelism: int,
    no_s3_preflight: bool,
    store: StateStore | None = None,
    client: NeptuneClient | None = None,
) -> PlanRun:
    """Observe and plan for the selection the command-line options describe."""
    return run_plan(
        client or client_from(settings, parallelism),
        settings,
        selection_for(paths, target, label),
        options,
        parallelism=parallelism,
        s3_check=not no_s3_preflight,
        store=store,
    )


def plan_command(
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
    out: Annotated[Path | None, typer.Option("--out", help="Save the plan for `apply --plan`.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, json or markdown.")] = "text",
    no_s3_preflight: NoPreflightOpt = False,
) -> None:
    """Show what apply would do. Exit 0 in sync, 2 changes to make, 1 error; changes nothing."""
    check_format(fmt, ("text", "json", "markdown"))
    settings = settings_from(config, env, endpoint, auth, region, insecure, state, s3_endpoint)
    options = Options(replace=frozenset(replace or []), prune=prune)
    run = plan_for(settings, paths, target, label, options, parallelism, no_s3_preflight)
    show(run, fmt, settings.state)
    if out is not None:
        save(run, out, settings.state)
    raise typer.Exit(2 if run.plan.has_changes else 0)


def show(run: PlanRun, fmt: str, state: str) -> None:
    if fmt == "json":
        render_json(run.plan, sys.stdout, state=state)
    elif fmt == "markdown":
        render_markdown(run.plan, sys.stdout)
    else:
        render_text(run.plan, sys.stdout, state=state)


def save(run: PlanRun, out: Path, state: str) -> None:
    doc = to_json(run.plan, state_location=state)
    try:
        write_atomic(out, (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode())
    except OSError as e:
        raise ReconcilerError(f"cannot write the plan to {out}: {e.strerror}") from None
    sys.stderr.write(f"saved plan to {out}; run it with `reconciler apply --plan {out}`\n")
