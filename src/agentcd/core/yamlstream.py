"""Plain data straight from a YAML parser's event stream, in one pass. No I/O.

`yaml.load` composes a node tree and then constructs objects from it: twice the work, and the C
composer recurses (a segfault on deep nesting). Here collections are built as their events
arrive; nesting depth, string keys, duplicate keys and `<<` merges are checked on the way, and
scalars and tags go through the loader's own resolvers and constructors (its rules stay there).
Aliases share the anchored object, as PyYAML's constructor does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_NO_KEY: Any = object()
_MERGE_KEY: Any = object()


@dataclass(slots=True)
class _Open:
    """A collection being filled; for a mapping, its keys so far and the key awaiting a value."""

    value: Any
    mark: Any
    is_map: bool
    key: Any = _NO_KEY
    seen: set[str] | None = None
    merges: list[dict[str, Any]] | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """A document's plain data; `events` is at least the number of values written in it."""

    data: Any
    events: int
    aliased: bool


def build_document(loader: Any, *, max_depth: int) -> Document:
    """The one document in `loader`'s stream as plain data (None when the stream is empty).

    `loader` is a PyYAML loader class instance (C or Python) without path resolvers.
    """
    loader.get_event()  # stream start
    start = loader.get_event()
    if isinstance(start, yaml.StreamEndEvent):
        return Document(None, events=0, aliased=False)
    document = _build(loader, max_depth, _plain_resolver(loader.__class__))
    end = loader.get_event()
    if not isinstance(end, yaml.StreamEndEvent):
        raise ComposerError(
            "expected a single document in the stream",
            start.start_mark,
            "but found another document",
            end.start_mark,
        )
    return document


def _build(loader: Any, max_depth: int, resolve: Callable[[str], str]) -> Document:
    anchors: dict[str, Any] = {}
    stack: list[_Open] = []
    value: Any = None
    events = 0
    aliased = False
    while True:
        event = loader.get_event()
        kind = type(event)
        events += 1
        if kind is yaml.ScalarEvent:
            value, mark = _scalar(loader, event, stack, resolve), event.start_mark
            if event.anchor is not None:
                _anchor(anchors, event, value)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            stack.append(_open(loader, event, depth=len(stack), max_depth=max_depth))
            if event.anchor is not None:
                _anchor(anchors, event, stack[-1].value)
            continue
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            frame = stack.pop()
            value, mark = _close(frame), frame.mark
        elif kind is yaml.AliasEvent:
            if event.anchor not in anchors:
                raise ComposerError(None, None, "found undefined alias", event.start_mark)
            value, mark, aliased = anchors[event.anchor], event.start_mark, True
        else:  # document end
            return Document(value, events=events, aliased=aliased)
        if stack:
            _add(stack[-1], value, mark)


def _scalar(loader: Any, event: Any, stack: list[_Open], resolve: Callable[[str], str]) -> Any:
    tag = event.tag
    if tag is None or tag == "!":
        if not event.implicit[0]:
            return event.value  # quoted or block style: a string
        tag = resolve(event.value)
    if tag == _STR:
        return event.value
    if tag == _MERGE and stack and stack[-1].is_map and stack[-1].key is _NO_KEY:
        return _MERGE_KEY
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    return loader.construct_object(node, deep=True)


@lru_cache(maxsize=8)
def _plain_resolver(loader_type: type) -> Callable[[str], str]:
    """`Resolver.resolve` for plain scalars of one loader class, memoized by value.

    Keys and short values repeat throughout definitions; a dictionary lookup beats trying the
    resolvers' regular expressions again.
    """
    resolvers: dict[Any, list[tuple[str, Any]]] = loader_type.yaml_implicit_resolvers  # type: ignore[attr-defined]
    wildcard = resolvers.get(None, [])

    @lru_cache(maxsize=4096)
    def resolve(value: str) -> str:
        for tag, regexp in resolvers.get(value[:1], []) + wildcard:
            if regexp.match(value):
                return str(tag)
        return _STR

    return resolve


def _open(loader: Any, event: Any, *, depth: int, max_depth: int) -> _Open:
    if depth == max_depth:
        raise ConstructorError(
            None, None, f"nested deeper than {max_depth} levels", event.start_mark
        )
    mapping = isinstance(event, yaml.MappingStartEvent)
    tag = event.tag
    if tag not in (None, "!", _MAP if mapping else _SEQ):
        # Any other tag: the loader's constructor for it refuses the node or its kind.
        node_type = yaml.MappingNode if mapping else yaml.SequenceNode
        loader.construct_object(node_type(tag, [], event.start_mark, event.end_mark), deep=True)
        raise ConstructorError(None, None, f"unexpected tag {tag!r}", event.start_mark)
    if mapping:
        return _Open({}, event.start_mark, is_map=True, seen=set(), merges=[])
    return _Open([], event.start_mark, is_map=False)


def _anchor(anchors: dict[str, Any], event: Any, value: Any) -> None:
    if event.anchor in anchors:
        raise ComposerError(
            None, None, f"found duplicate anchor {event.anchor!r}", event.start_mark
        )
    anchors[event.anchor] = value


def _add(frame: _Open, value: Any, mark: Any) -> None:
    """One item into a list, or one key or value into a mapping, being filled."""
    if not frame.is_map:
        frame.value.append(value)
    elif frame.key is _NO_KEY:
        frame.key = _check_key(frame.seen, value, mark)  # type: ignore[arg-type]
    elif frame.key is _MERGE_KEY:
        frame.merges.extend(_merge_sources(value, mark))  # type: ignore[union-attr]
        frame.key = _NO_KEY
    else:
        frame.value[frame.key] = value
        frame.key = _NO_KEY


def _check_key(seen: set[str], key: Any, mark: Any) -> Any:
    if key is _MERGE_KEY:
        return key  # `<<` merges may be overridden by explicit keys, as YAML intends
    if not isinstance(key, str):
        raise ConstructorError(
            None, None, f"mapping keys must be strings, found {key!r} (quote the key)", mark
        )
    if key in seen:
        raise ConstructorError(
            None, None, f"duplicate key {key!r} (a key may appear once per mapping)", mark
        )
    seen.add(key)
    return key


def _merge_sources(value: Any, mark: Any) -> list[dict[str, Any]]:
    """What a `<<` merges, lowest precedence first (in a list, earlier mappings win)."""
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list):
        problem = f"expected a mapping or list of mappings for merging, but found {_kind(value)}"
        raise ConstructorError(None, None, problem, mark)
    for item in value:
        if not isinstance(item, dict):
            problem = f"expected a mapping for merging, but found {_kind(item)}"
            raise ConstructorError(None, None, problem, mark)
    return list(reversed(value))


def _kind(value: Any) -> str:
    return "sequence" if isinstance(value, list) else "scalar"


def _close(frame: _Open) -> Any:
    """The finished collection; merged keys come first and explicit ones override them."""
    if frame.merges:
        own = dict(frame.value)
        frame.value.clear()
        for source in frame.merges:
            frame.value.update(source)
        frame.value.update(own)
    return frame.value
