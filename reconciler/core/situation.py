"""What a rule sees of one manifest (pure): the desired manifest, the settled ledger, live statuses,
the plan's options, and what is derived from them once (its changes, its current job)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import identity
from .actions import ActionKind
from .adopt import Index
from .desired import Desired
from .diff import Change, changes
from .ledger import Ledger
from .live import Live
from .model import Action, Options
from .records import Generation

K = ActionKind


@dataclass(frozen=True)
class Situation:
    """Everything a rule may look at for one manifest."""

    d: Desired
    ledger: Ledger
    live: Live
    options: Options
    taken: identity.Taken
    current: Generation | None
    status: str | None
    changes: tuple[Change, ...]
    owned: Index  # the cluster's job ids by manifest name (adopt.index), built once per plan

    @classmethod
    def of(
        cls, d: Desired, ledger: Ledger, live: Live, options: Options, taken: identity.Taken, owned: Index
    ) -> Situation:
        cur = ledger.current(d.name)
        applied = ledger.applied(d.name)
        found = changes(_applied_view(applied, d), d.effective_view(), d.kind) if applied else ()
        if cur is not None and not applied:  # adopted from the cluster: what it trains is unknown
            found = (Change("spec", "(unknown: adopted from the cluster)", "(this manifest)", "new-job"),)
        status = live.status(cur["jobId"] if cur else None)
        return cls(d, ledger, live, options, taken, cur, status, found, owned)

    @property
    def cur_id(self) -> str | None:
        return self.current["jobId"] if self.current else None

    @property
    def served_now(self) -> str | None:
        """The job a serving manifest's current generation serves (None: nothing yet, or a job kind)."""
        return self.d.kind.serves(self.current["spec"]) if self.current else None

    @property
    def new_job_changes(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.effect == "new-job")

    def act(self, kind: ActionKind, reason: str, **fields: Any) -> Action:
        """An action on this manifest; by default it names the current job and the changes."""
        named = {
            "current_job_id": self.cur_id,
            "changes": self.changes,
            "location": self.d.location,
            "kind": self.d.kind.name,
            **fields,
        }
        return Action(self.d.name, kind, reason, **named)

    def start(
        self,
        kind: ActionKind,
        reason: str,
        previous: str | None,
        *,
        stop: str | None = None,
        job: str | None = None,
    ) -> Action:
        """A new job (``job`` given: that exact id), unless the kind's gate holds it back."""
        d = self.d
        held = self.held_back(reason)
        if held is not None:
            return held
        target = job or d.job_id(previous)
        if job is None and target not in self.ledger.job_ids() and self.live.exists(target):
            return self.adopt(target, previous)
        if job is None and target in self.taken:
            target = identity.next_free(target, self.taken) or ""
        if not target:
            return self.act(
                K.BLOCKED,
                f"{reason}; but every id up to -r{identity.MAX_SUFFIX} is taken",
                job_id=self.cur_id,
            )
        return self.act(
            kind, reason, job_id=target, previous_job_id=previous, stop_job_id=stop,
            cost=d.kind.cost(d.spec), spec=identity.create_body(d.sent, target, previous, d.kind),
            applied=d.applied_view(),
        )  # fmt: skip

    def held_back(self, reason: str) -> Action | None:
        """Wait or blocked instead of sending anything: a referenced job is not ready, or the
        kind's gate says no (data not Completed, sources missing, a model not Completed)."""
        d = self.d
        if d.waiting:
            return self.act(K.WAIT, f"{reason}; waits for {d.waiting}", job_id=self.cur_id)
        blocked = d.kind.gate(d.name, d.spec, self.live)
        if blocked:
            return self.act(K(blocked[0]), f"{reason}; but {blocked[1]}", job_id=self.cur_id)
        return None

    @property
    def failure(self) -> str:
        """``": <reason>"`` of the current job's failure, or ``""``."""
        view = self.live.jobs.get(str(self.cur_id))
        return f": {view.failure_reason}" if view and view.failure_reason else ""

    def adopt(self, job: str, previous: str | None, earlier: tuple[str, ...] = ()) -> Action:
        """Record an existing job of the desired spec as the current generation; start nothing."""
        status = self.live.status(job)
        return self.act(
            K.RECORD, adopt=True, job_id=job, applied=self.d.applied_view(), adopt_earlier=earlier,
            reason=f"job {job} ({status or 'listed'}) already exists with this spec (an interrupted apply "
            "or a lost ledger); adopt it instead of starting another",
            spec=identity.create_body(self.d.sent, job, previous, self.d.kind),
        )  # fmt: skip


Rule = Callable[[Situation], Action | None]


def _applied_view(applied: Mapping[str, Any], d: Desired) -> dict[str, Any]:
    """The recorded manifest, its spec completed with today's defaults like the desired one."""
    view = {key: applied.get(key, {}) for key in ("spec", "policy", "labels")}
    view["spec"] = d.completed(view["spec"])
    return view
