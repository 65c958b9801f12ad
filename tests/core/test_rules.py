"""The decision table, case by case, through the pure plan() (no I/O)."""

from __future__ import annotations

import dataclasses
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.core import identity
from reconciler.core.kinds import TRAINING
from reconciler.core.plan import ACTIONS, Options, plan
from reconciler.core.settle import resolve_pending

from ..helpers import desired, generation, ledger, live

D = desired()
G = generation(D)
J = G["jobId"]


def one(ds: list, lg: object, lv: object, **options: object):  # type: ignore[no-untyped-def]
    result = plan(ds, lg, lv, Options(**options))  # type: ignore[arg-type]
    assert len(result.actions) == 1, result.actions
    return result.actions[0]


def test_create_when_there_is_no_job() -> None:
    a = one([D], ledger(), live())
    assert (a.action, a.job_id, a.previous_job_id) == (
        "create",
        identity.job_id("m", D.spec, None, TRAINING),
        None,
    )
    assert a.spec["id"] == a.job_id and a.cost.instance_hours == 48.0 and a.forces_new_job


def test_noop_when_in_sync() -> None:
    a = one([D], ledger((D, [G])), live({J: "Completed"}))
    assert (a.action, a.job_id, a.reason) == ("noop", J, f"in sync: job {J} is Completed")


def test_running_job_in_sync_is_noop() -> None:
    assert one([D], ledger((D, [G])), live({J: "InProgress"})).action == "noop"


# -- a data change ---------------------------------------------------------------------
NEW = desired(dataProcessingJobId="dp-2")
DPS = {"dp-2": "Completed"}


def test_data_change_after_completed_job_is_incremental() -> None:
    a = one([NEW], ledger((D, [G])), live({J: "Completed"}, DPS))
    assert (a.action, a.previous_job_id) == ("incremental", J)
    assert (
        a.job_id
        == identity.job_id("m", NEW.spec, J, TRAINING)
        != identity.job_id("m", NEW.spec, None, TRAINING)
    )
    assert a.spec["previousModelTrainingJobId"] == J
    assert [c.describe() for c in a.changes] == ['dataProcessingJobId: "dp-1" → "dp-2" (forces a new job)']


def test_data_change_while_running_waits() -> None:
    a = one([NEW], ledger((D, [G])), live({J: "InProgress"}, DPS))
    assert (a.action, a.job_id) == ("wait", J)
    assert "policy.onSupersede: wait" in a.reason and a.changes


def test_data_change_while_running_with_stop_builds_on_the_last_completed() -> None:
    first = generation(D, "m-aaaaaaaaaa")
    d = desired(policy={"onSupersede": "stop"})
    running = generation(d, "m-bbbbbbbbbb", previous="m-aaaaaaaaaa", action="incremental")
    new = desired(policy={"onSupersede": "stop"}, dataProcessingJobId="dp-2")
    a = one(
        [new],
        ledger((d, [first, running])),
        live({"m-aaaaaaaaaa": "Completed", "m-bbbbbbbbbb": "InProgress"}, DPS),
    )
    assert (a.action, a.previous_job_id, a.stop_job_id) == ("incremental", "m-aaaaaaaaaa", "m-bbbbbbbbbb")


def test_data_change_after_failed_job_without_completed_one_retrains() -> None:
    a = one([NEW], ledger((D, [G])), live({J: "Failed"}, DPS))
    assert (a.action, a.previous_job_id) == ("retrain", None)
    assert "no Completed job to build on" in a.reason


def test_data_change_after_failed_job_uses_an_earlier_completed_one() -> None:
    first = generation(D, "m-aaaaaaaaaa", finalStatus="Completed")
    failed = generation(D, "m-bbbbbbbbbb", previous="m-aaaaaaaaaa", action="incremental")
    a = one(
        [NEW],
        ledger((D, [first, failed])),
        live({"m-aaaaaaaaaa": "Completed", "m-bbbbbbbbbb": "Failed"}, DPS),
    )
    assert (a.action, a.previous_job_id) == ("incremental", "m-aaaaaaaaaa")


