"""What aliases expand a YAML document to, counted while it is built: values, text, nesting.

An alias shares the anchored object, so a small file can stand for a huge document: a "billion
laughs" of nested lists, one long string named thousands of times, a large mapping merged into
many (`<<: *big`, which copies its entries). Every later step (validation, canonical JSON, the
digest, a bundle) writes each repetition out, so each alias is charged the size of what it
names, and the document is refused at the first alias that passes a limit. No I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Limits:
    """How far one document may reach: nesting levels in all, and what its aliases may add."""

    max_depth: int
    max_nodes: int  # values (scalars, lists, mappings; keys not counted)
    max_bytes: int  # UTF-8 bytes of keys and strings


@dataclass(frozen=True, slots=True)
class _Size:
    nodes: int
    text: int
    height: int  # collections nested in the value: 0 for a scalar, 1 for a flat list


class Expansion:
    """The running total of what aliases added to one document, against its limits."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.nodes = 0
        self.text = 0
        self._anchored: set[int] = set()  # ids of anchored values: alive as long as the document
        self._sizes: dict[int, _Size] = {}  # their expanded sizes, once measured

    def anchor(self, value: Any) -> None:
        self._anchored.add(id(value))

    def charge(self, value: Any, *, depth: int) -> str | None:
        """Count one alias to `value` placed inside `depth` collections; what limit it passes.

        `value` is finished (an alias to a collection still open is refused before this).
        """
        size = self._measure(value)
        self.nodes += size.nodes
        self.text += size.text
        limits = self.limits
        if depth + size.height > limits.max_depth:
            return f"aliases nest the document deeper than {limits.max_depth} levels"
        if self.nodes > limits.max_nodes:
            return f"aliases expand to more than {limits.max_nodes} values"
        if self.text > limits.max_bytes:
            return f"aliases expand to more than {limits.max_bytes} bytes of text"
        return None

    def _measure(self, value: Any) -> _Size:
        """`value` as written out. Each anchored value is measured once: what an alias shares
        is counted from its size, so the walk is no longer than the text that built `value`."""
        known = self._sizes.get(id(value))
        if known is not None:
            return known
        if isinstance(value, dict):
            size = self._collection(list(value.values()), sum(map(utf8_length, value)))
        elif isinstance(value, list):
            size = self._collection(value, 0)
        elif isinstance(value, str):
            size = _Size(1, utf8_length(value), 0)
        else:
            size = _Size(1, 0, 0)
        if id(value) in self._anchored:
            self._sizes[id(value)] = size
        return size

    def _collection(self, items: list[Any], keys: int) -> _Size:
        parts = [self._measure(item) for item in items]
        return _Size(
            nodes=1 + sum(p.nodes for p in parts),
            text=keys + sum(p.text for p in parts),
            height=1 + max((p.height for p in parts), default=0),
        )


def utf8_length(text: str) -> int:
    """Bytes of `text` in UTF-8 (counted without encoding when it is ASCII, the usual case)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
