"""Safe YAML loading that remembers where every value came from.

The first step of load → validate: text becomes plain data plus a map from each
value's path to its ``line:column``, so every later error can point at the source.
Duplicate keys, alias bombs, merge keys and non-UTF-8 text are refused here.
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass, field
from typing import Any

import yaml

try:  # libyaml is much faster; the pure-Python loader gives the same nodes and marks
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment,unused-ignore]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

MAX_FILE_BYTES = 1024 * 1024
MAX_VALUES_PER_DOCUMENT = 100_000
MAX_DEPTH = 64

Path = tuple[str | int, ...]
Position = tuple[int, int]


@dataclass
class Document:
    """One YAML document: plain data and the 1-based position of every value and key."""

    file: str
    data: Any
    start: Position
    values: dict[Path, Position] = field(default_factory=dict)
    keys: dict[Path, Position] = field(default_factory=dict)
    # Read quickly (no positions yet): the full positional parse runs the first time a position
    # is asked for, except those ``known`` already (the manifest's name, found by a scan).
    text: str | None = None
    known: dict[Path, Position] = field(default_factory=dict)

    def where(self, path: Path, *, key: bool = False) -> Position:
        """Position of the value (or its key) at ``path``, falling back to the nearest parent."""
        if not key and tuple(path) in self.known:
            return self.known[tuple(path)]
        if self.text is not None:
            full = load_documents(self.file, self.text.encode("utf-8"))[0]
            self.values, self.keys, self.start, self.text = full.values, full.keys, full.start, None
        probe = tuple(path)
        while True:
            table = self.keys if key and probe in self.keys else self.values
            if probe in table:
                return table[probe]
            if not probe:
                return self.start
            probe = probe[:-1]


class YamlProblem(Exception):
    """A file that cannot be read as YAML at all; carries a position and a problem code."""

    def __init__(self, file: str, line: int, column: int, code: str, message: str) -> None:
        super().__init__(message)
        self.file, self.line, self.column, self.code, self.message = (
            file,
            line,
            column,
            code,
            message,
        )


def _pos(node: yaml.Node) -> Position:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    """Turns a composed node tree into plain Python, recording positions as it goes."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.count = 0
        self.scalars = yaml.SafeLoader("")
        self.active: set[int] = set()

    def fail(self, node: yaml.Node, code: str, message: str) -> YamlProblem:
        line, col = _pos(node)
        return YamlProblem(self.file, line, col, code, message)

    def build(self, node: yaml.Node, doc: Document, path: Path, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_VALUES_PER_DOCUMENT:
            raise self.fail(
                node,
                "Y004",
                f"document expands to more than {MAX_VALUES_PER_DOCUMENT} values "
                "(anchors and aliases are limited); write the values out instead",
            )
        if depth > MAX_DEPTH:
            raise self.fail(node, "Y004", f"nesting deeper than {MAX_DEPTH} levels")
        doc.values.setdefault(path, _pos(node))
        if isinstance(node, yaml.ScalarNode):
            try:
                return self.scalars.construct_object(node)
            except ValueError as e:  # e.g. an integer of more than 4300 digits
                raise self.fail(node, "Y006", f"value can't be read: {e}") from None
        if node.tag not in ("tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"):
            raise self.fail(node, "Y005", f"tag {node.tag} is not allowed; use plain lists and mappings")
        if id(node) in self.active:
            raise self.fail(node, "Y004", "recursive alias: a value contains itself")
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, doc, (*path, i), depth + 1) for i, item in enumerate(node.value)]
            return self._mapping(node, doc, path, depth)
        finally:
            self.active.discard(id(node))

    def _mapping(self, node: yaml.Node, doc: Document, path: Path, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise self.fail(key_node, "Y005", "merge keys (<<) are not supported; write the keys out")
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, "Y005", "mapping keys must be plain scalars")
            raw_key = self.scalars.construct_object(key_node)
            # dates, floats and null as keys are compared as text
            key: str | int = raw_key if isinstance(raw_key, str | int) else str(raw_key)
            if key in result:
                first_line, first_col = doc.keys[(*path, key)]
                raise self.fail(
                    key_node,
                    "Y002",
                    f"duplicate key {key!r} (first defined at line {first_line}, "
                    f"column {first_col}); remove one of them",
                )
            doc.keys[(*path, key)] = _pos(key_node)
            result[key] = self.build(value_node, doc, (*path, key), depth + 1)
        return result


