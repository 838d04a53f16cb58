"""Text to plain data: strict UTF-8 decoding and a safe, bounded YAML parser. No I/O.

Only JSON-shaped values come out (mappings with string keys, lists, strings, numbers,
booleans, null). Tags that build objects, duplicate keys, timestamps that would silently
become dates, and alias expansions past a node budget are refused.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

import yaml

from agentcd.core.yamlstream import build_document
from agentcd.errors import DefinitionError

MAX_NODES = 200_000  # expanded nodes per document: far above real definitions, far below a bomb
# Nesting levels: deep JSON Schemas need ~20; the YAML parsers recurse (and crash) past ~1000.
MAX_DEPTH = 64
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


def _loader_base() -> type[yaml.SafeLoader]:
    # The C parser is many times faster; the construction rules below stay in Python.
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_loader_base()):  # type: ignore[misc]
    """SafeLoader without implicit timestamps, refusing duplicate keys and non-JSON tags."""


# Dates stay strings: `version: 2026-10-01` is a label, not a datetime.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_JSON_TAGS = frozenset(
    "tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "map", "seq")
)


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> float:
    value: float = yaml.SafeLoader.construct_yaml_float(loader, node)
    if not math.isfinite(value):
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a finite number", node.start_mark
        )
    return value


def _refuse_node(loader: _Loader, node: yaml.Node) -> Any:
    tag = node.tag.replace("tag:yaml.org,2002:", "!!")
    raise yaml.constructor.ConstructorError(
        None,
        None,
        f"YAML tag {tag!r} is not allowed: definitions are plain data "
        "(mappings, lists, strings, numbers, booleans, null)",
        node.start_mark,
    )


def _refuse_tag(loader: _Loader, tag_suffix: str, node: yaml.Node) -> Any:
    return _refuse_node(loader, node)


_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
for _tag in ("binary", "timestamp", "set", "omap", "pairs"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_node)
_Loader.add_multi_constructor("", _refuse_tag)


def parse_yaml(text: str, *, path: str) -> Any:
    """Parse one YAML document into JSON-shaped data, or raise DefinitionError naming `path`."""
    loader = _Loader(text)  # safe: a restricted SafeLoader, its constructors build plain data
    try:
        document = build_document(loader, max_depth=MAX_DEPTH)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = e.problem or e.context
        if not isinstance(e, yaml.constructor.ConstructorError):
            problem = f"invalid YAML: {problem}"
        raise DefinitionError(path, where, str(problem)) from e
    except yaml.YAMLError as e:
        raise DefinitionError(path, "", f"invalid YAML: {e}") from e
    except (ValueError, KeyError) as e:  # an explicit tag its value does not fit: `!!int 1.5`
        raise DefinitionError(path, "", f"a value does not fit its explicit YAML tag ({e})") from e
    finally:
        loader.dispose()
    if document.aliased or document.events > MAX_NODES:  # else nesting was checked as it parsed
        _check_size(document.data, path=path)
    return document.data


def _check_size(data: Any, *, path: str) -> None:
    """Refuse documents whose aliases expand past MAX_NODES (a 'billion laughs') or MAX_DEPTH."""
    budget = MAX_NODES
    stack = [(data, 0)]
    while stack:
        item, depth = stack.pop()
        budget -= 1
        if budget < 0 or depth > MAX_DEPTH:
            raise DefinitionError(
                path,
                "",
                f"aliases expand to more than {MAX_NODES} values or {MAX_DEPTH} levels "
                "(write the values out instead of nesting aliases)",
            )
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


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
        root = yaml.compose(text, Loader=_loader_base())
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
