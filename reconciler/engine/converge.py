"""``apply --converge``: plan → apply → wait, in rounds, until git and the cluster agree.

Each round is an ordinary apply (journalled, under the lease), so an interrupted converge resumes
with no duplicate: the next run's first round settles what the last one left. Rounds end when
the plan has nothing left to do or wait for (in sync), when something is blocked or a call
failed, or when ``timeout`` passes (then it says what is still waiting).

A round's wait ends as soon as a job that something waits on settles, not when everything
running has: the next round starts what it unblocked while the rest keep running, so each chain
of the graph moves at its own pace (a chain is never held to another chain's slowest job).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..core.actions import ActionKind
from ..core.kinds import by_name
from ..core.live import JobView
from ..core.model import Action, Plan
from ..manifests.config import Settings
from ..neptune import NeptuneClient
from .wait import Watched
from .workflow import ApplyRequest, ApplyResult, ApplyView, run_apply

# A bound no graph that converges reaches: 100 rounds, and three more per manifest (a round can
# follow each job that something waited on).
MAX_ROUNDS = 100
# What a round's wait is given: the jobs to poll, which of them end the wait when they settle
# (what a waiting manifest waits on), and the time left; None: the time ran out.
Wait = Callable[[ApplyResult, Sequence[Watched], frozenset[str], float], dict[str, JobView | None] | None]
Ending = Literal["in-sync", "blocked", "failed", "timeout", "rounds"]


@dataclass(frozen=True)
class ConvergeResult:
    ending: Ending
    rounds: int
    last: ApplyResult
    waiting: Sequence[Action] = field(default_factory=tuple)
    running: Sequence[str] = ()  # what the last round was waiting on when the time ran out

    @property
    def held(self) -> list[Action]:
        return [a for a in self.last.plan.actions if a.action is ActionKind.HOLD]


def run_converge(
    client: NeptuneClient,
    settings: Settings,
    request: ApplyRequest,
    view: ApplyView,
    *,
    timeout: float,
    interval: float,
    wait: Wait,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> ConvergeResult:
    """Apply rounds until the plan is in sync, blocked, failed or out of time. ``wait`` polls the
    jobs a round started and those still running, until one that something waits on settles or
    all have, for at most the time left (None: that ran out)."""
    start = clock()
    result = ApplyResult(Plan(()))
    round_no, limit = 0, MAX_ROUNDS
    while round_no < limit:
        round_no += 1
        view.say(f"── round {round_no} ──")
        result = run_apply(client, settings, request, view)
        limit = max(limit, MAX_ROUNDS + 3 * len(result.plan.actions))
        request = _replaced(request, result)
        if result.plan.edges:
            view.say(graph_line(result.plan))
        waiting = [a for a in result.plan.actions if a.action is ActionKind.WAIT]
        if result.failed:
            return ConvergeResult("failed", round_no, result, waiting)
        if result.blocked:
            return ConvergeResult("blocked", round_no, result, waiting)
        acted = any(a.action.executes for a in result.plan.actions)
        if not acted and not waiting and not result.plan.moving:
            return ConvergeResult("in-sync", round_no, result)
        left = timeout - (clock() - start)
        if left <= 0:
            return ConvergeResult("timeout", round_no, result, waiting)
        watched = _watched(result)
        if watched:
            # A failed job is the next round's to decide (retry or blocked); None: out of time.
            views = wait(result, watched, _wakes(result.plan, waiting), left)
            if views is None:
                running = [w.job for w in watched]
                return ConvergeResult("timeout", round_no, result, waiting, running)
            # What the wait saw finish, the next round need not read again (its apply records it).
            request = dataclasses.replace(request, seen={job: v for job, v in views.items() if v is not None})
        elif not acted:
            view.say(stage_line(result.plan))
            sleep(min(interval, left))
    return ConvergeResult("rounds", round_no, result)


def _wakes(plan: Plan, waiting: Sequence[Action]) -> frozenset[str]:
    """The manifests a waiting one refers to (and the root of the chain it waits along): once a
    job of one of them settles, the next round may start what waited."""
    names = {a.name for a in waiting}
    return frozenset(
        {t for n, t, _ in plan.edges if n in names} | {a.waits_on for a in waiting if a.waits_on}
    )


def _watched(result: ApplyResult) -> list[Watched]:
    """What a round waits on: the jobs it started, and those of earlier rounds (or runs) that are
    still running (the plan's moving ones)."""
    started = result.started
    known = {w.name for w in started}
    moving = [
        Watched(a.name, a.current_job_id, a.role, by_name(a.kind))
        for a in result.plan.actions
        if a.name in result.plan.moving and a.name not in known and a.current_job_id
    ]
    return [*started, *moving]


def _replaced(request: ApplyRequest, result: ApplyResult) -> ApplyRequest:
    """``--replace NAME`` is one act: once a round has carried it out (started the new job or
    updated the endpoint), later rounds converge instead of replacing again."""
    done = {o.name for o in result.succeeded if o.action.executes} & request.options.replace
    if not done:
        return request
    options = dataclasses.replace(request.options, replace=request.options.replace - done)
    return dataclasses.replace(request, options=options)


def stage_line(plan: Plan) -> str:
    """What the graph waits on, one manifest each: ``waiting: fraud-rgcn (…); running: aml-vpc``
    (a job an earlier run started: what refers to it follows once it settles)."""
    waits = [f"{a.name} ({a.reason})" for a in plan.actions if a.action is ActionKind.WAIT]
    parts = ["waiting: " + "; ".join(waits)] if waits else []
    if plan.moving:
        parts.append("running: " + ", ".join(plan.moving))
    return "; ".join(parts)


def graph_line(plan: Plan) -> str:
    """The graph as a tree: what is referred to first, what refers to it indented below, each
    with its action's symbol (``✓`` in sync). A manifest that refers to several is drawn under
    the first and named again under the others (``↑``).

    graph:
      + fraud-data
      ├─ … fraud-rgcn
      │  └─ … fraud-endpoint
      └─ … aml-vpc
    """
    targets: dict[str, set[str]] = {}
    users: dict[str, set[str]] = {}
    for a, b, _ in plan.edges:
        targets.setdefault(a, set()).add(b)
        users.setdefault(b, set()).add(a)
    names = sorted({n for a, b, _ in plan.edges for n in (a, b)})
    by_name = {a.name: a for a in plan.actions}

    def cell(name: str) -> str:
        return f"{(by_name[name].symbol.strip() or '✓') if name in by_name else '?'} {name}"

    lines = ["graph:"]
    drawn: set[str] = set()

    def draw(name: str, prefix: str, branch: str) -> None:
        if name in drawn:
            lines.append(f"{prefix}{branch}↑ {name}")
            return
        drawn.add(name)
        lines.append(f"{prefix}{branch}{cell(name)}")
        below = sorted(users.get(name, set()) - {name})
        inner = prefix + ("   " if branch in ("└─ ", "") else "│  ") if branch else prefix
        for i, child in enumerate(below):
            draw(child, inner, "└─ " if i == len(below) - 1 else "├─ ")

    roots = [n for n in names if not (targets.get(n, set()) - {n})]
    for root in roots:
        draw(root, "  ", "")
    for name in names:  # a cycle has no root (validation refuses one): never lose a name
        if name not in drawn:
            draw(name, "  ", "")
    return "\n".join(lines)
