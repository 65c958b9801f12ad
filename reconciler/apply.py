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

from .errors import (
    AlreadyExistsError,
    ApiError,
    BadRequestError,
    NotFoundError,
    ReconcilerError,
    StalePlanError,
)
from .identity import spec_hash
from .live import Live
from .neptune import NeptuneClient
from .plan import Action, Plan, finals, resolve_pending
from .state import StateStore, now_iso

FINISHED_MESSAGE = "already completed or failed"


@dataclass(frozen=True)
class Outcome:
    name: str
    action: str
    ok: bool
    message: str
    started: str | None = None  # a job this apply started

    def line(self) -> str:
        if self.ok or self.action == "blocked":
            return f"{self.name}: {self.message}"
        return f"{self.name}: FAILED: {self.message}"


def check_fresh(saved: Plan, ledger_serial: int, lineage: str | None, live: Live) -> None:
    """Refuse a saved plan when the ledger or any job it touches moved since it was made."""
    moved: list[str] = []
    if lineage != saved.lineage and saved.lineage is not None:
        moved.append(f"ledger lineage {saved.lineage} → {lineage}")
    if ledger_serial != saved.state_serial:
        moved.append(f"ledger serial {saved.state_serial} → {ledger_serial}")
    now = live.fingerprints()
    for a in saved.actions:
        if a.action in ("noop", "wait"):
            continue
        keys = [f"job/{j}" for j in a.touches]
        if a.spec and a.spec.get("dataProcessingJobId"):
            keys.append(f"dataprocessing/{a.spec['dataProcessingJobId']}")
        for key in keys:
            if key in saved.fingerprints and now.get(key, "Missing") != saved.fingerprints[key]:
                moved.append(f"{a.name}: {key} {saved.fingerprints[key]} → {now.get(key, 'Missing')}")
    if moved:
        raise StalePlanError(
            "stale plan: "
            + "; ".join(moved[:5])
            + (f" (and {len(moved) - 5} more)" if len(moved) > 5 else ""),
            "run `reconciler plan --out FILE` again and review the new plan",
        )


def settle(store: StateStore, live: Live) -> list[str]:
    """Persist what observe learned: interrupted intents resolved, terminal statuses recorded."""
    notes = []
    for entry in resolve_pending(store.ledger, live):
        entry = dict(entry)
        op, name = entry.pop("op"), entry.pop("name")
        store.commit(op, name, **entry)
        what = {
            "created": "was created before the interruption; recorded",
            "resolved": "never happened; dropped",
        }
        notes.append(f"{name}: pending intent on {entry.get('jobId', '?')} {what.get(op, op)}")
    for entry in finals(store.ledger, live):
        entry = dict(entry)
        op, name = entry.pop("op"), entry.pop("name")
        store.commit(op, name, **entry)
    return notes


def _pause(point: str, job: str) -> None:
    """Test hook: stop here so a test can SIGKILL the process at a known point of the journal."""
    if os.environ.get("RECONCILER_PAUSE_AT") == point:
        sys.stderr.write(f"paused at {point} {job}\n")
        sys.stderr.flush()
        time.sleep(float(os.environ.get("RECONCILER_PAUSE_SECONDS", "60")))


