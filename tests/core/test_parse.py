"""`core.parse`: strict UTF-8, the restricted YAML loader, and its bounds on size and depth."""

from __future__ import annotations

import tracemalloc

import pytest

from agentcd.core.definition.parse import (
    MAX_DEPTH,
    MAX_EXPANDED_BYTES,
    MAX_NODES,
    decode_text,
    parse_yaml,
    split_frontmatter,
)
from agentcd.errors import DefinitionError

PLAIN_DATA = "definitions are plain data (mappings, lists, strings, numbers, booleans, null)"


def refused_tag(tag: str, where: str = "line 1, column 4") -> str:
    return f"x.yaml: {where}: YAML tag {tag!r} is not allowed: {PLAIN_DATA}"


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"a: 1\n", "a: 1\n"),
        (b"\xef\xbb\xbfa: 1\n", "a: 1\n"),
        (b"a: 1\r\nb: 2\r\n", "a: 1\nb: 2\n"),
        (b"a: 1\rb: 2\r", "a: 1\nb: 2\n"),
        (b"caf\xc3\xa9\r\n\r\n", "caf\u00e9\n\n"),
        (b"", ""),
    ],
)
def test_decode_text_drops_bom_and_normalizes_line_endings(data: bytes, text: str) -> None:
    assert decode_text(data, path="f.md") == text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"caf\xe9\n", "f.md: not UTF-8 text (line 1, byte 3); save the file as UTF-8"),
        (b"a\nb\n\xff\xfe", "f.md: not UTF-8 text (line 3, byte 4); save the file as UTF-8"),
        (b"\xff\xfea\x00", "f.md: not UTF-8 text (line 1, byte 0); save the file as UTF-8"),
    ],
)
def test_decode_text_refuses_other_encodings(data: bytes, message: str) -> None:
    with pytest.raises(DefinitionError) as e:
        decode_text(data, path="f.md")
    assert str(e.value) == message


@pytest.mark.parametrize(
    ("doc", "data"),
    [
        ("version: 2026-10-01\n", {"version": "2026-10-01"}),
        ("at: 2026-10-01T10:00:00Z\n", {"at": "2026-10-01T10:00:00Z"}),
        ("t: 0.2\nn: 3\nb: true\nz: null\n", {"t": 0.2, "n": 3, "b": True, "z": None}),
        ("s: !!str 12\n", {"s": "12"}),
        (
            "base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  x: 3\n",
            {"base": {"x": 1, "y": 2}, "c": {"x": 3, "y": 2}},
        ),
        ("l: &l [1, 2]\nm: *l\n", {"l": [1, 2], "m": [1, 2]}),
        ("", None),
    ],
)
def test_parse_yaml_gives_json_shaped_data(doc: str, data: object) -> None:
    assert parse_yaml(doc, path="x.yaml") == data


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (
            "a: !!python/object/apply:os.system ['echo hi']\n",
            refused_tag("!!python/object/apply:os.system"),
        ),
        (
            "a: !!python/name:os.system\n",
            refused_tag("!!python/name:os.system"),
        ),
        (
            "a: !Ref other\n",
            refused_tag("!Ref"),
        ),
        (
            "a:\n  b: !!binary aGVsbG8=\n",
            refused_tag("!!binary", "line 2, column 6"),
        ),
        (
            "a: !!set {x, y}\n",
            refused_tag("!!set"),
        ),
        (
            "a: !!timestamp 2026-10-01\n",
            refused_tag("!!timestamp"),
        ),
        (
            "a: !!omap [{x: 1}]\n",
            refused_tag("!!omap"),
        ),
        (
            "a: 1\nb: 2\na: 3\n",
            "x.yaml: line 3, column 1: duplicate key 'a' (a key may appear once per mapping)",
        ),
        (
            "a:\n  b:\n    c: 1\n    c: 2\n",
            "x.yaml: line 4, column 5: duplicate key 'c' (a key may appear once per mapping)",
        ),
        (
            "l:\n  - {name: x, name: y}\n",
            "x.yaml: line 2, column 15: duplicate key 'name' (a key may appear once per mapping)",
        ),
        (
            "1: one\n",
            "x.yaml: line 1, column 1: mapping keys must be strings, found 1 (quote the key)",
        ),
        (
            "yes: 1\n",
            "x.yaml: line 1, column 1: mapping keys must be strings, found True (quote the key)",
        ),
        ("t: .nan\n", "x.yaml: line 1, column 4: '.nan' is not a finite number"),
        ("t: -.inf\n", "x.yaml: line 1, column 4: '-.inf' is not a finite number"),
        ("t: 1.0e+400\n", "x.yaml: line 1, column 4: '1.0e+400' is not a finite number"),
        (
            "a: [1, 2\n",
            "x.yaml: line 2, column 1: invalid YAML: expected ',' or ']', but got '<stream end>'",
        ),
        ("a: 1\n---\nb: 2\n", "x.yaml: line 2, column 1: invalid YAML: but found another document"),
        ("a: *nowhere\n", "x.yaml: line 1, column 4: invalid YAML: found undefined alias"),
    ],
)
def test_parse_yaml_refuses_what_is_not_plain_data(doc: str, message: str) -> None:
    with pytest.raises(DefinitionError) as e:
        parse_yaml(doc, path="x.yaml")
    assert str(e.value) == message


