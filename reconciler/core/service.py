"""The decision table of long-lived resources (endpoints), as ordered rules over a ``Situation``.

An endpoint is not a job: its id is its manifest's name and never changes; a change of what it
serves or of its instances is an update in place; a vanished one is created again; one that is
being created, updated or deleted is waited for. ``policy.promote: manual`` holds an update of the
model it serves until ``apply --promote NAME``.
"""

from __future__ import annotations

from collections.abc import Callable

from . import quality
from .actions import ActionKind
from .kinds import registry
from .model import Action
from .rules import Situation

K = ActionKind
BUSY = ("Creating", "Updating", "Deleting")


def endpoint_id(name: str) -> str:
    """An endpoint's id is its manifest's name: stable across every update."""
    return name


def _send(s: Situation, kind: ActionKind, reason: str) -> Action:
    """A create or update of the endpoint with the desired spec (the kind's gate and the quality
    gate permitting)."""
    d = s.d
    held = s.held_back(reason)
    if held is not None:
        return held
    verdict = _quality(s)
    overridden = ""
    if verdict is not None and verdict.outcome == "blocked":
        return s.act(
            K.BLOCKED, f"{reason}; the promotion gate can't judge: {verdict.reason}", job_id=s.cur_id
        )
    if verdict is not None and verdict.outcome == "hold":
        if d.name not in s.options.promote:
            keeps = f"keeps it serving {s.served_now}" if s.served_now else "keeps it from serving"
            return s.act(
                K.HOLD, f"{reason}; held by policy.promote: {verdict.reason}; the gate {keeps} "
                f"until `apply --promote {d.name}`", job_id=s.cur_id,
            )  # fmt: skip
        overridden = verdict.reason
    ep = s.cur_id or endpoint_id(d.name)  # an imported endpoint keeps the id it has
    body = {k: v for k, v in d.sent.items() if k not in ("id", "update")}
    body["id"] = ep
    if kind is K.UPDATE:
        body["update"] = True
    why = f"{reason}; promoted over the gate ({overridden}) by --promote" if overridden else reason
    if verdict is not None and verdict.outcome == "ok" and verdict.reason:
        why += f"; {verdict.reason}"
    if verdict is not None and verdict.outcome == "ok" and verdict.candidate is not None:
        why += f"; {verdict.candidate.show()}" + (
            f" (served now: {verdict.served.value:g})"
            if verdict.served and verdict.served.value is not None
            else ""
        )
    return s.act(
        kind,
        why,
        job_id=ep,
        spec=body,
        applied=d.applied_view(),
        cost=d.kind.cost(d.spec),
        promoted=overridden,
    )


def _quality(s: Situation) -> quality.Verdict | None:
    """The promotion gate's verdict on serving the desired job, when there is a gate and the
    job it would serve is not the one served now."""
    gate = quality.Gate.of(s.d.policy)
    candidate = s.d.kind.serves(s.d.spec)
    if gate is None or candidate is None or candidate == s.served_now:
        return None
    field = next(f for f in s.d.kind.serving_fields if s.d.spec.get(f))
    target = registry().get(s.d.kind.refs[field][0])
    if target is not None and not target.metrics_file:
        return quality.Verdict("ok", f"not judged by the promotion gate: a {target.noun} reports no metrics")
    served = (s.served_now, s.live.metrics.get(s.served_now)) if s.served_now else None
    return quality.judge(gate, (candidate, s.live.metrics.get(candidate)), served)


def _serving(s: Situation) -> str:
    model = s.d.kind.serves(s.d.spec)
    return f"serving {model}" if model else "serving"


def first(s: Situation) -> Action | None:
    """No create recorded: create it, or take over one of that id the cluster already has."""
    if s.current is not None:
        return None
    ep = endpoint_id(s.d.name)
    status = s.live.status(ep)
    if status in BUSY:
        return s.act(
            K.WAIT, f"endpoint {ep} exists and is {status}; the ledger takes it over once it settles"
        )
    if status not in (None, "Missing"):
        return _send(
            s, K.UPDATE, f"endpoint {ep} exists ({status}) but the ledger does not know it (a lost ledger?): "
            f"update it to serve what git says ({_serving(s)})",
        )  # fmt: skip
    return _send(s, K.CREATE, f"new endpoint: {_serving(s)}")


def vanished(s: Situation) -> Action | None:
    if s.status != "Missing":
        return None
    return _send(s, K.RECREATE, f"endpoint {s.cur_id} vanished (not found): drift; create it again")


def busy(s: Situation) -> Action | None:
    if s.status not in BUSY:
        return None
    if s.changes:
        return s.act(K.WAIT, f"endpoint {s.cur_id} is {s.status}; the change follows when it is InService")
    return s.act(K.NOOP, f"in sync: endpoint {s.cur_id} is {s.status}, {_serving(s)}", job_id=s.cur_id)


def update(s: Situation) -> Action | None:
    """What it serves or how changed: update in place, unless promotion is manual and held."""
    changed = [c for c in s.changes if c.effect in ("update", "new-job")]
    forced = s.d.name in s.options.replace
    if not changed and not forced:
        return None
    fields = sorted({c.path.removeprefix("spec.").split(".")[0] for c in changed}) or ["--replace"]
    model = [c for c in changed if c.path.removeprefix("spec.") in s.d.kind.serving_fields]
    why = f"{', '.join(fields)} changed: update endpoint {s.cur_id} in place ({_serving(s)})"
    if model and s.d.policy.get("promote") == "manual" and s.d.name not in s.options.promote:
        old = next((c.old for c in model if c.old is not None), None)
        return s.act(
            K.HOLD, job_id=s.cur_id,
            reason=f"{why}; held: policy.promote: manual keeps it serving {old} until "
            f"`apply --promote {s.d.name}`",
        )  # fmt: skip
    return _send(s, K.UPDATE, why)


def failed(s: Situation) -> Action | None:
    if s.status != "Failed":
        return None
    return s.act(
        K.BLOCKED, job_id=s.cur_id,
        reason=f"endpoint {s.cur_id} Failed{s.failure}; fix the cause, then change the spec or "
        f"`--replace {s.d.name}` to update it again",
    )  # fmt: skip


def record_only(s: Situation) -> Action | None:
    if not s.changes:
        return None
    return s.act(
        K.RECORD, "only the role or policy changed: recorded in the ledger, nothing sent",
        job_id=s.cur_id, applied=s.d.applied_view(),
    )  # fmt: skip


def in_sync(s: Situation) -> Action:
    return s.act(
        K.NOOP, f"in sync: endpoint {s.cur_id} is {s.status or 'unknown'}, {_serving(s)}", job_id=s.cur_id
    )


RULES: tuple[Callable[[Situation], Action | None], ...] = (first, vanished, busy, update, failed, record_only)


def decide(s: Situation) -> Action:
    for rule in RULES:
        action = rule(s)
        if action is not None:
            return action
    return in_sync(s)
