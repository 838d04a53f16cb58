"""A small JSONPath subset for `json-path` assertions: `$`, `.key`, `['key']`, `[index]`. No I/O.

Filters, wildcards and recursive descent are refused rather than half-supported.
"""

from __future__ import annotations

import re
from typing import Any

_STEP = re.compile(r"""\.([A-Za-z_][\w-]*)|\[(-?\d+)\]|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\]""")
_MISSING = object()


def parse_path(path: str) -> tuple[str | int, ...]:
    """`$.items[0]['id']` -> ('items', 0, 'id'); ValueError for anything outside the subset."""
    if not path.startswith("$"):
        raise ValueError(f"JSONPath {path!r} must start with '$'")
    steps: list[str | int] = []
    pos = 1
    while pos < len(path):
        match = _STEP.match(path, pos)
        if match is None:
            raise ValueError(f"JSONPath {path!r}: unsupported syntax at {path[pos:]!r}")
        key, index, single, double = match.groups()
        steps.append(int(index) if index is not None else key or single or double or "")
        pos = match.end()
    return tuple(steps)


def find(data: Any, path: str) -> tuple[bool, Any]:
    """(True, value) where `path` leads in `data`, else (False, None)."""
    node: Any = data
    for step in parse_path(path):
        node = _step(node, step)
        if node is _MISSING:
            return False, None
    return True, node


def _step(node: Any, step: str | int) -> Any:
    if isinstance(step, int):
        if isinstance(node, list) and -len(node) <= step < len(node):
            return node[step]
        return _MISSING
    if isinstance(node, dict) and step in node:
        return node[step]
    return _MISSING
