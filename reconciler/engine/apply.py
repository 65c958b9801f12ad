"""Apply: turn a plan into calls, with the ledger written around every one of them.

Before a create or stop the intent goes to the journal; after it, the outcome. A run killed
anywhere leaves an intent that the next run settles with a GET on the (deterministic) id, so
jobs are neither duplicated nor forgotten. Manifests run in parallel; one failure does not
stop the others.
"""

from __future__ import annotations

import concurrent.futures
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.actions import ActionKind
from ..core.kinds import by_name
from ..core.live import TERMINAL, Live
from ..core.model import Action, Plan
from ..core.records import (
    Applied,
    Entry,
    JournalOp,
    applied,
    create_intent,
    entry,
    generation,
    now_iso,
    stop_intent,
)
from ..core.settle import finals, resolve_pending
from ..errors import ReconcilerError
from ..neptune import ApiError, BadRequestError, NeptuneClient, NotFoundError
from ..neptune.models import job_view
from ..state import StateStore

K = ActionKind


@dataclass(frozen=True)
class Outcome:
    name: str
    action: ActionKind
    ok: bool
    message: str
    started: str | None = None  # a job this apply started

    def line(self) -> str:
        if self.ok or self.action is K.BLOCKED:
            return f"{self.name}: {self.message}"
        return f"{self.name}: FAILED: {self.message}"


def settle(store: StateStore, live: Live) -> list[str]:
    """Persist what observe learned: interrupted intents resolved, terminal statuses recorded
    (as one journal write, however many there are)."""
    what = {
        JournalOp.CREATED: "was created before the interruption; recorded",
        JournalOp.RESOLVED: "never happened; dropped",
    }
    resolved = resolve_pending(store.ledger, live)
    store.commit_many(resolved)
    store.commit_many(finals(store.ledger, live))
    return [
        f"{e['name']}: pending intent on {e.get('jobId', '?')} {what.get(e['op'], e['op'])}" for e in resolved
    ]


def _pause(point: str, job: str) -> None:
    """Test hook: stop here so a test can SIGKILL the process at a known point of the journal."""
    if os.environ.get("RECONCILER_PAUSE_AT") == point:
        sys.stderr.write(f"paused at {point} {job}\n")
        sys.stderr.flush()
        time.sleep(float(os.environ.get("RECONCILER_PAUSE_SECONDS", "60")))