def test_data_change_with_retrain_policy() -> None:
    d = desired(policy={"onDataChange": "retrain"})
    new = desired(policy={"onDataChange": "retrain"}, dataProcessingJobId="dp-2")
    a = one(
        [new],
        ledger((d, [generation(d)])),
        live({identity.job_id("m", d.spec, None, TRAINING): "Completed"}, DPS),
    )
    assert (a.action, a.previous_job_id) == ("retrain", None)
    assert a.reason == "new data: full retrain (policy.onDataChange: retrain)"


# -- supersede --------------------------------------------------------------------------
def test_supersede_wait_and_stop() -> None:
    bigger = desired(maxHPONumberOfTrainingJobs=20)
    a = one([bigger], ledger((D, [G])), live({J: "InProgress"}))
    assert a.action == "wait" and "maxHPONumberOfTrainingJobs" in a.reason
    d = desired(policy={"onSupersede": "stop"})
    bigger = desired(policy={"onSupersede": "stop"}, maxHPONumberOfTrainingJobs=20)
    job = identity.job_id("m", d.spec, None, TRAINING)
    a = one([bigger], ledger((d, [generation(d)])), live({job: "InProgress"}))
    assert (a.action, a.stop_job_id) == ("retrain", job)
    assert a.changes[0].describe() == "maxHPONumberOfTrainingJobs: 2 → 20 (forces a new job)"
    assert a.cost.instance_hours == 480.0


def test_retrain_back_to_an_old_spec_takes_a_suffix() -> None:
    bigger = desired(maxHPONumberOfTrainingJobs=20)
    second = generation(bigger, action="retrain")
    a = one([D], ledger((bigger, [G, second])), live({J: "Completed", second["jobId"]: "Completed"}))
    assert (a.action, a.job_id) == ("retrain", f"{J}-r2")


# -- failures -----------------------------------------------------------------------------
def test_failed_job_with_retries_left_is_retried() -> None:
    d = desired(policy={"retries": 2})
    g = generation(d)
    a = one([d], ledger((d, [g])), live({g["jobId"]: "Failed"}, failures={g["jobId"]: "CapacityError"}))
    assert (a.action, a.job_id) == ("retry", f"{g['jobId']}-r2")
    assert a.reason == f"job {g['jobId']} Failed: CapacityError; retry 1 of 2"
    second = generation(d, f"{g['jobId']}-r2", action="retry")
    third = generation(d, f"{g['jobId']}-r3", action="retry")
    a = one([d], ledger((d, [g, second])), live({second["jobId"]: "Failed"}))
    assert (a.action, a.job_id) == ("retry", f"{g['jobId']}-r3")
    a = one([d], ledger((d, [g, second, third])), live({third["jobId"]: "Failed"}))
    assert a.action == "blocked" and "no retries left (policy.retries: 2)" in a.reason


def test_failed_job_without_retries_is_blocked() -> None:
    a = one([D], ledger((D, [G])), live({J: "Failed"}))
    assert a.action == "blocked" and f"--replace {D.name}" in a.reason


# -- drift --------------------------------------------------------------------------------
def test_job_deleted_outside_is_recreated() -> None:
    a = one([D], ledger((D, [G])), live({J: None}))
    assert (a.action, a.job_id) == ("recreate", f"{J}-r2")
    assert "vanished" in a.reason


def test_job_stopped_outside_is_recreated() -> None:
    a = one([D], ledger((D, [G])), live({J: "Stopped"}))
    assert (a.action, a.job_id) == ("recreate", f"{J}-r2") and "outside the reconciler" in a.reason


def test_recreate_keeps_the_incremental_base() -> None:
    g = generation(D, previous="m-aaaaaaaaaa", action="incremental")
    a = one([D], ledger((D, [g])), live({g["jobId"]: None, "m-aaaaaaaaaa": "Completed"}))
    assert (a.action, a.previous_job_id) == ("recreate", "m-aaaaaaaaaa")


