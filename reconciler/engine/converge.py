"""``apply --converge``: plan → apply → wait, in rounds, until git and the cluster agree.

Each round is an ordinary apply (journalled, under the lease), so an interrupted converge resumes
with no duplicate: the next run's first round settles what the last one left. Rounds end when
the plan has nothing left to do or wait for (in sync), when something is blocked or a call
failed, or when ``timeout`` passes (then it says what is still waiting).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..core.actions import ActionKind
from ..core.live import JobView
from ..core.model import Action, Plan
from ..manifests.config import Settings
from ..neptune import NeptuneClient
from .workflow import ApplyRequest, ApplyResult, ApplyView, run_apply

MAX_ROUNDS = 100  # a bound, never reached by a graph that converges: three kinds, a few retries
Ending = Literal["in-sync", "blocked", "failed", "timeout", "rounds"]


@dataclass(frozen=True)
class ConvergeResult:
    ending: Ending
    rounds: int
    last: ApplyResult
    waiting: Sequence[Action] = field(default_factory=tuple)

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
    wait: Callable[[ApplyResult, float], dict[str, JobView | None]],
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> ConvergeResult:
    """Apply rounds until the plan is in sync, blocked, failed or out of time."""
    start = clock()
    result = ApplyResult(Plan(()))
    for round_no in range(1, MAX_ROUNDS + 1):
        view.say(f"── round {round_no} ──")
        result = run_apply(client, settings, request, view)
        waiting = [a for a in result.plan.actions if a.action is ActionKind.WAIT]
        if result.failed:
            return ConvergeResult("failed", round_no, result, waiting)
        if result.blocked:
            return ConvergeResult("blocked", round_no, result, waiting)
        acted = any(a.action.executes for a in result.plan.actions)
        if not acted and not waiting:
            return ConvergeResult("in-sync", round_no, result)
        left = timeout - (clock() - start)
        if left <= 0:
            return ConvergeResult("timeout", round_no, result, waiting)
        if result.started:
            wait(result, left)  # a failed job is the next round's to decide (retry or blocked)
        elif not acted:
            view.say(stage_line(result.plan))
            sleep(min(interval, left))
    return ConvergeResult("rounds", MAX_ROUNDS, result)


def stage_line(plan: Plan) -> str:
    """What the graph waits on, one manifest each: ``waiting: fraud-rgcn (…), fraud-endpoint (…)``."""
    waits = [f"{a.name} ({a.reason})" for a in plan.actions if a.action is ActionKind.WAIT]
    return "waiting: " + "; ".join(waits)
