"""The Neptune ML path as one graph (pure): data-processing → training → endpoint, references
resolved in order, each new action kind decided (create, update in place, hold, delete, wait)."""

from __future__ import annotations

from typing import Any

from reconciler.core import identity, records
from reconciler.core.actions import ActionKind as K
from reconciler.core.desired import Desired
from reconciler.core.kinds import DATA_PROCESSING, ENDPOINT, TRAINING
from reconciler.core.model import Options
from reconciler.core.plan import plan
from reconciler.core.refs import order
from reconciler.manifests.desired import effective_spec

from ..helpers import AT, POLICY, ledger, live

DP_POLICY = {"onSupersede": "wait", "retries": 0, "deletion": "retain", "suspend": False}
EP_POLICY = {"promote": "auto", "deletion": "retain"}


def data(name: str = "data", **spec: Any) -> Desired:
    base = {"inputDataS3Location": f"s3://bkt/in/{name}", "processedDataS3Location": f"s3://bkt/out/{name}"}
    full = {**base, **spec}
    refs = {k: v["ref"] for k, v in full.items() if isinstance(v, dict)}
    return Desired(
        name, effective_spec(full, None, DATA_PROCESSING), DP_POLICY, kind=DATA_PROCESSING, refs=refs
    )


def model(name: str = "model", data_ref: str = "data", **spec: Any) -> Desired:
    full = {"dataProcessingJobId": {"ref": data_ref}, "trainModelS3Location": "s3://bkt/m", **spec}
    return Desired(
        name,
        effective_spec(full, None, TRAINING),
        POLICY,
        kind=TRAINING,
        refs={"dataProcessingJobId": data_ref},
    )


def endpoint(name: str = "ep", model_ref: str = "model", policy: dict[str, Any] | None = None) -> Desired:
    full = {"mlModelTrainingJobId": {"ref": model_ref}}
    return Desired(
        name, effective_spec(full, None, ENDPOINT), {**EP_POLICY, **(policy or {})}, kind=ENDPOINT,
        refs={"mlModelTrainingJobId": model_ref},
    )  # fmt: skip


def gen(d: Desired, job: str, spec: dict[str, Any], action: str = "create", **extra: Any) -> dict[str, Any]:
    return {**records.generation(job, spec, action, None, AT, kind=d.kind), **extra}


def resolved(d: Desired, **ids: str) -> Desired:
    """``d`` as the ledger would have recorded it, references replaced by ``ids``."""
    spec = {**d.spec, **ids}
    return Desired(d.name, spec, d.policy, kind=d.kind, written=spec, refs=d.refs)


def test_the_graph_orders_data_before_models_before_endpoints_whatever_the_names() -> None:
    got = order([endpoint("a-ep", "z-model"), model("z-model", "m-data"), data("m-data")])
    assert [d.name for d in got] == ["m-data", "z-model", "a-ep"]
    chained = order([data("b", previousDataProcessingJobId={"ref": "a"}), data("a")])
    assert [d.name for d in chained] == ["a", "b"]


def test_from_nothing_only_the_data_starts_and_the_rest_says_why_it_waits() -> None:
    p = plan([data(), model(), endpoint()], ledger(), live())
    dp, m, ep = (p.action_for(n) for n in ("data", "model", "ep"))
    assert dp is not None and dp.action is K.CREATE and dp.kind == "DataProcessingJob"
    assert m is not None and m.action is K.WAIT and m.job_id is None
    assert f"data-processing job {dp.job_id} of data, which starts in this apply" in m.reason
    assert ep is not None and ep.action is K.WAIT and "model has no Completed job yet" in ep.reason


