"""The promotion gate, pure: every verdict from the gate, the candidate's metrics and the served one's."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reconciler.core.quality import Gate, judge, read

ACC = Gate("accuracy")


def test_a_worse_model_is_held_naming_both_numbers() -> None:
    v = judge(ACC, ("m-2", {"accuracy": 0.7}), ("m-1", {"accuracy": 0.8}))
    assert (v.outcome, v.reason) == ("hold", "accuracy 0.7 < 0.8 served now")


def test_lower_is_better_when_the_gate_says_so() -> None:
    loss = Gate("eval.loss", direction="lower")
    assert judge(loss, ("m-2", {"eval": {"loss": 0.2}}), ("m-1", {"eval": {"loss": 0.3}})).outcome == "ok"
    held = judge(loss, ("m-2", {"eval": {"loss": 0.4}}), ("m-1", {"eval": {"loss": 0.3}}))
    assert held.reason == "eval.loss 0.4 > 0.3 served now"


def test_bars_apply_to_the_first_model_and_no_worse_can_be_off() -> None:
    bar = Gate("accuracy", minimum=0.85, maximum=0.99)
    assert judge(bar, ("m-1", {"accuracy": 0.8}), None).reason == "accuracy 0.8 < minimum 0.85"
    assert judge(bar, ("m-1", {"accuracy": 1.0}), None).reason == "accuracy 1 > maximum 0.99"
    free = Gate("accuracy", no_worse=False)
    assert judge(free, ("m-2", {"accuracy": 0.1}), ("m-1", {"accuracy": 0.9})).outcome == "ok"


def test_an_unmeasured_model_is_held_and_a_non_number_blocks() -> None:
    assert judge(ACC, ("m-2", "no metrics file at s3://b/k"), None).outcome == "hold"
    assert judge(ACC, ("m-2", None), None).outcome == "hold"  # not read yet: never "better"
    assert "has no accuracy" in judge(ACC, ("m-2", {"f1": 0.9}), None).reason
    blocked = judge(ACC, ("m-2", {"accuracy": "high"}), None)
    assert blocked.outcome == "blocked" and "accuracy is 'high', not a number" in blocked.reason
    assert judge(ACC, ("m-2", {"accuracy": True}), None).outcome == "blocked"  # a bool is no number


def test_a_served_model_without_a_number_does_not_hold_a_measured_one() -> None:
    assert judge(ACC, ("m-2", {"accuracy": 0.5}), ("m-1", "no metrics file at s3://b/k")).outcome == "ok"


@given(st.floats(0, 1), st.floats(0, 1))
def test_no_worse_promotes_exactly_the_at_least_as_good(new: float, old: float) -> None:
    v = judge(ACC, ("m-2", {"accuracy": new}), ("m-1", {"accuracy": old}))
    assert (v.outcome == "ok") == (new >= old)
    assert read({"accuracy": new}, "accuracy", "m-2").value == new