# -- data-processing gate ------------------------------------------------------------------
def test_data_processing_in_progress_waits() -> None:
    assert one([D], ledger(), live(dps={"dp-1": "InProgress"})).action == "wait"


def test_data_processing_failed_or_missing_blocks() -> None:
    a = one([D], ledger(), live(dps={"dp-1": "Failed"}))
    assert a.action == "blocked" and "dp-1 is Failed" in a.reason
    a = one([D], ledger(), live(dps={"dp-1": None}))
    assert a.action == "blocked" and "dp-1 not found" in a.reason


def test_preflight_problem_blocks() -> None:
    a = one([D], ledger(), live(preflight={"m": "custom-model preflight: s3://b/src lacks train.py"}))
    assert a.action == "blocked" and "lacks train.py" in a.reason


# -- adopt, record ------------------------------------------------------------------------
def test_desired_id_that_already_exists_is_adopted() -> None:
    job = identity.job_id("m", D.spec, None, TRAINING)
    a = one([D], ledger(), live({job: "InProgress"}))
    assert (a.action, a.adopt, a.job_id) == ("record", True, job)


def test_policy_only_change_is_recorded() -> None:
    d = desired(policy={"retries": 3}, labels={"team": "risk"})
    a = one([d], ledger((D, [G])), live({J: "Completed"}))
    assert a.action == "record" and not a.forces_new_job
    assert {c.path: c.effect for c in a.changes} == {
        "policy.retries": "policy",
        "metadata.labels.team": "policy",
    }


def test_next_job_only_change_is_recorded() -> None:
    d = desired(subnets=["subnet-0123abcd"], trainingInstanceType="ml.p3.8xlarge")
    a = one([d], ledger((D, [G])), live({J: "InProgress"}))
    assert (a.action, a.job_id) == ("record", J)
    assert [c.describe() for c in a.changes] == [
        'subnets: (unset) → ["subnet-0123abcd"] (takes effect on the next job)',
        'trainingInstanceType: "ml.p3.2xlarge" → "ml.p3.8xlarge" (takes effect on the next job)',
    ]


def test_replace_forces_a_retrain_and_stops_a_running_job() -> None:
    a = one([D], ledger((D, [G])), live({J: "InProgress"}), replace=frozenset({"m"}))
    assert (a.action, a.stop_job_id, a.job_id) == ("retrain", J, f"{J}-r2")
    a = one([D], ledger((D, [G])), live({J: "Completed"}), replace=frozenset({"m"}))
    assert (a.action, a.stop_job_id) == ("retrain", None)


# -- removed manifests ---------------------------------------------------------------------
def test_removed_manifest_without_prune_is_left_alone_with_a_warning() -> None:
    result = plan([], ledger((D, [G])), live({J: "InProgress"}))
    assert [a.action for a in result.actions] == ["noop"] and not result.has_changes
    assert result.warnings == ("m: manifest removed; plan with --prune to stop or forget its job",)


def test_removed_manifest_with_prune() -> None:
    held = plan([], ledger((D, [G])), live({J: "InProgress"}), Options(prune=True)).actions[0]
    assert (held.action, held.stop_job_id, held.forget) == ("hold", None, False)
    assert "needs `--confirm-prune m`" in held.reason
    yes = Options(prune=True, confirm_prune=frozenset({"m"}))
    running = plan([], ledger((D, [G])), live({J: "InProgress"}), yes).actions[0]
    assert (running.action, running.stop_job_id, running.clean, running.forget) == ("stop", J, False, True)
    d = desired(policy={"deletion": "clean"})
    clean = plan([], ledger((d, [generation(d)])), live({J: "InProgress"}), yes).actions[0]
    assert clean.clean
    done = plan([], ledger((D, [G])), live({J: "Completed"}), Options(prune=True)).actions[0]
    assert (done.action, done.job_id) == ("forget", None)