def read_limited(path: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """A file's bytes, reading only regular files (a FIFO would hang, a link to /dev/zero never
    ends) and never more than ``limit`` bytes. Raises OSError with a message for people."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # non-blocking: opening a FIFO must not hang
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError("not a regular file (a FIFO, device or socket); only plain files are read")
        if info.st_size > limit:
            raise OSError(f"file is {info.st_size} bytes, over the {limit}-byte limit; split it")
        chunks, size = [], 0
        while size <= limit and (chunk := os.read(fd, max(info.st_size, 4096) + 1)):
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise OSError(f"file grew past the {limit}-byte limit while being read")
    return data


def decode(file: str, raw: bytes) -> str:
    """Check size and encoding; return the text."""
    if len(raw) > MAX_FILE_BYTES:
        raise YamlProblem(
            file,
            1,
            1,
            "Y006",
            f"file is {len(raw)} bytes, over the {MAX_FILE_BYTES}-byte limit; split it",
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        before = raw[: e.start]
        line = before.count(b"\n") + 1
        column = e.start - (before.rfind(b"\n") + 1) + 1
        raise YamlProblem(file, line, column, "Y003", "file is not valid UTF-8; save it as UTF-8") from None


def _check_json(file: str, text: str) -> None:
    """A body written as JSON is held to JSON's rules (YAML would forgive a trailing comma)."""
    try:
        json.loads(text)
    except RecursionError:
        raise YamlProblem(file, 1, 1, "Y004", f"nesting deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as e:
        before = text[: e.pos].rstrip()
        if before.endswith(",") and text[e.pos : e.pos + 1] in ("}", "]"):
            comma = len(before) - 1
            line = text.count("\n", 0, comma) + 1
            column = comma - (text.rfind("\n", 0, comma) + 1) + 1
            message = f"JSON syntax error: trailing comma before {text[e.pos]!r}; remove it"
            raise YamlProblem(file, line, column, "Y001", message) from None
        raise YamlProblem(file, e.lineno, e.colno, "Y001", f"JSON syntax error: {e.msg}") from None
    except ValueError as e:  # Python refuses integers of more than 4300 digits
        raise YamlProblem(file, 1, 1, "Y006", f"a number is too long: {e}") from None


class _QuickLoader(_Loader):  # type: ignore[misc,valid-type]
    """libyaml's safe parser and composer, with the tag of each plain scalar remembered (a fleet
    repeats its keys and values: the resolver's regular expressions run once for each)."""

    _tags: dict[tuple[str, bool], str] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not yaml.ScalarNode or len(value) > 64:
            return super().resolve(kind, value, implicit)
        key = (value, implicit[0])
        tag = self._tags.get(key)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(self._tags) < 20_000:
                self._tags[key] = tag
        return tag


class _Declined(Exception):
    """The quick path does not take this text (the positional one says what is wrong, where)."""


_STR = "tag:yaml.org,2002:str"


def _build(loader: Any, node: Any, depth: int = 0) -> Any:
    """The value of a composed node, as the safe constructor would make it, in one recursion
    (the constructor's generic machinery is most of a plain file's cost); no aliases, merge keys
    or explicit tags reach here. A complex or duplicate key, an unknown tag or a depth past
    ``MAX_DEPTH`` declines."""
    kind = node.__class__
    if kind is yaml.ScalarNode:
        if node.tag == _STR:
            return node.value
        make = loader.yaml_constructors.get(node.tag)
        if make is None:
            raise _Declined(node.tag)
        return make(loader, node)
    if depth >= MAX_DEPTH:
        raise _Declined("too deep")
    if kind is yaml.MappingNode:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.__class__ is not yaml.ScalarNode:  # `? [a, b]`: a complex key
                raise _Declined("complex key")
            key = _build(loader, key_node, depth + 1)
            if key in result:
                raise _Declined("duplicate key")
            result[key] = _build(loader, value_node, depth + 1)
        return result
    if kind is yaml.SequenceNode:
        return [_build(loader, item, depth + 1) for item in node.value]
    raise _Declined(str(kind))


def _plain(text: str) -> bool:
    """No anchor, alias, tag, merge key or document marker (``---``/``...`` at a line's start):
    substring tests, ten times quicker than one regular expression saying the same."""
    return not (
        "&" in text or "*" in text or "!" in text or "<<" in text
        or text.startswith(("---", "...")) or "\n---" in text or "\n..." in text
    )  # fmt: skip


# metadata's name, block style (an indented line below) or flow style ({name: ...} on the line)
_NAME = re.compile(r"^metadata:[ \t]*(?:\n(?:[ \t]+.*\n)*?[ \t]+|\{[ \t]*)name:[ \t]*(\S)", re.MULTILINE)


def quick_document(file: str, raw: bytes) -> Document | None:
    """One plain block-YAML document read at libyaml's speed, positions deferred; None when the
    text has anything the quick path does not take (anchors, tags, several documents, JSON)."""
    if len(raw) > MAX_FILE_BYTES:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not _plain(text) or text.lstrip()[:1] in ("{", "["):
        return None
    loader = _QuickLoader(text)
    try:
        node = loader.get_single_node()
        data = None if node is None else _build(loader, node)
    except (yaml.YAMLError, ValueError, RecursionError, _Declined):
        return None  # the positional parse says what is wrong, and where
    finally:
        loader.dispose()
    if data is None:
        return None
    doc = Document(file=file, data=data, start=(1, 1), text=text)
    m = _NAME.search(text)
    if m and isinstance(data, dict) and isinstance(data.get("metadata"), dict):
        line = text.count("\n", 0, m.start(1)) + 1
        doc.known[("metadata", "name")] = (line, m.start(1) - text.rfind("\n", 0, m.start(1)))
    return doc


def _syntax_error(file: str, e: yaml.MarkedYAMLError) -> YamlProblem:
    """A syntax error placed where the parser stopped (where an editor or an annotation should
    jump); an unclosed bracket or quote also names where it was opened, since that is usually
    what to fix."""
    what = " ".join(x for x in (e.context, e.problem) if x)
    opened = (
        e.context_mark
        if (e.context or "").startswith(("while parsing a flow", "while scanning a quoted"))
        else None
    )
    mark = e.problem_mark or e.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    if opened is not None and e.problem_mark is not None and e.problem_mark.line != opened.line:
        what += f" (opened at line {opened.line + 1}, column {opened.column + 1}; is it closed?)"
    return YamlProblem(file, line, col, "Y001", f"YAML syntax error: {what}")


def load_documents(file: str, raw: bytes) -> list[Document]:
    """Parse every document of a YAML file safely, with positions."""
    text = decode(file, raw)
    if text.lstrip()[:1] in ("{", "["):
        _check_json(file, text)
    documents: list[Document] = []
    try:
        for node in yaml.compose_all(text, Loader=_Loader):
            if node is None:  # pragma: no cover - compose_all skips empty documents
                continue
            doc = Document(file=file, data=None, start=_pos(node))
            doc.data = _Builder(file).build(node, doc, ())
            documents.append(doc)
    except yaml.MarkedYAMLError as e:
        raise _syntax_error(file, e) from None
    except yaml.YAMLError as e:
        raise YamlProblem(file, 1, 1, "Y001", f"YAML error: {e}") from None
    except RecursionError:
        raise YamlProblem(file, 1, 1, "Y004", f"nesting deeper than {MAX_DEPTH} levels") from None
    return documents
