"""The JSONPath subset: keys, quoted keys, indexes; everything else refused."""

from __future__ import annotations

from typing import Any

import pytest

from agentcd.core.evals.jsonpath import find, parse_path

DATA = {"a": {"b-c": [10, {"d": None}]}, "list": [1, 2, 3]}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", (True, DATA)),
        ("$.a['b-c'][0]", (True, 10)),
        ('$.a["b-c"][1].d', (True, None)),
        ("$.list[-1]", (True, 3)),
        ("$.list[3]", (False, None)),
        ("$.missing.deeper", (False, None)),
        ("$.list.x", (False, None)),
    ],
)
def test_find(path: str, expected: tuple[bool, Any]) -> None:
    assert find(DATA, path) == expected


@pytest.mark.parametrize("path", ["a.b", "$..d", "$.list[*]", "$[?(@.a)]"])
def test_unsupported_paths_are_refused(path: str) -> None:
    with pytest.raises(ValueError):
        parse_path(path)