def test_a_model_hashes_the_resolved_id_and_waits_while_that_job_runs() -> None:
    d = data()
    job = identity.job_id("data", d.spec, None, DATA_PROCESSING)
    state = ledger((d, [gen(d, job, dict(d.spec))]))
    running = plan([d, model()], state, live({job: "InProgress"})).action_for("model")
    assert (
        running is not None
        and running.action is K.WAIT
        and f"{job} of data, which is InProgress" in running.reason
    )
    done = plan([d, model()], state, live({job: "Completed"})).action_for("model")
    assert done is not None and done.action is K.CREATE
    assert done.spec is not None and done.spec["dataProcessingJobId"] == job
    assert done.job_id == identity.job_id(
        "model", {**model().spec, "dataProcessingJobId": job}, None, TRAINING
    )
    assert done.applied is not None and done.applied["refs"] == {"dataProcessingJobId": "data"}


def test_a_new_data_generation_is_new_data_for_the_model_incremental_from_its_last_completed_job() -> None:
    old, new = data("old"), data("new")
    old_job, new_job = (identity.job_id(d.name, d.spec, None, DATA_PROCESSING) for d in (old, new))
    m = resolved(model(data_ref="old"), dataProcessingJobId=old_job)
    m_job = identity.job_id("model", m.spec, None, TRAINING)
    state = ledger(
        (old, [gen(old, old_job, dict(old.spec))]), (new, [gen(new, new_job, dict(new.spec))]),
        (m, [gen(m, m_job, dict(m.spec))]),
    )  # fmt: skip
    views = live({old_job: "Completed", new_job: "Completed", m_job: "Completed"})
    act = plan([old, new, model(data_ref="new")], state, views).action_for("model")
    assert act is not None and act.action is K.INCREMENTAL and act.previous_job_id == m_job
    assert [c.path for c in act.changes] == ["spec.dataProcessingJobId"]


def _served(promote: str = "auto") -> tuple[list[Desired], Any, str, str]:
    """A model with an old Completed job the endpoint serves and a newer job (status per test)."""
    m = model()
    old, new = "model-aaaaaaaaaa", "model-bbbbbbbbbb"
    ep = endpoint(policy={"promote": promote})
    served = resolved(ep, mlModelTrainingJobId=old)
    state = ledger(
        (m, [gen(m, old, dict(m.spec), finalStatus="Completed"), gen(m, new, dict(m.spec))]),
        (served, [gen(served, "ep", {**served.spec, "id": "ep"})]),
    )  # fmt: skip
    return [ep], state, old, new


def test_an_endpoint_follows_the_latest_completed_model_never_a_running_or_failed_one() -> None:
    eps, state, old, new = _served()
    for status in ("InProgress", "Failed"):
        act = plan(eps, state, live({old: "Completed", new: status, "ep": "InService"})).action_for("ep")
        assert act is not None and act.action is K.NOOP and f"serving {old}" in act.reason
    act = plan(eps, state, live({old: "Completed", new: "Completed", "ep": "InService"})).action_for("ep")
    assert act is not None and act.action is K.UPDATE and act.job_id == "ep"
    assert act.spec is not None
    assert {k: act.spec[k] for k in ("mlModelTrainingJobId", "id", "update")} == {
        "mlModelTrainingJobId": new, "id": "ep", "update": True,
    }  # fmt: skip
    assert act.changes[0].describe() == f'mlModelTrainingJobId: "{old}" → "{new}" (updated in place)'


def test_manual_promotion_holds_the_update_until_promote_names_it() -> None:
    eps, state, old, new = _served("manual")
    views = live({old: "Completed", new: "Completed", "ep": "InService"})
    held = plan(eps, state, views).action_for("ep")
    assert held is not None and held.action is K.HOLD and not held.action.executes
    assert f"serving {old} until `apply --promote ep`" in held.reason
    go = plan(eps, state, views, Options(promote=frozenset({"ep"}))).action_for("ep")
    assert go is not None and go.action is K.UPDATE


