"""Plain data straight from a YAML parser's event stream, in one pass. No I/O.

`yaml.load` composes a node tree and then constructs objects from it: twice the work, and the C
composer recurses (a segfault on deep nesting). Here collections are built as their events
arrive; nesting depth, string keys, duplicate keys and `<<` merges are checked on the way, and
scalars get their values from agentcd's own rules (yamlscalar.py), never from the parser's.
Only plain data can come out: any tag but the core scalar, mapping and sequence tags is refused.
Aliases share the anchored object, as PyYAML's constructor does; what they expand to is charged
as they come (yamlalias.py), and an alias inside the collection it names is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError

from agentcd.core.definition import yamlscalar
from agentcd.core.definition.yamlalias import Expansion, Limits
from agentcd.core.definition.yamlscalar import ScalarError

_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_SCALAR_TAGS = frozenset(
    (yamlscalar.STR, yamlscalar.INT, yamlscalar.FLOAT, yamlscalar.BOOL, yamlscalar.NULL)
)
_plain = lru_cache(maxsize=4096)(yamlscalar.plain)  # keys and short values repeat throughout
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
    anchor: str | None = None


def build_document(loader: Any, *, limits: Limits) -> Any:
    """The one document in `loader`'s stream as plain data (None when the stream is empty).

    `loader` is a PyYAML loader instance (C or Python); only its parser is used.
    """
    loader.get_event()  # stream start
    start = loader.get_event()
    if isinstance(start, yaml.StreamEndEvent):
        return None
    document = _build(loader, limits)
    end = loader.get_event()
    if not isinstance(end, yaml.StreamEndEvent):
        raise ComposerError(
            "expected a single document in the stream",
            start.start_mark,
            "but found another document",
            end.start_mark,
        )
    return document


def _build(loader: Any, limits: Limits) -> Any:
    anchors: dict[str, Any] = {}
    unfinished: set[str] = set()  # anchors of collections still open
    expansion = Expansion(limits)
    stack: list[_Open] = []
    value: Any = None
    while True:
        event = loader.get_event()
        kind = type(event)
        if kind is yaml.ScalarEvent:
            value, mark = _scalar(event, stack), event.start_mark
            if event.anchor is not None:
                _anchor(anchors, event, value, expansion)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            stack.append(_open(event, depth=len(stack), max_depth=limits.max_depth))
            if event.anchor is not None:
                _anchor(anchors, event, stack[-1].value, expansion)
                stack[-1].anchor = event.anchor
                unfinished.add(event.anchor)
            continue
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            frame = stack.pop()
            value, mark = _close(frame), frame.mark
            if frame.anchor is not None:
                unfinished.discard(frame.anchor)
        elif kind is yaml.AliasEvent:
            value, mark = _alias(event, anchors, unfinished, expansion, depth=len(stack))
        else:  # document end
            return value
        if stack:
            _add(stack[-1], value, mark)


def _alias(
    event: Any, anchors: dict[str, Any], unfinished: set[str], expansion: Expansion, *, depth: int
) -> tuple[Any, Any]:
    """The anchored value an alias names, charged to the expansion budget."""
    mark = event.start_mark
    if event.anchor not in anchors:
        raise ComposerError(None, None, "found undefined alias", mark)
    if event.anchor in unfinished:
        problem = f"the alias *{event.anchor} is inside the value it names (a recursive alias)"
        raise ConstructorError(None, None, problem, mark)
    value = anchors[event.anchor]
    passed = expansion.charge(value, depth=depth)
    if passed is not None:
        problem = f"{passed} (write the values out instead of repeating them through aliases)"
        raise ConstructorError(None, None, problem, mark)
    return value, mark


def _scalar(event: Any, stack: list[_Open]) -> Any:
    tag, value = event.tag, event.value
    try:
        if tag is None:
            if not event.implicit[0]:
                return value  # quoted or block style: a string
            if yamlscalar.is_merge_key(value) and stack and stack[-1].key is _NO_KEY:
                return _MERGE_KEY if stack[-1].is_map else value
            return _plain(value)
        if tag == "!":  # the non-specific tag: a string, as the YAML spec says
            return value
        if tag in _SCALAR_TAGS:
            return yamlscalar.tagged(tag, value)
    except ScalarError as e:
        raise ConstructorError(None, None, str(e), event.start_mark) from None
    raise _refused(tag, "a scalar", event.start_mark)


def _open(event: Any, *, depth: int, max_depth: int) -> _Open:
    if depth == max_depth:
        raise ConstructorError(
            None, None, f"nested deeper than {max_depth} levels", event.start_mark
        )
    mapping = isinstance(event, yaml.MappingStartEvent)
    if event.tag not in (None, "!", _MAP if mapping else _SEQ):
        raise _refused(event.tag, "a mapping" if mapping else "a list", event.start_mark)
    if mapping:
        return _Open({}, event.start_mark, is_map=True, seen=set(), merges=[])
    return _Open([], event.start_mark, is_map=False)


def _refused(tag: str, kind: str, mark: Any) -> ConstructorError:
    short = tag.replace("tag:yaml.org,2002:", "!!")
    if tag in _SCALAR_TAGS or tag in (_MAP, _SEQ):
        return ConstructorError(None, None, f"YAML tag {short!r} does not fit {kind}", mark)
    return ConstructorError(
        None,
        None,
        f"YAML tag {short!r} is not allowed: definitions are plain data "
        "(mappings, lists, strings, numbers, booleans, null)",
        mark,
    )


def _anchor(anchors: dict[str, Any], event: Any, value: Any, expansion: Expansion) -> None:
    if event.anchor in anchors:
        raise ComposerError(
            None, None, f"found duplicate anchor {event.anchor!r}", event.start_mark
        )
    anchors[event.anchor] = value
    expansion.anchor(value)


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
    if key is _MERGE_KEY:  # one `<<` per mapping: a second is a duplicate like any key
        key, merge = "<<", key
    else:
        merge = None
    if not isinstance(key, str):
        raise ConstructorError(
            None, None, f"mapping keys must be strings, found {key!r} (quote the key)", mark
        )
    if key in seen:
        raise ConstructorError(
            None, None, f"duplicate key {key!r} (a key may appear once per mapping)", mark
        )
    seen.add(key)
    return merge if merge is not None else key


def _merge_sources(value: Any, mark: Any) -> list[dict[str, Any]]:
    """What a `<<` merges, highest precedence first (in a list, earlier mappings win)."""
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list):
        problem = f"expected a mapping or list of mappings for merging, but found {_kind(value)}"
        raise ConstructorError(None, None, problem, mark)
    for item in value:
        if not isinstance(item, dict):
            problem = f"expected a mapping for merging, but found {_kind(item)}"
            raise ConstructorError(None, None, problem, mark)
    return list(value)


def _kind(value: Any) -> str:
    return "sequence" if isinstance(value, list) else "scalar"


def _close(frame: _Open) -> Any:
    """The finished collection (the same object, which an anchor may name). Merged keys come
    first, in the order the merged mappings give them; an explicit key overrides a merged one
    and an earlier merged mapping a later one (yaml.org/type/merge.html)."""
    if frame.merges:
        own = dict(frame.value)
        frame.value.clear()
        for source in frame.merges:
            for key, value in source.items():
                frame.value.setdefault(key, value)
        frame.value.update(own)
    return frame.value