@pytest.mark.parametrize(
    ("doc", "detail"),
    [
        ("a: !!int 1.5\n", "'1.5' is not a value of the explicit tag !!int"),
        ("a: !!float x\n", "'x' is not a value of the explicit tag !!float"),
        ("a: !!bool maybe\n", "'maybe' is not a value of the explicit tag !!bool"),
    ],
)
def test_an_explicit_tag_the_value_does_not_fit_is_an_error(doc: str, detail: str) -> None:
    with pytest.raises(DefinitionError) as e:
        parse_yaml(doc, path="x.yaml")
    assert str(e.value) == f"x.yaml: line 1, column 4: {detail}"


def _billion_laughs(levels: int) -> str:
    doc = "a: &a [" + ", ".join(['"lol"'] * 9) + "]\n"
    for prev, name in zip("abcdefghijklmnop", "bcdefghijklmnopq", strict=False):
        if name > "abcdefghijklmnopq"[levels]:
            break
        doc += f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]\n"
    return doc


REPEAT = "(write the values out instead of repeating them through aliases)"
VALUES = f"aliases expand to more than 200000 values {REPEAT}"
TEXT = f"aliases expand to more than 8388608 bytes of text {REPEAT}"


def _string_bomb(repeats: int = 15_000) -> str:
    """760 KB: one 700 KB string named 15,000 times, 10 GB of text once written out."""
    return 'a: &a "' + "A" * 700_000 + '"\nb: [' + ", ".join(["*a"] * repeats) + "]\n"


def _merge_bomb(merges: int = 10_000) -> str:
    """530 KB: a mapping of 40,000 keys merged into 10,000 others (each merge copies them)."""
    keys = "".join(f"  k{i}: 1\n" for i in range(40_000))
    return "b: &b\n" + keys + "l:\n" + "  - {<<: *b}\n" * merges


