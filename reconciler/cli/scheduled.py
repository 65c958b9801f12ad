"""``reconciler pass``: one bounded, auto-approved step for a scheduler, with an exit code it can
act on (the workflow lives in ``engine/scheduled.py``)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ..core.model import Options
from ..errors import UsageError
from .apply import text_view
from .options import CONFIG, NEPTUNE, STATE, Connection, Scope, client_from, connected, planning, scoped


@connected(NEPTUNE, STATE, CONFIG)
@scoped
@planning
def pass_command(
    conn: Connection,
    scope: Scope,
    options: Options,
    max_stops: Annotated[
        int, typer.Option("--max-stops", metavar="N", min=0, help="Most jobs one pass may stop.")
    ] = 5,
) -> None:
    """One pass for a scheduler: plan, apply what is ready now, record, exit; never waits.

    Auto-approved. The last line says what it came to: converged, progressing (it acted, or
    something is still running), busy (another run holds the state lock: nothing done), blocked
    or failed. Exit 0 for the first three, 1 when a person is needed. Calling it again and
    again reaches what `apply --converge` reaches.

    Examples:

    $ reconciler pass

    $ reconciler pass specs/team -l team=risk
    """
    from ..engine.scheduled import run_pass
    from ..engine.workflow import ApplyRequest

    if options.replace:
        raise UsageError(
            "--replace is one act, not a schedule's: every pass would replace again",
            "run `reconciler apply --replace NAME` once",
        )
    settings = conn.settings()
    client = client_from(settings, scope.parallelism)
    request = ApplyRequest(
        selection=scope.selection, options=options, parallelism=scope.parallelism, max_stops=max_stops,
        s3_check=not scope.no_s3_preflight,
    )  # fmt: skip
    done = run_pass(client, settings, request, text_view(sys.stdout))
    sys.stdout.write(f"\npass {done.summary}\n")
    if done.needs_a_person:
        raise typer.Exit(1)
