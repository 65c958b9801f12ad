"""``reconciler apply`` and ``reconciler status``: thin commands over the engine's workflows."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TextIO

import typer

if TYPE_CHECKING:  # the engine is imported when a command runs, not when the CLI starts
    from ..core.live import JobView
    from ..engine.converge import ConvergeResult
    from ..engine.wait import Watched
    from ..engine.workflow import ApplyRequest, ApplyView
    from ..manifests.config import Settings
    from ..neptune import NeptuneClient

from ..core.model import Options, Plan
from ..errors import ReconcilerError
from ..render import StatusFormat
from .options import (
    CONFIG,
    NEPTUNE,
    STATE,
    Connection,
    RefreshAllOpt,
    Scope,
    StatusFormatOpt,
    client_from,
    connected,
    parse_duration,
    planning,
    scoped,
)


def text_view(out: TextIO, confirm: Callable[[Plan], None] | None = None) -> ApplyView:
    """How apply (and pass) talk on a terminal or in a log: the text plan, a line per outcome."""
    from ..engine.workflow import ApplyView
    from ..render.apply import render_outcome
    from ..render.plan import render_text

    return ApplyView(
        show=lambda plan, state: render_text(plan, out, state=state),
        report=lambda outcome: render_outcome(outcome, out),
        say=lambda text: print(text, file=out),
        confirm=confirm,
    )


def _confirm(plan: Plan) -> None:
    from ..render.plan import summary_line

    if not sys.stdin.isatty():
        raise ReconcilerError(
            "apply needs confirmation but stdin is not a terminal",
            "review the plan and pass --auto-approve (or run a saved plan with --plan FILE)",
        )
    sys.stdout.write(f"\nApply these changes ({summary_line(plan)})? Only 'yes' is accepted: ")
    sys.stdout.flush()
    if sys.stdin.readline().strip() != "yes":
        raise ReconcilerError("apply cancelled; nothing was changed")


AutoApproveOpt = Annotated[
    bool, typer.Option("--auto-approve", metavar="", help="Do not ask for confirmation.")
]
WaitOpt = Annotated[bool, typer.Option("--wait", metavar="", help="Poll started jobs until they finish.")]
ConvergeOpt = Annotated[
    bool,
    typer.Option(
        "--converge",
        metavar="",
        help="Plan, apply and wait in rounds until in sync (data → model → endpoint), blocked or --timeout.",
    ),
]
TimeoutOpt = Annotated[
    str, typer.Option("--timeout", metavar="DURATION", help="Give up waiting after this long.")
]
MaxStopsOpt = Annotated[
    int, typer.Option("--max-stops", metavar="N", min=0, help="Most jobs one run may stop.")
]
PlanFileOpt = Annotated[
    Path | None, typer.Option("--plan", metavar="FILE", help="Run this saved plan exactly.")
]
PollOpt = Annotated[
    str, typer.Option("--poll-interval", metavar="DURATION", help="Time between polls (e.g. 5s, 500ms).")
]
LockTimeoutOpt = Annotated[
    str,
    typer.Option(
        "--lock-timeout", metavar="DURATION", help="Wait this long for another apply's lock (e.g. 5m)."
    ),
]


def _held_by(reason: str) -> str:
    """What holds a promotion, from its reason: the gate's numbers, or the manual policy."""
    if "held by " not in reason:
        return "policy.promote: manual"
    return reason.rpartition("held by ")[2].partition("; the gate")[0]


@connected(NEPTUNE, STATE, CONFIG)
@scoped
@planning
def apply_command(
    conn: Connection,
    scope: Scope,
    options: Options,
    auto_approve: AutoApproveOpt = False,
    wait: WaitOpt = False,
    converge: ConvergeOpt = False,
    timeout: TimeoutOpt = "6h",
    max_stops: MaxStopsOpt = 5,
    plan_file: PlanFileOpt = None,
    poll_interval: PollOpt = "5s",
    lock_timeout: LockTimeoutOpt = "0s",
) -> None:
    """Make the cluster match the manifests: start data-processing, training and transform jobs, create and
    update endpoints, stop or delete what was pruned or suspended.

    Examples:

    $ reconciler apply

    $ reconciler apply --auto-approve --wait --timeout 6h

    $ reconciler apply --plan plan.json

    $ reconciler apply --prune --max-stops 2

    $ reconciler apply --auto-approve --converge --timeout 2h

    $ reconciler apply --promote fraud-endpoint
    """
    from ..engine.workflow import ApplyRequest, run_apply, wait_started
    from ..render.apply import render_summary, render_waited
    from ..render.progress import display_for
    from ..render.style import use_colour

    wait_seconds, poll = (
        parse_duration(timeout, "--timeout"),
        parse_duration(poll_interval, "--poll-interval"),
    )
    settings = conn.settings()
    client = client_from(settings, scope.parallelism)
    request = ApplyRequest(
        selection=scope.selection,
        options=options,
        parallelism=scope.parallelism, max_stops=max_stops, s3_check=not scope.no_s3_preflight,
        plan_file=plan_file, lock_wait=parse_duration(lock_timeout, "--lock-timeout"),
    )  # fmt: skip
    out = sys.stdout
    view = text_view(out, confirm=None if auto_approve else _confirm)
    if converge:
        if plan_file is not None:
            raise ReconcilerError(
                "--converge plans afresh each round; it can't run a saved plan",
                "drop --plan, or drop --converge to run the saved plan once",
            )
        _converge(client, settings, request, view, wait_seconds, poll)
        return
    try:
        result = run_apply(client, settings, request, view)
    except KeyboardInterrupt:
        _interrupted("during apply; jobs it had started keep running on the cluster")
    render_summary(result, out)
    bad_jobs: list[str] = []
    if wait and result.started:
        try:
            out.write(f"Waiting for {len(result.started)} job(s) (timeout {timeout})...\n")
            display = display_for(result.started, out, tty=use_colour(out), hpo=result.hpo_totals)
            views = wait_started(
                client, result, display, timeout=wait_seconds, interval=poll, workers=scope.parallelism
            )
        except KeyboardInterrupt:
            running = ", ".join(w.job for w in result.started)
            _interrupted(f"while waiting; these jobs keep running on the cluster: {running}")
        names = {w.job: w.name for w in result.started}
        bad_jobs = render_waited(views, names, out, sys.stderr)
    if result.failed or result.blocked or bad_jobs:
        raise typer.Exit(1)


