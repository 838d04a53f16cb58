"""agentcd's YAML rules, pinned as literal values (never "whatever the YAML library does")."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from agentcd.core.definition.parse import parse_yaml
from agentcd.core.definition.yamlalias import Limits
from agentcd.core.definition.yamlstream import build_document
from agentcd.errors import DefinitionError


def _build(text: str) -> Any:
    loader = yaml.SafeLoader(text)
    try:
        return build_document(loader, limits=Limits(max_depth=64, max_nodes=100, max_bytes=100))
    finally:
        loader.dispose()


def _value(scalar: str) -> Any:
    return parse_yaml(f"v: {scalar}\n", path="x.yaml")["v"]


def _refusal(text: str) -> str:
    with pytest.raises(DefinitionError) as e:
        parse_yaml(text, path="x.yaml")
    return str(e.value)


@pytest.mark.parametrize(
    ("scalar", "expected"),
    [
        # booleans: YAML 1.1's words, in three spellings each
        *[(w, True) for w in ("true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON")],
        *[(w, False) for w in ("false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF")],
        # null
        *[(w, None) for w in ("~", "null", "Null", "NULL", "")],
        # integers: decimal, YAML 1.1 octal, hex, binary, base 60, underscores
        ("0", 0),
        ("-0", 0),
        ("+7", 7),
        ("1_000", 1000),
        ("017", 15),
        ("-017", -15),
        ("0x1F", 31),
        ("0x_1f", 31),
        ("-0b101", -5),
        ("1:30", 90),
        ("-1:00:01", -3601),
        ("123456789012345678901:30", 7407407340740740734090),  # exact, never via a float
        # floats: a dot is required; an exponent needs its sign
        ("1.5", 1.5),
        ("-1.", -1.0),
        (".5", 0.5),
        ("1_0.2_5", 10.25),
        ("6.8523015e+5", 685230.15),
        ("1.0E-3", 0.001),
        ("1:30.5", 90.5),
        # words that look like something else stay strings
        ("1e3", "1e3"),
        ("1.0e3", "1.0e3"),
        ("0o17", "0o17"),
        ("08", "08"),
        ("0x", "0x"),
        ("0x_", "0x_"),
        ("0b", "0b"),
        ("1:60", "1:60"),
        ("y", "y"),
        ("n", "n"),
        ("NaN", "NaN"),
        ("inf", "inf"),
        ("2026-10-01", "2026-10-01"),
        ("2026-10-01T12:00:00Z", "2026-10-01T12:00:00Z"),
        ("=", "="),
        ("tRUE", "tRUE"),
        ("nULL", "nULL"),
        ("12:30 pm", "12:30 pm"),
        # quoting, block styles and the non-specific tag always give strings
        ("'yes'", "yes"),
        ('"1.5"', "1.5"),
        ("! 7", "7"),
        ("! yes", "yes"),
        # explicit core tags
        ("!!str 5", "5"),
        ("!!str yes", "yes"),
        ("!!int 0x10", 16),
        ("!!float 1", 1.0),
        ("!!float 2.5", 2.5),
        ("!!bool off", False),
        ("!!null ~", None),
        ("!!null ''", None),
    ],
)
def test_scalar_rules(scalar: str, expected: Any) -> None:
    got = _value(scalar)
    assert got == expected
    assert type(got) is type(expected)
    if isinstance(expected, float):
        assert math.copysign(1, got) == math.copysign(1, expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("v: .inf\n", "line 1, column 4: '.inf' is not a finite number"),
        ("v: -.Inf\n", "line 1, column 4: '-.Inf' is not a finite number"),
        ("v: .NaN\n", "line 1, column 4: '.NaN' is not a finite number"),
        ("v: 1.0e+999\n", "line 1, column 4: '1.0e+999' is not a finite number"),
        ("v: !!int 1.5\n", "line 1, column 4: '1.5' is not a value of the explicit tag !!int"),
        ("v: !!int yes\n", "line 1, column 4: 'yes' is not a value of the explicit tag !!int"),
        ("v: !!bool 1\n", "line 1, column 4: '1' is not a value of the explicit tag !!bool"),
        ("v: !!null x\n", "line 1, column 4: 'x' is not a value of the explicit tag !!null"),
        ("v: !!float .nan\n", "line 1, column 4: '.nan' is not a finite number"),
        ("v: !!map [1]\n", "line 1, column 4: YAML tag '!!map' does not fit a list"),
        ("v: !!seq x\n", "line 1, column 4: YAML tag '!!seq' does not fit a scalar"),
        ("v: !!timestamp 2026-10-01\n", "line 1, column 4: YAML tag '!!timestamp' is not allowed"),
        ("v: !!set {a: null}\n", "line 1, column 4: YAML tag '!!set' is not allowed"),
        ("v: !!binary aGk=\n", "line 1, column 4: YAML tag '!!binary' is not allowed"),
        ("v: !local x\n", "line 1, column 4: YAML tag '!local' is not allowed"),
        ("v: !!python/name:os.system x\n", "YAML tag '!!python/name:os.system' is not allowed"),
        ("1: one\n", "line 1, column 1: mapping keys must be strings, found 1 (quote the key)"),
        ("yes: y\n", "mapping keys must be strings, found True (quote the key)"),
        ("~: n\n", "mapping keys must be strings, found None (quote the key)"),
        ("a: 1\na: 2\n", "line 2, column 1: duplicate key 'a' (a key may appear once per mapping)"),
        ("v: *nope\n", "line 1, column 4: found undefined alias"),
        ("a: &x 1\nb: &x 2\n", "line 2, column 4: found duplicate anchor 'x'"),
        ("a: 1\n---\nb: 2\n", "invalid YAML: but found another document"),
        ("x: \x07\n", "line 1, column 4: invalid YAML: character #x0007: special characters"),
    ],
)
def test_refused_scalars_tags_and_keys(text: str, message: str) -> None:
    refusal = _refusal(text)
    assert refusal.startswith("x.yaml: ")
    assert message.split(": ", 1)[-1] in refusal or message in refusal
    if message.startswith("line "):
        assert refusal.startswith(f"x.yaml: {message.split(': ', 1)[0]}: ")


# Merge keys follow yaml.org/type/merge.html: explicit keys win over merged ones, and in a list
# the earlier mapping wins; merged keys come first, in the order the mappings give them.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "a: &a {x: 1, y: 2}\nc:\n  <<: *a\n  y: 9\n",
            {"a": {"x": 1, "y": 2}, "c": {"x": 1, "y": 9}},
        ),
        (
            "a: &a {x: 1, y: 2}\nb: &b {y: 3, z: 4}\nc:\n  <<: [*a, *b]\n  w: 5\n  x: 0\n",
            {"a": {"x": 1, "y": 2}, "b": {"y": 3, "z": 4}, "c": {"x": 0, "y": 2, "z": 4, "w": 5}},
        ),
        ("c: {<<: {k: v}, own: 1}\n", {"c": {"k": "v", "own": 1}}),
        ("c: {'<<': literal}\n", {"c": {"<<": "literal"}}),
        ("c: [<<, =]\n", {"c": ["<<", "="]}),
        ("c: &c {x: 1}\nd: {<<: *c}\ne: *c\n", {"c": {"x": 1}, "d": {"x": 1}, "e": {"x": 1}}),
    ],
)
def test_merge_keys(text: str, expected: dict[str, Any]) -> None:
    got = parse_yaml(text, path="x.yaml")
    assert got == expected
    assert json.dumps(got) == json.dumps(expected)  # key order too


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "a: &a {x: 1}\nc:\n  <<: *a\n  <<: {x: 2, q: 3}\n",
            "line 4, column 3: duplicate key '<<' (a key may appear once per mapping)",
        ),
        ("c: {<<: {k: v}, '<<': x}\n", "duplicate key '<<' (a key may appear once per mapping)"),
        ("c:\n  <<: 3\n", "line 2, column 7: expected a mapping or list of mappings for merging"),
        ("c:\n  <<: [{a: 1}, 2]\n", "line 2, column 7: expected a mapping for merging"),
    ],
)
def test_merge_key_refusals(text: str, message: str) -> None:
    assert message in _refusal(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("s:\n  - |\n    block\n  - >-\n    folded\n    text\n", {"s": ["block\n", "folded text"]}),
        ("s: 'q: uoted'\nt: \"d\\tq\"\n", {"s": "q: uoted", "t": "d\tq"}),
        (
            "base: &b [1, {k: v}]\nuse: [*b, *b]\n",
            {"base": [1, {"k": "v"}], "use": [[1, {"k": "v"}]] * 2},
        ),
        ("--- !!map\na: !!seq [1]\n", {"a": [1]}),
        ("", None),
        ("--- 3\n", 3),
        ("# only a comment\n", None),
    ],
)
def test_documents(text: str, expected: Any) -> None:
    assert parse_yaml(text, path="x.yaml") == expected


def test_aliases_share_the_anchored_object() -> None:
    data = _build("a: &a [1]\nb: *a\n")
    assert data["a"] is data["b"]
    assert _build("a: [1]\nb: [1]\n") == {"a": [1], "b": [1]}


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
def test_values_written_by_a_yaml_dumper_read_back_unchanged(
    value: Any, shared: bool, flow: bool | None
) -> None:
    data = {"v": value, "again": value if shared else None}  # shared: an anchor and an alias
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True)
    got = parse_yaml(text, path="x.yaml")
    assert got == data
    assert json.dumps(got, sort_keys=True) == json.dumps(data, sort_keys=True)
