"""Text to plain data: strict UTF-8 decoding and a safe, bounded YAML parser. No I/O.

Only JSON-shaped values come out (mappings with string keys, lists, strings, numbers,
booleans, null): what each scalar means is agentcd's rule (yamlscalar.py), not the parser's.
Tags that build objects, duplicate keys and aliases expanding past a budget of values, bytes
of text or nesting levels are refused; dates stay strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import yaml

from agentcd.core.definition.yamlalias import Limits
from agentcd.core.definition.yamlstream import build_document
from agentcd.errors import DefinitionError

MAX_NODES = 200_000  # values aliases may add: far above real definitions, far below a bomb
# Text aliases may add (UTF-8 bytes of keys and strings, each time an alias repeats them): 8
# files at the size cap. Aliases share one string in memory, but every later step (canonical
# JSON, the digest, a bundle) writes each repetition out: one 700 KB string aliased 15,000
# times is 10 GB there.
MAX_EXPANDED_BYTES = 8 * 1024 * 1024
# Nesting levels: deep JSON Schemas need ~20; the YAML parsers recurse (and crash) past ~1000.
MAX_DEPTH = 64
_LIMITS = Limits(max_depth=MAX_DEPTH, max_nodes=MAX_NODES, max_bytes=MAX_EXPANDED_BYTES)
_BOM = "\ufeff"


def decode_text(data: bytes, *, path: str) -> str:
    """Decode UTF-8 (a BOM is dropped) and normalize line endings to LF."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise DefinitionError(
            path, "", f"not UTF-8 text (line {line}, byte {e.start}); save the file as UTF-8"
        ) from e
    if text.startswith(_BOM):
        text = text[1:]
    if "\r" not in text:  # the usual case: one quick scan instead of two copies
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


# The C parser is many times faster; what the events mean is decided in yamlstream.
_FAST: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_EXACT = yaml.SafeLoader  # the pure-Python parser: the same wording and limits on every build


def parse_yaml(text: str, *, path: str) -> Any:
    """Parse one YAML document into JSON-shaped data, or raise DefinitionError naming `path`."""
    try:
        document = _build(_FAST, text)
    except (yaml.scanner.ScannerError, yaml.parser.ParserError, yaml.reader.ReaderError) as e:
        if _FAST is _EXACT:
            raise _definition_error(e, path, text) from e
        # libyaml's wording and its own limits (a nesting cap since 0.2.5) vary by build: the
        # pure-Python parser says what is wrong, and our depth limit is met before any cap.
        try:
            document = _build(_EXACT, text)
        except yaml.YAMLError as exact:
            raise _definition_error(exact, path, text) from exact
    except yaml.YAMLError as e:
        raise _definition_error(e, path, text) from e
    return document


def _build(loader_type: type[yaml.SafeLoader], text: str) -> Any:
    loader = loader_type(text)  # only its parser runs: yamlstream builds plain data itself
    try:
        return build_document(loader, limits=_LIMITS)
    finally:
        loader.dispose()


def _definition_error(e: yaml.YAMLError, path: str, text: str) -> DefinitionError:
    if isinstance(e, yaml.reader.ReaderError):  # a character YAML does not allow
        before = text[: e.position]
        where = f"line {before.count(chr(10)) + 1}, column {len(before) - before.rfind(chr(10))}"
        return DefinitionError(
            path, where, f"invalid YAML: character #x{e.character:04X}: {e.reason}"
        )
    if not isinstance(e, yaml.MarkedYAMLError):
        return DefinitionError(path, "", f"invalid YAML: {e}")
    mark = e.problem_mark or e.context_mark
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = e.problem or e.context
    if not isinstance(e, yaml.constructor.ConstructorError):
        problem = f"invalid YAML: {problem}"
    return DefinitionError(path, where, str(problem))


_FRONTMATTER = re.compile(r"\A---\n(.*?\n)---\n", re.DOTALL)


def split_frontmatter(text: str, *, path: str) -> tuple[dict[str, Any], str]:
    """Split a Markdown file's YAML frontmatter (as in SKILL.md) from its body."""
    match = _FRONTMATTER.match(text)
    if not match:
        return {}, text
    meta = parse_yaml(match.group(1), path=path)
    if not isinstance(meta, dict):
        raise DefinitionError(path, "frontmatter", "must be a mapping")
    return meta, text[match.end() :]


_INDEX = re.compile(r"\[(\d+)\]\.?")


def field_lines(text: str, fields: Iterable[str]) -> dict[str, int | None]:
    """The 1-based line where each field path (`tools[1].approval`) is written in YAML `text`.

    A path that is only partly there gets the line of its deepest part that is (a missing
    `environments[2].bindings.crm` gets the `bindings` line); None when not even its first
    part is. Composes the node tree once, on demand: meant for files that have findings, after
    `parse_yaml` accepted them, so normal loading never pays for it.
    """
    try:
        root = yaml.compose(text, Loader=_FAST)
    except yaml.YAMLError:
        root = None
    return {field: _field_line(root, field) for field in fields}


def _field_line(node: yaml.Node | None, field: str) -> int | None:
    line = None
    rest = field
    while rest and node is not None:
        step = _step(node, rest)
        if step is None:
            break
        node, line, rest = step
    return line


def _step(node: yaml.Node, rest: str) -> tuple[yaml.Node, int, str] | None:
    """Follow the first part of `rest` from `node`: (child, its line, what is left)."""
    if isinstance(node, yaml.SequenceNode):
        match = _INDEX.match(rest)
        if match is None or int(match.group(1)) >= len(node.value):
            return None
        item = node.value[int(match.group(1))]
        return item, item.start_mark.line + 1, rest[match.end() :]
    if isinstance(node, yaml.MappingNode):
        # Keys may hold dots (binding names do): the longest key the path starts with wins.
        for key, value in sorted(_entries(node), key=lambda kv: -len(kv[0].value)):
            name = str(key.value)
            if rest == name or rest.startswith((name + ".", name + "[")):
                return value, key.start_mark.line + 1, rest[len(name) :].removeprefix(".")
    return None


def _entries(node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
    """A mapping's own entries, then those `<<` merges in (which its own keys override)."""
    own = [(k, v) for k, v in node.value if k.tag != "tag:yaml.org,2002:merge"]
    merged: list[tuple[yaml.Node, yaml.Node]] = []
    for key, value in node.value:
        if key.tag == "tag:yaml.org,2002:merge":
            sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
            merged += [
                kv for src in sources if isinstance(src, yaml.MappingNode) for kv in src.value
            ]
    return own + merged