class Executor:
    def __init__(self, store: StateStore, client: NeptuneClient, commit: str | None) -> None:
        self.store = store
        self.client = client
        self.commit_sha = commit

    def run(
        self,
        plan: Plan,
        *,
        parallelism: int = 16,
        max_stops: int = 5,
        report: Callable[[Outcome], None] = lambda o: None,
    ) -> list[Outcome]:
        todo = [a for a in plan.actions if a.action not in ("noop", "wait", "blocked")]
        allowed, refused = self._limit_stops(todo, max_stops)
        outcomes = [
            Outcome(
                a.name,
                a.action,
                False,
                f"skipped: it would stop more than --max-stops {max_stops} jobs in one run",
            )
            for a in refused
        ]
        # Blocked manifests are reported as failures: the cluster can't match git until someone acts.
        outcomes += [
            Outcome(a.name, a.action, False, f"blocked: {a.reason}")
            for a in plan.actions
            if a.action == "blocked"
        ]
        outcomes += [
            Outcome(a.name, a.action, True, f"waiting: {a.reason}")
            for a in plan.actions
            if a.action == "wait"
        ]
        for o in outcomes:
            report(o)

        def one(action: Action) -> Outcome:
            try:
                outcome = self._run_one(action)
            except ReconcilerError as e:
                outcome = Outcome(action.name, action.action, False, str(e))
            report(outcome)
            return outcome

        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
            outcomes += list(pool.map(one, allowed))
        self.store.compact()
        return sorted(outcomes, key=lambda o: o.name)

    @staticmethod
    def _limit_stops(actions: Sequence[Action], max_stops: int) -> tuple[list[Action], list[Action]]:
        allowed, refused, stops = [], [], 0
        for a in sorted(actions, key=lambda a: a.name):
            if a.stop_job_id:
                if stops >= max_stops:
                    refused.append(a)
                    continue
                stops += 1
            allowed.append(a)
        return allowed, refused

    def _applied(self, action: Action) -> dict[str, Any]:
        return {**dict(action.applied or {}), "appliedAt": now_iso(), "commit": self.commit_sha}

    def _run_one(self, a: Action) -> Outcome:
        if a.action == "forget":
            self.store.commit("forget", a.name)
            return Outcome(a.name, a.action, True, "forgotten (nothing on the cluster touched)")
        if a.action == "record":
            if a.adopt:
                gen = self._generation(a, "adopt")
                self.store.commit("adopt", a.name, jobId=a.job_id, generation=gen, applied=self._applied(a))
                return Outcome(a.name, a.action, True, f"adopted existing job {a.job_id}")
            self.store.commit("record", a.name, applied=self._applied(a))
            return Outcome(a.name, a.action, True, "recorded in the ledger")
        notes = []
        if a.stop_job_id:
            notes.append(self._stop(a))
        if a.action == "stop":
            return Outcome(a.name, a.action, True, "; ".join(notes))
        notes.append(self._create(a))
        return Outcome(a.name, a.action, True, "; ".join(notes), started=a.job_id)

    def _stop(self, a: Action) -> str:
        job = str(a.stop_job_id)
        role = (a.spec or {}).get("neptuneIamRoleArn")
        self.store.commit(
            "intent", a.name, jobId=job,
            pending={"op": "stop", "jobId": job, "at": now_iso(), "clean": a.clean, "forget": a.forget},
        )  # fmt: skip
        _pause("stop-intent", job)
        try:
            self.client.stop_training_job(job, clean=a.clean, role_arn=role)
        except (NotFoundError, BadRequestError) as e:
            gone = isinstance(e, NotFoundError) or FINISHED_MESSAGE in str(e)
            if not gone:
                self.store.commit("resolved", a.name, jobId=job)
                raise
            # Finished or gone on its own: nothing left to stop.
            if a.forget:
                self.store.commit("forget", a.name)
            else:
                self.store.commit("resolved", a.name, jobId=job)
            return f"{job} had already finished; nothing to stop"
        if a.forget:
            self.store.commit("forget", a.name)
            return f"stopped {job}{' (clean)' if a.clean else ''} and forgot it"
        self.store.commit("stopped", a.name, jobId=job)
        return f"stopped {job}{' (clean)' if a.clean else ''}"

    def _generation(self, a: Action, kind: str) -> dict[str, Any]:
        spec = dict(a.spec or {})
        spec.pop("id", None)
        return {
            "jobId": a.job_id, "specHash": spec_hash(spec), "spec": spec, "action": kind,
            "appliedAt": now_iso(), "commit": self.commit_sha,
        }  # fmt: skip

    def _create(self, a: Action) -> str:
        job = str(a.job_id)
        body = dict(a.spec or {})
        gen = self._generation(a, a.action)
        pending = {
            "op": "create",
            "jobId": job,
            "at": now_iso(),
            "action": a.action,
            "spec": gen["spec"],
            "applied": self._applied(a),
        }
        self.store.commit("intent", a.name, jobId=job, pending=pending)
        _pause("create-intent", job)
        note = f"started {job}" + (f" from {a.previous_job_id}" if a.previous_job_id else "")
        try:
            self.client.create_training_job(body)
        except AlreadyExistsError:
            # Same id = same name and spec hash: the job is ours (e.g. a ledger restored from backup).
            self.client.get_training_job(job, body.get("neptuneIamRoleArn"))
            gen["action"] = "adopt"
            note = f"{job} already existed; adopted it"
        except (BadRequestError, NotFoundError):
            self.store.commit("resolved", a.name, jobId=job)  # refused: nothing was created
            raise
        except ApiError:
            # Unknown outcome (timeouts, 5xx after retries): the intent stays; the next run
            # settles it with a GET on the id.
            raise
        _pause("create-call", job)
        self.store.commit("created", a.name, jobId=job, generation=gen, applied=self._applied(a))
        return note
