"""Everything a user reads, written to a stream the caller passes in; formats are an Enum."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TextIO

from ..core.model import Plan


class Format(StrEnum):
    """Output formats of ``plan``; commands that have no Markdown view take ``DataFormat``."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


class DataFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class StatusFormat(StrEnum):
    """``status`` also draws the fleet as one self-contained HTML page."""

    TEXT = "text"
    JSON = "json"
    HTML = "html"


def plan_renderer(fmt: Format | DataFormat) -> Callable[[Plan, TextIO, str], None]:
    """The renderer of a plan in ``fmt``: ``renderer(plan, out, state_location)``."""
    from .plan import render_json, render_markdown, render_text

    renderers = {
        Format.TEXT: render_text,
        Format.JSON: render_json,
        Format.MARKDOWN: render_markdown,
    }
    chosen = renderers[Format(fmt)]
    return lambda plan, out, state: chosen(plan, out, state=state)
