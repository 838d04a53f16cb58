"""Text to plain data: strict UTF-8 decoding and a safe, bounded YAML parser. No I/O.

Only JSON-shaped values come out (mappings with string keys, lists, strings, numbers,
booleans, null). Tags that build objects, duplicate keys, timestamps that would silently
become dates, and alias expansions past a node budget are refused.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

import yaml

from agentcd.errors import DefinitionError

MAX_NODES = 200_000  # expanded nodes per document: far above real definitions, far below a bomb
_BOM = "\ufeff"


def decode_text(data: bytes, *, path: str) -> str:
    """Decode UTF-8 (a BOM is dropped) and normalize line endings to LF."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DefinitionError(path, "", f"not UTF-8 text (byte {e.start})") from e
    if text.startswith(_BOM):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _loader_base() -> type[yaml.SafeLoader]:
    # The C parser is many times faster; the construction rules below stay in Python.
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # type: ignore[no-any-return]


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


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Hashable] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # `<<` merges may be overridden by explicit keys, as YAML intends
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(
                None, None, f"mapping keys must be strings, found {key!r}", key_node.start_mark
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


def _refuse_tag(loader: _Loader, tag_suffix: str, node: yaml.Node) -> Any:
    raise yaml.constructor.ConstructorError(
        None, None, f"YAML tag {node.tag!r} is not allowed", node.start_mark
    )


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
for _tag in ("binary", "timestamp", "set", "omap", "pairs"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_tag)  # type: ignore[arg-type]
_Loader.add_multi_constructor("", _refuse_tag)


def parse_yaml(text: str, *, path: str) -> Any:
    """Parse one YAML document into JSON-shaped data, or raise DefinitionError naming `path`."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a restricted SafeLoader
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise DefinitionError(path, where, f"invalid YAML: {e.problem or e.context}") from e
    except yaml.YAMLError as e:
        raise DefinitionError(path, "", f"invalid YAML: {e}") from e
    _check_size(data, path=path)
    return data


def _check_size(data: Any, *, path: str) -> None:
    """Refuse documents whose aliases expand past MAX_NODES (a 'billion laughs')."""
    budget = MAX_NODES
    stack = [data]
    while stack:
        item = stack.pop()
        budget -= 1
        if budget < 0:
            raise DefinitionError(path, "", f"document expands to more than {MAX_NODES} nodes")
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


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