class Executor:
    """Runs a plan's actions against the cluster, journalling around every call."""

    def __init__(self, store: StateStore, client: NeptuneClient, commit: str | None) -> None:
        self.store = store
        self.client = client
        self.commit_sha = commit
        self._journalled: set[str] = set()  # manifests whose create intent went ahead of the calls

    def run(
        self,
        plan: Plan,
        *,
        parallelism: int = 16,
        max_stops: int = 5,
        report: Callable[[Outcome], None] = lambda o: None,
    ) -> list[Outcome]:
        todo = [a for a in plan.actions if a.action.executes]
        allowed, refused = _limit_stops(todo, max_stops)
        skipped = f"skipped: it would stop more than --max-stops {max_stops} jobs in one run"
        outcomes = [Outcome(a.name, a.action, False, skipped) for a in refused]
        # Blocked manifests are reported as failures: the cluster can't match git until someone acts.
        for a in plan.actions:
            if a.action is K.BLOCKED:
                outcomes.append(Outcome(a.name, a.action, False, f"blocked: {a.reason}"))
            elif a.action is K.WAIT:
                outcomes.append(Outcome(a.name, a.action, True, f"waiting: {a.reason}"))
            elif a.action is K.HOLD:
                outcomes.append(Outcome(a.name, a.action, True, a.reason))
        for o in outcomes:
            report(o)

        def one(action: Action) -> Outcome:
            try:
                outcome = self.run_one(action)
            except ReconcilerError as e:
                outcome = Outcome(action.name, action.action, False, str(e))
            report(outcome)
            return outcome

        # The intents of plain creates go to the journal together, in one write, before any call:
        # each is durable before its call as one by one, without a write (and its wait) per create;
        # one whose call a crash prevented is settled by the next run's GET, as after any crash.
        ahead = [a for a in allowed if _plain_create(a)]
        self._journalled = set()
        if len(ahead) > 1:
            self.store.commit_many([self._intent(a) for a in ahead])
            self._journalled = {a.name for a in ahead}
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
            outcomes += list(pool.map(one, allowed))
        self.store.compact()
        return sorted(outcomes, key=lambda o: o.name)

    def run_one(self, a: Action) -> Outcome:
        """Carry out one action: the one place that knows what each kind sends."""
        for job in a.adopt_earlier:  # jobs of the manifest found on the cluster: recorded first
            if job not in self.store.ledger.job_ids():
                gen = generation(job, {}, "adopt", self.commit_sha, kind=by_name(a.kind))
                self.store.commit(JournalOp.ADOPT, a.name, jobId=job, generation=gen)
        if a.abandon:
            self._abandon(a)
        if a.action is K.FORGET:
            self.store.commit(JournalOp.FORGET, a.name)
            return Outcome(a.name, a.action, True, "forgotten (nothing on the cluster touched)")
        if a.action is K.RECORD:
            return self._record(a)
        notes = [self._stop(a)] if a.stop_job_id else []
        if a.action in (K.STOP, K.DELETE):
            return Outcome(a.name, a.action, True, "; ".join(notes))
        if a.action is K.UPDATE:
            return Outcome(a.name, a.action, True, self._create(a), started=a.job_id)
        if not a.action.starts_job:  # pragma: no cover - every executable kind is handled above
            raise AssertionError(f"no executor for action {a.action}")
        notes.append(self._create(a))
        return Outcome(a.name, a.action, True, "; ".join(notes), started=a.job_id)

    def _abandon(self, a: Action) -> None:
        """An unconfirmed create (an export whose answer was lost) the next attempt replaces: it
        becomes a generation of its own, still looked for by its completion file, never untracked."""
        intent = next((p for p in self.store.ledger.pending(a.name) if p["jobId"] == a.abandon), None)
        if intent is not None:
            spec, kind = intent.get("spec", {}), by_name(a.kind)
            gen = generation(a.abandon, spec, "unconfirmed", self.commit_sha, intent["at"], kind=kind)
            self.store.commit(JournalOp.CREATED, a.name, jobId=a.abandon, generation=gen)

    def _record(self, a: Action) -> Outcome:
        view = applied(a.applied or {}, self.commit_sha)
        if a.adopt:
            gen = generation(str(a.job_id), a.spec or {}, "adopt", self.commit_sha, kind=by_name(a.kind))
            known: dict[str, Any] = {"applied": view} if a.applied is not None else {}  # unknown spec: none
            self.store.commit(JournalOp.ADOPT, a.name, jobId=a.job_id, generation=gen, **known)
            return Outcome(a.name, a.action, True, f"adopted existing job {a.job_id}")
        self.store.commit(JournalOp.RECORD, a.name, applied=view)
        return Outcome(a.name, a.action, True, "recorded in the ledger")

    def _stop(self, a: Action) -> str:
        job = str(a.stop_job_id)
        self.store.commit(
            JournalOp.INTENT, a.name, jobId=job, pending=stop_intent(job, clean=a.clean, forget=a.forget)
        )
        _pause("stop-intent", job)
        resource = by_name(a.kind).resource
        try:
            self.client.stop(resource, job, clean=a.clean, role_arn=a.role)
        except (NotFoundError, BadRequestError) as e:
            if not self._finished(job, a.role, resource):  # decided by a GET, never by the message
                self.store.commit(JournalOp.RESOLVED, a.name, jobId=job)
                raise e from None
            # Finished or gone on its own: nothing left to stop.
            if a.forget:
                self.store.commit(JournalOp.FORGET, a.name)
            else:
                self.store.commit(JournalOp.RESOLVED, a.name, jobId=job)
            return f"{job} had already finished; nothing to stop"
        clean = " (clean)" if a.clean else ""
        verb = "deleted" if a.action is K.DELETE else "stopped"
        if a.forget:
            self.store.commit(JournalOp.FORGET, a.name)
            return f"{verb} {job}{clean} and forgot it"
        self.store.commit(JournalOp.STOPPED, a.name, jobId=job)
        return f"stopped {job}{clean}"

    def _finished(self, job: str, role: str | None, resource: str) -> bool:
        """Whether a refused stop means the job is already over (or gone): a GET says."""
        try:
            return job_view(self.client.get(resource, job, role)).status in (*TERMINAL, "Deleting")
        except NotFoundError:
            return True

    def _intent(self, a: Action, view: Applied | None = None) -> Entry:
        """The journal entry that says a create of ``a``'s job is about to be sent (``view``: the
        applied view its outcome will record, when already made)."""
        job, view = str(a.job_id), view or applied(a.applied or {}, self.commit_sha)
        pending = create_intent(job, a.action, dict(a.spec or {}), view)
        return entry(JournalOp.INTENT, a.name, jobId=job, pending=pending)

    def _create(self, a: Action) -> str:
        """Start a job, or create or update an endpoint, between an intent and its outcome."""
        job, body, kind = str(a.job_id), dict(a.spec or {}), by_name(a.kind)
        view = applied(a.applied or {}, self.commit_sha)
        recorded = {k: v for k, v in body.items() if k != "update"}
        gen = generation(job, recorded, a.action, self.commit_sha, kind=kind)
        if a.promoted:  # an update over the promotion gate's hold: who, when, and what it held
            gen["promoted"] = {"by": promoter(), "at": now_iso(), "over": a.promoted}
        if a.name not in self._journalled:
            self.store.commit_many([self._intent(a, view)])
        _pause("create-intent", job)
        note = kind.started(job, body, a.previous_job_id)
        try:
            answer = self.client.create(kind.resource, body)
        except (BadRequestError, NotFoundError):
            self.store.commit(JournalOp.RESOLVED, a.name, jobId=job)  # refused: nothing was created
            raise
        except ApiError as e:
            if e.unsent:  # no connection was ever made: nothing was created
                self.store.commit(JournalOp.RESOLVED, a.name, jobId=job)
            # Otherwise an unknown outcome (timeouts, 5xx after retries): the intent stays; the
            # next run settles it with a GET on the id (an export's, by its completion file).
            raise
        if answer.get("serviceId"):  # a service that picks its own ids (an export): ours maps to it
            gen["serviceId"] = str(answer["serviceId"])
        if answer.get("existedBefore"):
            # Same id = same name and spec hash: the job is ours (e.g. a ledger restored from backup).
            gen["action"] = "adopt"
            note = f"{job} already existed; adopted it"
        _pause("create-call", job)
        # Not waited for: were it lost, the intent stays and the next run settles it by a GET.
        self.store.commit(JournalOp.CREATED, a.name, durable=False, jobId=job, generation=gen, applied=view)
        return note


def _plain_create(a: Action) -> bool:
    """A create (or an endpoint's update) whose intent is its manifest's first journal entry of
    the run: nothing recorded, abandoned or stopped before it."""
    return (a.action.starts_job or a.action is K.UPDATE) and not (
        a.adopt_earlier or a.abandon or a.stop_job_id
    )


def promoter() -> str:
    """Who promoted over the gate: the CI actor, else the local user."""
    import getpass

    return os.environ.get("GITHUB_ACTOR") or getpass.getuser()


def _limit_stops(actions: Sequence[Action], max_stops: int) -> tuple[list[Action], list[Action]]:
    """The actions this run may carry out, and those held back by ``--max-stops``."""
    allowed, refused, stops = [], [], 0
    for a in sorted(actions, key=lambda a: a.name):
        if a.stop_job_id:
            if stops >= max_stops:
                refused.append(a)
                continue
            stops += 1
        allowed.append(a)
    return allowed, refused
