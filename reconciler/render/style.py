"""Whether output may carry colour: only on a terminal, never with NO_COLOR or TERM=dumb."""

from __future__ import annotations

import os
from typing import TextIO


def use_colour(out: TextIO) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(out, "isatty", lambda: False)())