def test_prune_respects_targets_and_labels() -> None:
    d = desired("other", labels={"team": "growth"})
    lg = ledger((d, [generation(d)]))
    assert plan([], lg, live(), Options(prune=True, selector={"team": "risk"})).actions == ()
    assert plan([], lg, live(), Options(prune=True, targets=frozenset({"x"}))).actions == ()
    assert len(plan([], lg, live(), Options(prune=True, selector={"team": "growth"})).actions) == 1


# -- suspend -------------------------------------------------------------------------------
def test_suspend_stops_and_resume_recreates() -> None:
    d = desired(policy={"suspend": True})
    a = one([d], ledger((D, [G])), live({J: "InProgress"}))
    assert (a.action, a.stop_job_id, a.clean) == ("stop", J, False)
    stopped = {**G, "stopped": True}
    a = one([d], ledger((D, [stopped])), live({J: "Stopped"}))
    assert a.action == "noop" and a.reason.startswith("suspended")
    a = one([D], ledger((D, [stopped])), live({J: "Stopped"}))
    assert (a.action, a.job_id) == ("recreate", f"{J}-r2") and "stopped by the reconciler" in a.reason


def test_suspended_changes_wait_for_resume() -> None:
    d = desired(policy={"suspend": True}, maxHPONumberOfTrainingJobs=20)
    a = one([d], ledger((D, [G])), live({J: "Completed"}))
    assert a.action == "noop" and "1 change(s) wait" in a.reason


# -- interrupted applies --------------------------------------------------------------------
def test_pending_create_that_happened_becomes_a_generation() -> None:
    job = identity.job_id("m", D.spec, None, TRAINING)
    intent = {
        "op": "create",
        "jobId": job,
        "at": "2026-11-30T00:00:00Z",
        "spec": dict(D.spec),
        "action": "create",
        "applied": {**D.applied_view(), "appliedAt": "2026-11-30T00:00:00Z"},
    }
    lg = ledger(pending={"m": [intent]})
    lg.resources["m"] = {"generations": [], "pending": [intent]}
    lv = live({job: "InProgress"})
    assert [e["op"] for e in resolve_pending(lg, lv)] == ["created"]
    assert one([D], lg, lv).action == "noop"
    lv = live({job: None})
    assert [e["op"] for e in resolve_pending(lg, lv)] == ["resolved"]
    assert one([D], lg, lv).action == "create"


# -- properties -----------------------------------------------------------------------------
names = st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True)
specs = st.fixed_dictionaries({
    "maxHPONumberOfTrainingJobs": st.integers(1, 50),
    "trainingInstanceType": st.sampled_from(["ml.p3.2xlarge", "ml.g4dn.xlarge"]),
    "dataProcessingJobId": st.sampled_from(["dp-1", "dp-2", "dp-3"]),
})  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(names, specs, min_size=1, max_size=6),
    st.sampled_from(["Completed", "InProgress"]),
    st.randoms(),
)
def test_matching_ledger_and_live_plan_to_all_noop(fleet: dict, status: str, rng: random.Random) -> None:
    ds = [desired(n, **s) for n, s in fleet.items()]
    lg = ledger(*[(d, [generation(d)]) for d in ds])
    lv = live(
        {identity.job_id(d.name, d.spec, None, TRAINING): status for d in ds},
        {"dp-2": "Completed", "dp-3": "Completed"},
    )
    result = plan(ds, lg, lv)
    assert {a.action for a in result.actions} == {"noop"} and not result.has_changes
    shuffled = list(ds)
    rng.shuffle(shuffled)
    assert plan(shuffled, lg, lv) == result  # deterministic, whatever the order


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(names, specs, min_size=1, max_size=5),
    st.dictionaries(names, specs, max_size=5),
    st.dictionaries(
        names, st.sampled_from(["Completed", "InProgress", "Failed", "Stopped", None]), max_size=8
    ),
    st.booleans(),
)
def test_plan_is_deterministic(wanted: dict, applied: dict, statuses: dict, prune: bool) -> None:
    ds = [desired(n, **s) for n, s in wanted.items()]
    old = [desired(n, **s) for n, s in applied.items()]
    lg = ledger(*[(d, [generation(d)]) for d in old])
    lv = live(
        {
            identity.job_id(n, desired(n, **applied.get(n, {})).spec, None, TRAINING): s
            for n, s in statuses.items()
        }
    )
    first = plan(ds, lg, lv, Options(prune=prune))
    second = plan(ds, lg.copy(), lv, Options(prune=prune))
    assert first == second
    assert all(a.action in ACTIONS for a in first.actions)
    assert dataclasses.asdict(first) == dataclasses.asdict(second)