def test_an_endpoint_being_updated_is_waited_for_a_vanished_one_recreated_a_failed_one_blocked() -> None:
    eps, state, old, new = _served()
    busy = plan(eps, state, live({old: "Completed", new: "Completed", "ep": "Updating"})).action_for("ep")
    assert busy is not None and busy.action is K.WAIT
    gone = plan(eps, state, live({old: "Completed", "ep": None})).action_for("ep")
    assert (
        gone is not None and gone.action is K.RECREATE and gone.spec is not None and "update" not in gone.spec
    )
    failed = plan(eps, state, live({old: "Completed", "ep": "Failed"})).action_for("ep")
    assert failed is not None and failed.action is K.BLOCKED and "--replace ep" in failed.reason
    again = plan(eps, state, live({old: "Completed", "ep": "Failed"}), Options(replace=frozenset({"ep"})))
    again_ep = again.action_for("ep")
    assert again_ep is not None and again_ep.action is K.UPDATE


def test_an_endpoint_the_ledger_does_not_know_is_taken_over_by_an_update_not_a_second_create() -> None:
    m = model()
    state = ledger((m, [gen(m, "model-aaaaaaaaaa", dict(m.spec), finalStatus="Completed")]))
    act = plan([endpoint()], state, live({"model-aaaaaaaaaa": "Completed", "ep": "InService"})).action_for(
        "ep"
    )
    assert act is not None and act.action is K.UPDATE and "does not know it" in act.reason


def test_a_pruned_endpoint_is_deleted_with_its_deletion_policy_and_a_gone_one_forgotten() -> None:
    eps, state, old, _ = _served()
    data_ = state.data
    data_["resources"]["ep"]["applied"]["policy"]["deletion"] = "clean"
    held = plan([model()], state, live({"ep": "InService"}), Options(prune=True)).action_for("ep")
    assert held is not None and held.action is K.HOLD and not held.action.executes
    yes = Options(prune=True, confirm_prune=frozenset({"ep"}))
    act = plan([model()], state, live({"ep": "InService"}), yes).action_for("ep")
    assert act is not None and act.action is K.DELETE and act.clean and act.forget and act.kind == "Endpoint"
    gone = plan([model()], state, live({"ep": None}), Options(prune=True)).action_for("ep")
    assert gone is not None and gone.action is K.FORGET


def test_the_plan_lists_data_then_models_then_endpoints() -> None:
    p = plan([endpoint("a-ep"), model("b-model", "z-data"), data("z-data")], ledger(), live())
    assert [a.name for a in p.actions] == ["z-data", "b-model", "a-ep"]


def test_a_name_cannot_change_kind() -> None:
    m = model("data")  # the ledger knows "data" as a training job
    state = ledger((m, [gen(m, "data-aaaaaaaaaa", dict(m.spec))]))
    act = plan([data()], state, live({"data-aaaaaaaaaa": "Completed"})).action_for("data")
    assert act is not None and act.action is K.BLOCKED
    assert "is a DataProcessingJob in git but a ModelTrainingJob in the ledger" in act.reason


def test_an_endpoint_has_no_final_status_in_the_ledger() -> None:
    from reconciler.core.settle import finals

    eps, state, old, _ = _served()
    assert finals(state, live({old: "Completed", "ep": "Failed"})) == []


def test_reasons_along_a_reference_chain_stay_short() -> None:
    """Defect: each waiting manifest quoted the reason of the one it referred to, so a chain of
    3,000 gave 132 MB of reasons. Now each names its root: the text grows linearly."""
    chain = [data("d0000")] + [
        data(f"d{i:04d}", previousDataProcessingJobId={"ref": f"d{i - 1:04d}"}) for i in range(1, 400)
    ]
    p = plan(chain, ledger(), live())
    reasons = [a.reason for a in p.actions]
    assert max(len(r) for r in reasons) < 200, max(reasons, key=len)[:300]
    last = p.action_for("d0399")
    assert last is not None and last.action is K.WAIT and "it waits on d0001" in last.reason
