"""``reconciler plan``: what apply would do. Exit 0 in sync, 2 changes to make, 1 error."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..core.model import Options
from ..errors import ReconcilerError
from ..render import Format, plan_renderer

if TYPE_CHECKING:
    from ..engine.workflow import PlanRun
from .options import (
    CONFIG,
    NEPTUNE,
    STATE,
    Connection,
    FormatOpt,
    Scope,
    connected,
    planning,
    scoped,
)


@connected(NEPTUNE, STATE, CONFIG)
@scoped
@planning
def plan_command(
    conn: Connection,
    scope: Scope,
    options: Options,
    out: Annotated[
        Path | None, typer.Option("--out", metavar="FILE", help="Save the plan for `apply --plan`.")
    ] = None,
    fmt: FormatOpt = Format.TEXT,
) -> None:
    """Show what apply would do. Exit 0 in sync, 2 changes to make, 1 error; changes nothing.

    Examples:

    $ reconciler plan

    $ reconciler plan --format markdown --out plan.json

    $ reconciler plan --prune specs/team

    $ reconciler plan --replace fraud-rgcn
    """
    settings = conn.settings()
    run = scope.plan(settings, options, dirty_check=True)
    plan_renderer(fmt)(run.plan, sys.stdout, settings.state)
    if out is not None:
        save(run, out, settings.state)
    raise typer.Exit(2 if run.plan.has_changes else 0)


def save(run: PlanRun, out: Path, state: str) -> None:
    """Write the plan as JSON for ``apply --plan`` (atomically: a torn plan is never run)."""
    from ..engine.planfile import to_json
    from ..state.local import write_atomic

    doc = to_json(run.plan, state_location=state)
    try:
        write_atomic(out, (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode())
    except OSError as e:
        raise ReconcilerError(f"cannot write the plan to {out}: {e.strerror}") from None
    sys.stderr.write(f"saved plan to {out}; run it with `reconciler apply --plan {out}`\n")