def _peak_while_refused(text: str) -> tuple[str, int]:
    tracemalloc.start()
    try:
        with pytest.raises(DefinitionError) as e:
            parse_yaml(text, path="x.yaml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return str(e.value), peak


@pytest.mark.parametrize(
    ("bomb", "message", "peak_mib"),
    [
        # 9**10 strings once expanded: about 3.5 billion; refused at the first alias of `f`
        (_billion_laughs(9), f"x.yaml: line 6, column 12: {VALUES}", 2),
        # 12 repetitions pass 8 MiB: the 12th alias, in column 5 + 11 * len("*a, ")
        (_string_bomb(), f"x.yaml: line 2, column 49: {TEXT}", 5),
        # each merge adds 40,001 values: the 5th passes 200,000
        (_merge_bomb(), f"x.yaml: line {40_002 + 5}, column 10: {VALUES}", 20),
    ],
    ids=["nested lists", "one long string", "merged mappings"],
)
def test_an_alias_bomb_fails_fast_in_bounded_memory(bomb: str, message: str, peak_mib: int) -> None:
    assert len(bomb) < 800_000
    refused, peak = _peak_while_refused(bomb)
    assert refused == message
    assert peak < peak_mib * 1024 * 1024


@pytest.mark.parametrize(
    ("anchor", "aliases", "refused"),
    [
        ("A" * 1024 * 1024, 8, False),  # exactly the limit: 8 MiB
        ("A" * 1024 * 1024, 9, True),
        ("\u00e9" * 512 * 1024, 8, False),  # UTF-8 bytes, not characters: 2 bytes each
        ("\u00e9" * 512 * 1024 + "x", 8, True),
        ("\U0001f600" * 256 * 1024, 9, True),  # 4 bytes each
    ],
)
def test_the_text_budget_counts_utf8_bytes_each_time_an_alias_repeats(
    anchor: str, aliases: int, refused: bool
) -> None:
    doc = f'a: &a "{anchor}"\nb: [' + ", ".join(["*a"] * aliases) + "]\n"
    if not refused:
        assert parse_yaml(doc, path="x.yaml")["b"] == [anchor] * aliases
        return
    with pytest.raises(DefinitionError) as e:
        parse_yaml(doc, path="x.yaml")
    assert str(e.value).endswith(TEXT)


def test_keys_count_as_text() -> None:
    key = "k" * (MAX_EXPANDED_BYTES // 4)  # four repetitions fill the budget exactly
    doc = f"a: &a\n  ? {key}\n  : 1\nb: [*a, *a, *a, *a]\n"
    assert len(parse_yaml(doc, path="x.yaml")["b"]) == 4
    with pytest.raises(DefinitionError) as e:
        parse_yaml(doc + "c: *a\n", path="x.yaml")
    assert str(e.value) == f"x.yaml: line 5, column 4: {TEXT}"


def test_values_written_out_count_only_once_for_the_budget() -> None:
    """Literal values are bounded by the file size; only what aliases add is budgeted."""
    doc = "a: [" + ", ".join(["1"] * (MAX_NODES + 10)) + "]\n"
    assert len(parse_yaml(doc, path="x.yaml")["a"]) == MAX_NODES + 10


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(DefinitionError) as e:
        parse_yaml("a: &a [1, *a]\n", path="x.yaml")
    assert str(e.value) == (
        "x.yaml: line 1, column 11: the alias *a is inside the value it names (a recursive alias)"
    )


def test_small_alias_reuse_is_accepted() -> None:
    data = parse_yaml(_billion_laughs(3), path="x.yaml")
    assert len(data["d"]) == 9 and data["d"][0][0][0] == ["lol"] * 9


@pytest.mark.parametrize(
    ("open_", "close"),
    [("[", "]"), ("{a: ", "}"), ("- ", "")],
)
def test_nesting_depth_is_bounded(open_: str, close: str) -> None:
    def nested(depth: int) -> str:
        if open_ == "- ":
            return (
                "".join("  " * i + "-\n" for i in range(depth - 1)) + "  " * (depth - 1) + "- 1\n"
            )
        return open_ * depth + "1" + close * depth

    assert parse_yaml(nested(MAX_DEPTH), path="x.yaml") is not None
    with pytest.raises(DefinitionError) as e:
        parse_yaml(nested(MAX_DEPTH + 1), path="x.yaml")
    assert str(e.value).startswith("x.yaml: line ")
    assert str(e.value).endswith(f": nested deeper than {MAX_DEPTH} levels")


@pytest.mark.parametrize(
    ("deep", "column"),
    [
        # Unbounded, older libyaml overflows its stack on this; 0.2.5 stops at 1000 levels with
        # its own message. Either way the 65th level is refused, by our limit, with our message.
        ("[" * 200_000 + "]" * 200_000, MAX_DEPTH + 1),
        ("{a: " * 2_000 + "1" + "}" * 2_000, 4 * MAX_DEPTH + 1),
        ("a: " + "[" * 999 + "]" * 999, 3 + MAX_DEPTH),  # the mapping is the first level
    ],
)
def test_very_deep_nesting_is_refused_by_our_limit_whatever_the_parser_does(
    deep: str, column: int
) -> None:
    with pytest.raises(DefinitionError) as e:
        parse_yaml(deep, path="x.yaml")
    assert str(e.value) == f"x.yaml: line 1, column {column}: nested deeper than 64 levels"


def test_aliases_cannot_build_depth_past_the_limit() -> None:
    half = MAX_DEPTH // 2 + 1
    doc = f"a: &a {'[' * half}1{']' * half}\nb: {'[' * half}*a{']' * half}\n"
    with pytest.raises(DefinitionError) as e:
        parse_yaml(doc, path="x.yaml")
    assert str(e.value) == (
        f"x.yaml: line 2, column {4 + half}: aliases nest the document deeper than 64 levels "
        f"{REPEAT}"
    )


def test_aliases_may_fill_the_depth_exactly() -> None:
    half = MAX_DEPTH // 2  # `b` is inside the document's mapping: one level more
    doc = f"a: &a {'[' * half}1{']' * half}\nb: {'[' * (half - 1)}*a{']' * (half - 1)}\n"
    data = parse_yaml(doc, path="x.yaml")["b"]
    for _ in range(MAX_DEPTH - 1):
        (data,) = data
    assert data == 1


@pytest.mark.parametrize(
    ("text", "meta", "body"),
    [
        ("---\nname: x\n---\n# Body\n", {"name": "x"}, "# Body\n"),
        ("# No frontmatter\n", {}, "# No frontmatter\n"),
        ("---\n---\nbody\n", {}, "---\n---\nbody\n"),
    ],
)
def test_split_frontmatter(text: str, meta: dict[str, str], body: str) -> None:
    assert split_frontmatter(text, path="SKILL.md") == (meta, body)


def test_frontmatter_must_be_a_mapping() -> None:
    with pytest.raises(DefinitionError) as e:
        split_frontmatter("---\n- a\n---\nbody\n", path="s/SKILL.md")
    assert str(e.value) == "s/SKILL.md: frontmatter: must be a mapping"