def _converge(
    client: NeptuneClient,
    settings: Settings,
    request: ApplyRequest,
    view: ApplyView,
    timeout: float,
    poll: float,
) -> None:
    """``apply --converge``: rounds of apply and wait; exit 0 in sync, 1 blocked, failed or timed out."""
    from ..engine.converge import run_converge
    from ..engine.wait import WaitTimeout
    from ..engine.workflow import ApplyResult, wait_started
    from ..render.apply import render_summary
    from ..render.plan import render_text
    from ..render.progress import display_for
    from ..render.style import use_colour

    out = sys.stdout
    rounds_shown = [0]

    def show(plan: Plan, state: str) -> None:
        """The first round's plan whole; later rounds only what changes (the summary counts all)."""
        render_text(plan, out, state=state, quiet_in_sync=rounds_shown[0] > 0)
        rounds_shown[0] += 1

    view = dataclasses.replace(view, show=show)

    def wait(
        result: ApplyResult, watched: Sequence[Watched], wake: frozenset[str], left: float
    ) -> dict[str, JobView | None] | None:
        started = len(result.started)
        if started:
            render_summary(result, out)
        out.write(waiting_line(started, len(watched) - started) + "\n")
        display = display_for(watched, out, tty=use_colour(out), hpo=result.hpo_totals)
        try:
            return wait_started(
                client, result, display, timeout=left, interval=poll, workers=request.parallelism,
                jobs=watched, wake=wake,
            )  # fmt: skip
        except WaitTimeout:
            return None

    try:
        done = run_converge(client, settings, request, view, timeout=timeout, interval=poll, wait=wait)
    except KeyboardInterrupt:
        _interrupted("during --converge; jobs it had started keep running on the cluster")
    _converged(done, out, timeout)


def waiting_line(started: int, running: int) -> str:
    """What a converge round waits on: ``Waiting for 3 job(s) this round started and 2 still running...``."""
    if not started:
        return f"Waiting for {running} job(s) still running..."
    also = f" and {running} still running" if running else ""
    return f"Waiting for {started} job(s) this round started{also}..."


def _converged(done: ConvergeResult, out: TextIO, timeout: float) -> None:
    """How a converge ended: the in-sync line, or an error saying what is left (exit 1)."""
    from ..engine.wait import fmt_duration
    from ..render.apply import render_summary

    rounds = f"{done.rounds} round(s)"
    if done.ending == "in-sync":
        held = "".join(
            f"\n{a.name}: {a.reason}"
            if a.orphan
            else f"\n{a.name}: held for promotion ({_held_by(a.reason)}); "
            f"`reconciler apply --promote {a.name}` rolls it out"
            for a in done.held
        )
        out.write(f"Converged after {rounds}: git and the cluster agree.{held}\n")
        return
    render_summary(done.last, out)
    if done.ending == "timeout":
        still = [f"{', '.join(done.running)} running"] if done.running else []
        still += [f"{a.name} waiting ({a.reason})" for a in done.waiting]
        raise ReconcilerError(
            f"--converge timed out after {fmt_duration(timeout)} ({rounds}): still {'; '.join(still) or 'not in sync'}",
            "the jobs keep running; run `reconciler apply --converge` again to go on, or `reconciler status`",
        )
    if done.ending == "rounds":
        raise ReconcilerError(f"--converge did not settle after {rounds}", "run `reconciler plan` to see why")
    sys.stderr.write(
        f"error: --converge stopped after {rounds}: {'something is blocked' if done.ending == 'blocked' else 'a call failed'} (see above)\n"
    )
    raise typer.Exit(1)


def _interrupted(what: str) -> NoReturn:
    """Ctrl-C: say what is true (the lease is released on the way out) and how to go on."""
    sys.stderr.write(
        f"interrupted {what}. The state lock was released; rerun `reconciler apply` to resume "
        "(interrupted calls are settled by a GET on each job id, nothing is started twice) "
        "or `reconciler status` to look.\n"
    )
    raise typer.Exit(130)


@connected(NEPTUNE, STATE, CONFIG)
@scoped
def status_command(
    conn: Connection,
    scope: Scope,
    fmt: StatusFormatOpt = StatusFormat.TEXT,
    refresh_all: RefreshAllOpt = False,
) -> None:
    """Git against reality: each manifest's job, its live status and what apply would do.

    Examples:

    $ reconciler status

    $ reconciler status -l team=risk

    $ reconciler status --format json

    $ reconciler status --format html > fleet.html
    """
    from ..render.status import graph_lines, render_status, status_rows

    run = scope.plan(conn.settings(), Options(refresh_all=refresh_all))
    rows = status_rows(run)
    if fmt is StatusFormat.JSON:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    elif fmt is StatusFormat.HTML:
        from ..render.page import render_page

        render_page(run, rows, sys.stdout)
    else:
        render_status(rows, sys.stdout, graph_lines(run))
