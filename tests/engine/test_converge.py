"""``apply --converge``'s graph line (pure): each manifest of the graph by depth, with its action."""

from __future__ import annotations

from reconciler.core.plan import plan
from reconciler.engine.converge import graph_line

from ..core.test_graph import data, endpoint, model
from ..helpers import ledger, live


def test_the_graph_line_layers_data_models_endpoints() -> None:
    p = plan([data(), model(), model("other"), endpoint(), data("alone")], ledger(), live())
    assert graph_line(p).splitlines() == [
        "graph:",  # "alone" refers to nothing and nothing to it: not part of the graph
        "  + data",
        "  ├─ … model",
        "  │  └─ … ep",
        "  └─ … other",
    ]


def test_a_manifest_that_refers_to_two_is_drawn_once_and_pointed_at_again() -> None:
    both = model("both", "a")
    both = type(both)(
        both.name, both.spec, both.policy, kind=both.kind, refs={"dataProcessingJobId": "a", "x": "b"}
    )
    p = plan([data("a"), data("b"), both], ledger(), live())
    assert graph_line(p).splitlines() == ["graph:", "  + a", "  └─ … both", "  + b", "  └─ ↑ both"]
