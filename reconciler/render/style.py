"""Output hygiene: colour only on a terminal, and untrusted text escaped before it is printed."""

from __future__ import annotations

import os
import re
from typing import TextIO


def use_colour(out: TextIO) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(out, "isatty", lambda: False)())


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def clean(text: object) -> str:
    """Text from files or servers made safe to print on one line: control characters (newlines,
    escape codes) are shown escaped, so a failure reason or a file name can't forge a line of
    output, an annotation or a colour."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], str(text))


def annotation_property(text: object) -> str:
    """A GitHub workflow-command property value, escaped as GitHub documents it."""
    return annotation_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_data(text: object) -> str:
    """A GitHub workflow-command message, escaped as GitHub documents it (``%``, CR, LF); any
    other control character (ESC, TAB, …), which GitHub has no escape for, is shown escaped."""
    return clean(str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))
