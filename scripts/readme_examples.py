"""The README's demo examples are the demo's real output: write them, or check them.

    python scripts/readme_examples.py --write TRANSCRIPT   # make docs
    python scripts/readme_examples.py --check TRANSCRIPT   # CI, after `make demo TRANSCRIPT=...`

TRANSCRIPT is what ``scripts/demo.py --transcript FILE`` records: each shown command's output,
by label. In README.md, a block to fill is the fenced block after a marker such as

    <!-- demo: hide=': in sync:' plan-prune apply-prune -->

naming the commands it shows, in order, and optionally a regular expression (for the names after
it): a line matching it is hidden with the lines indented under it, and a run of hidden lines is
shown as one ``...``.
``--check`` compares in substance: ports, durations, timestamps and the ledger's lineage are masked,
and the lines are compared as a set (jobs start and finish in any order), so it fails only when the
README shows something the demo no longer prints, or misses something it now prints.
"""

from __future__ import annotations

import difflib
import json
import re
import shlex
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
MARKER = re.compile(r"^<!-- demo: (?P<args>.*?) -->\n```(?P<lang>\w*)\n(?P<body>.*?)^```$", re.M | re.S)
VOLATILE = [
    (re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\b"), "<time>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<uuid>"),
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:<port>"),
    (re.compile(r"\b\d+(\.\d+)?(ms|s|m|h)\b"), "<duration>"),
    (re.compile(r"(?<=\s)\d+…(?=\s|$)"), "<duration>"),  # an AGE cell cut to the table's width ("1…")
]


def text_start(line: str) -> int:
    """Where a line's text starts, past the plan's action symbols (``-/+ kg-transe`` is at 4)."""
    word = re.search(r"\w", line)
    return word.start() if word else len(line)


def under(line: str, head: str) -> bool:
    """Whether ``line`` belongs to ``head``: indented at least two past where its text starts."""
    return bool(line.strip()) and len(line) - len(line.lstrip(" ")) >= text_start(head) + 2


def shown(output: str, hide: re.Pattern[str] | None) -> list[str]:
    """The output's lines with the hidden groups folded into ``...``."""
    lines = output.strip("\n").split("\n")
    kept: list[str] = []
    i = 0
    while i < len(lines):
        j = i + 1
        if lines[i].strip():  # a group: this line and the lines indented deeper under it
            while j < len(lines) and under(lines[j], lines[i]):
                j += 1
        if hide is not None and hide.search(lines[i]):
            if not kept or kept[-1] != "...":
                kept.append("...")
        else:
            kept.extend(lines[i:j])
        i = j
    return kept


def block(transcript: dict[str, dict[str, str]], args: str) -> str:
    """The commands a marker names, each with its output; a ``hide=`` holds for the names after it."""
    hide: re.Pattern[str] | None = None
    out: list[str] = []
    for word in shlex.split(args):
        if word.startswith("hide="):
            hide = re.compile(word[5:])
            continue
        if word not in transcript:
            raise SystemExit(f"error: README names demo output {word!r}, which the demo does not record")
        entry = transcript[word]
        if entry["command"]:
            out.append(f"$ {entry['command']}")
        out.extend(shown(entry["output"], hide))
    return "\n".join(out) + "\n"


def masked(text: str) -> set[str]:
    """The lines of ``text`` in substance: volatile values masked, and every run of blanks one
    blank (a table pads its columns to the widest cell, so ``8s`` against ``10s`` in an AGE column
    moves the padding of every row: nothing compared may depend on how fast the machine is)."""
    for pattern, mask in VOLATILE:
        text = pattern.sub(mask, text)
    return {" ".join(line.split()) for line in text.split("\n")}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("--write", "--check"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, transcript = argv[0], json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    readme = README.read_text(encoding="utf-8")
    stale: list[str] = []

    def fill(match: re.Match[str]) -> str:
        new = block(transcript, match["args"])
        if masked(new) != masked(match["body"]):
            stale.append(" ".join(w for w in shlex.split(match["args"]) if not w.startswith("hide=")))
            if mode == "--check":
                diff = difflib.unified_diff(
                    match["body"].splitlines(), new.splitlines(), "README.md", "demo", lineterm="", n=1
                )
                print("\n".join(diff), file=sys.stderr)
        head = match.group(0)[: match.start("body") - match.start(0)]
        return head + new + "```"

    updated, count = MARKER.subn(fill, readme)
    if count == 0:
        print("error: README.md has no `<!-- demo: ... -->` blocks; nothing to check", file=sys.stderr)
        return 1
    if mode == "--write":
        README.write_text(updated, encoding="utf-8")
        print(f"README.md: {count} demo examples, {len(stale)} rewritten ({', '.join(stale) or 'none'})")
        return 0
    if stale:
        print(
            f"error: README.md examples differ from the demo's output: {', '.join(stale)}; "
            "run `make docs` to rewrite them",
            file=sys.stderr,
        )
        return 1
    print(f"README.md: {count} demo examples match the demo's output")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
