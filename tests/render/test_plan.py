"""Plan rendering: text colour rules and the PR comment's size limit."""

from __future__ import annotations

import io

import pytest

from reconciler.core.plan import plan
from reconciler.render.plan import GITHUB_LIMIT, render_markdown, render_text
from reconciler.render.style import use_colour

from ..helpers import desired, ledger, live


def big_plan(n: int):  # type: ignore[no-untyped-def]
    ds = [desired(f"model-{i:05d}", maxHPONumberOfTrainingJobs=i % 40 + 1) for i in range(n)]
    return plan(ds, ledger(), live())


@pytest.mark.parametrize("n", [1, 300, 3000])
def test_markdown_stays_under_githubs_limit(n: int) -> None:
    out = io.StringIO()
    render_markdown(big_plan(n), out)
    text = out.getvalue()
    assert len(text) < GITHUB_LIMIT
    assert text.startswith(f"### reconciler plan: {n} to create")
    rows = text.count("| `+` |")
    if n == 1:
        assert "Cut to fit" not in text and text.count("<details>") == 1
    elif n == 300:  # every row, then as many folded details as fit
        assert rows == 300 and 0 < text.count("<details>") < 300
        assert text.rstrip().endswith("more details; the JSON plan artifact has everything._")
    else:  # the table alone is too long: rows are cut and no details follow
        assert 0 < rows < 3000 and "<details>" not in text
        assert text.rstrip().endswith("more rows; the JSON plan artifact has everything._")


def test_text_colour_only_when_asked() -> None:
    p = big_plan(1)
    plain, coloured = io.StringIO(), io.StringIO()
    render_text(p, plain)
    render_text(p, coloured, colour=True)
    assert "\x1b[" not in plain.getvalue() and "\x1b[32m" in coloured.getvalue()


def test_no_color_is_respected(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert use_colour(Tty())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(Tty())


def test_markdown_draws_the_part_of_the_graph_the_plan_changes() -> None:
    from ..core.test_graph import data, endpoint, model

    p = plan([data(), model(), endpoint(), data("other")], ledger(), live())
    out = io.StringIO()
    render_markdown(p, out)
    text = out.getvalue()
    block = text[text.index("```mermaid") : text.index("```", text.index("```mermaid") + 3) + 3]
    assert block.splitlines() == [
        "```mermaid",
        "graph LR",
        '  n_data["+ data: create"]',
        '  n_ep["… ep: wait"]',
        '  n_model["… model: wait"]',
        "  n_model -->|mlModelTrainingJobId| n_ep",
        "  n_data -->|dataProcessingJobId| n_model",
        "```",
    ]
    assert len(text) < GITHUB_LIMIT and "n_other" not in text  # no edge: not drawn


def test_a_big_graph_stays_under_githubs_limit() -> None:
    from ..core.test_graph import data, model

    ds = [data(f"d-{i:04d}") for i in range(1500)] + [model(f"m-{i:04d}", f"d-{i:04d}") for i in range(1500)]
    out = io.StringIO()
    render_markdown(plan(ds, ledger(), live()), out)
    assert len(out.getvalue()) < GITHUB_LIMIT