# -- a manifest the ledger does not know (lost ledger): rule first_job ---------------------
def test_first_job_adopts_the_newest_attempt_of_the_desired_spec() -> None:
    base = identity.job_id("m", D.spec, None, TRAINING)
    a = one([D], ledger(), live({base: "Failed", f"{base}-r2": "Failed", f"{base}-r3": "InProgress"}))
    assert (a.action, a.adopt, a.job_id) == ("record", True, f"{base}-r3")


def test_first_job_adopts_an_incremental_job_built_on_a_job_of_the_manifest() -> None:
    older = "m-0123456789"
    inc = identity.job_id("m", D.spec, older, TRAINING)
    a = one([D], ledger(), live({older: "Completed"}, listed=(older, inc)))
    assert (a.action, a.job_id, a.spec["previousModelTrainingJobId"]) == ("record", inc, older)


def test_first_job_waits_while_another_job_of_the_manifest_runs() -> None:
    other = "m-abcdef0123"
    a = one([D], ledger(), live({other: "InProgress", "mx-abcdef0123": "InProgress"}))
    assert (a.action, a.adopt, a.job_id, a.applied) == ("record", True, other, None)
    assert "not in the ledger" in a.reason
    done = one([D], ledger(), live({other: "Completed"}))
    assert (done.action, done.adopt_earlier) == ("create", (other,))
    assert one([D], ledger(), live({"m-x-abcdef0123": "InProgress"})).action == "create"  # another manifest's


def test_an_adopted_retry_attempt_counts_its_earlier_attempts_as_spent() -> None:
    d = desired(policy={"retries": 2})
    base = identity.job_id("m", d.spec, None, TRAINING)
    adopted = generation(d, f"{base}-r3", action="adopt")
    a = one([d], ledger((d, [adopted])), live({f"{base}-r3": "Failed"}))
    assert a.action == "blocked" and "no retries left (policy.retries: 2)" in a.reason


# -- what a default does: identity and diffs use today's defaults, the wire carries what was set --
def test_a_changed_schema_default_never_starts_a_job_by_itself() -> None:
    from reconciler.core.desired import Desired

    written = {"dataProcessingJobId": "dp-1", "trainModelS3Location": "s3://bkt/m"}
    recorded = desired()  # applied when the default of maxHPONumberOfTrainingJobs was 2
    gen = generation(recorded)
    lg = ledger((recorded, [gen]))
    lg.resources["m"]["applied"]["spec"] = dict(written)  # the ledger keeps what the user wrote

    def complete(spec: dict) -> dict:  # type: ignore[type-arg]
        return {**recorded.spec, "maxHPONumberOfTrainingJobs": 5, **spec}  # a later release says 5

    today = Desired(
        "m", complete(written), recorded.policy, written=written, complete=complete, kind=TRAINING
    )
    a = one([today], lg, live({gen["jobId"]: "Completed"}))
    assert (a.action, a.changes) == ("noop", ())


def test_a_create_sends_only_the_written_fields() -> None:
    from reconciler.core.desired import Desired

    written = {"dataProcessingJobId": "dp-1", "trainModelS3Location": "s3://bkt/m"}
    d = Desired("m", D.spec, D.policy, written=written, kind=TRAINING)
    a = one([d], ledger(), live())
    assert a.spec == {**written, "id": a.job_id}
    assert a.job_id == identity.job_id(
        "m", D.spec, None, TRAINING
    )  # identity still hashes the effective spec
    assert a.cost is not None and a.cost.hpo_jobs == 2  # and so does the cost bound
