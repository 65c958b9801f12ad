"""``apply --converge``'s graph line (pure): each manifest of the graph by depth, with its action."""

from __future__ import annotations

from reconciler.core.plan import plan
from reconciler.engine.converge import graph_line

from ..core.test_graph import data, endpoint, model
from ..helpers import ledger, live


def test_the_graph_line_layers_data_models_endpoints() -> None:
    p = plan([data(), model(), model("other"), endpoint(), data("alone")], ledger(), live())
    assert graph_line(p) == "graph: + data → … model, … other → … ep"
