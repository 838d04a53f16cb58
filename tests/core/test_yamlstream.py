"""`core.yamlstream` builds from events exactly what PyYAML's composer and constructor build."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from agentcd.core.parse import _Loader
from agentcd.core.yamlstream import Document, build_document


class Reference(yaml.SafeLoader):
    """PyYAML's pure-Python safe loader with the same implicit types as ours (no timestamps)."""


Reference.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers


def _build(text: str) -> Document:
    loader = _Loader(text)
    try:
        return build_document(loader, max_depth=64)
    finally:
        loader.dispose()


def _same(text: str) -> None:
    expected = yaml.load(text, Loader=Reference)  # a SafeLoader subclass
    got = _build(text).data
    assert got == expected
    assert json.dumps(got) == json.dumps(expected)  # key order too


@pytest.mark.parametrize(
    "text",
    [
        "a: &a {x: 1, y: 2}\nb: &b {y: 3, z: 4}\nc:\n  <<: [*a, *b]\n  w: 5\n  x: 0\n",
        "a: &a {x: 1}\nc:\n  <<: *a\n  <<: {x: 2, q: 3}\n",
        "base: &b [1, {k: v}]\nuse: [*b, *b]\n",
        "n: [0x1F, 0o17, 017, 1_000, '1', 1:30, -0b101, .5, 1e3, 6.8523015e+5]\n",
        "b: [yes, No, on, OFF, true, ~, null, '', !!str 5, ! 7, !!float 1]\n",
        "s:\n  - |\n    block\n  - >-\n    folded\n    text\n  - 'q: uoted'\n  - \"d\\tq\"\n",
        "--- !!map\n? [1, 2]\n: complex keys are lists\n",
        "",
        "--- 3\n",
    ],
)
def test_documents_match_pyyaml(text: str) -> None:
    if "? [" in text:  # a list key: PyYAML refuses it as unhashable, so do we (differently)
        with pytest.raises(yaml.YAMLError):
            _build(text)
        return
    _same(text)


WORDS = st.sampled_from(["a", "yes", "null", "1", "0x1F", "~", "<<", "=", "2026-10-01", " s "])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | WORDS
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(WORDS, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(VALUES, st.booleans(), st.sampled_from([None, True, False]))
def test_dumped_values_match_pyyaml(value: Any, shared: bool, flow: bool | None) -> None:
    data = {"v": value, "again": value if shared else None}  # shared: an anchor and an alias
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True)
    _same(text)
    assert _build(text).aliased == ("*" in text and shared and isinstance(value, list | dict))


def test_events_bound_the_values_written() -> None:
    document = _build("a: [1, 2, {b: 3}]\nc: d\n")
    assert document.events >= 8  # root, a, the list, 1, 2, the mapping, b's 3, c's d
    assert not document.aliased
