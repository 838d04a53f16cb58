"""Fitting Markdown under a limit: which blocks go first, and cuts that leave valid Markdown."""

from __future__ import annotations

import pytest

from agentcd.render.review.fit import Block, closers, cut_markdown, fit_blocks
from tests.render.markdown_structure import check_structure


def note(dropped: int, cut: bool) -> str:
    return f"[{dropped} dropped{', cut' if cut else ''}]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain\n", ""),
        ("```diff\n+a\n", "```\n"),
        ("````\n```\ninside\n", "````\n"),
        ("~~~\ncode\n", "~~~\n"),
        ("```\ncode\n```\n", ""),
        ("<details><summary>x</summary>\n\ntext\n", "\n</details>\n"),
        ("<details>\n<details>\n</details>\n", "\n</details>\n"),
        ("<details>\n\n```\n</details>\n", "```\n\n</details>\n"),  # </details> in a fence
        ("</details>\n", ""),
    ],
)
def test_closers(text: str, expected: str) -> None:
    assert closers(text) == expected


def test_cut_markdown_closes_what_it_cuts_open() -> None:
    lines = "".join(f"+line {n}\n" for n in range(400))
    text = f"# title\n\n<details><summary>diff</summary>\n\n```diff\n{lines}```\n\n</details>\n"
    cut = cut_markdown(text, 1000, note="[cut]")
    assert len(cut) <= 1000
    assert cut.endswith("```\n\n</details>\n\n[cut]")
    check_structure(cut)


def test_cut_markdown_leaves_short_text_alone() -> None:
    assert cut_markdown("short\n", 100, note="[cut]") == "short\n"


def blocks() -> list[Block]:
    return [
        Block("HEAD"),
        Block("", note_slot=True),
        Block("a-core " * 10, 1),
        Block("a-diff " * 10, 3),
        Block("a-eval " * 10, 2),
        Block("b-core " * 10, 1),
        Block("b-diff " * 10, 3),
        Block("FOOT"),
    ]


def test_everything_fits_without_a_note() -> None:
    text = fit_blocks(blocks(), limit=10_000, note=note)
    assert "dropped" not in text and text.startswith("HEAD\n") and text.endswith("FOOT")


@pytest.mark.parametrize(
    ("limit", "kept", "gone"),
    [
        (330, ["a-core", "a-diff", "a-eval", "b-core"], ["b-diff"]),
        (260, ["a-core", "a-eval", "b-core"], ["a-diff", "b-diff"]),
        (190, ["a-core", "b-core"], ["a-diff", "a-eval", "b-diff"]),
        (120, ["a-core"], ["b-core", "a-eval"]),
    ],
)
def test_highest_levels_go_first_last_agent_first(
    limit: int, kept: list[str], gone: list[str]
) -> None:
    text = fit_blocks(blocks(), limit=limit, note=note)
    assert len(text) <= limit
    assert text.startswith("HEAD\n[") and text.endswith("FOOT")
    assert all(k in text for k in kept) and not any(g in text for g in gone)


def test_level_zero_is_cut_only_when_nothing_else_is_left() -> None:
    huge = [Block("| a | b |\n| --- | --- |\n" + "| x | y |\n" * 500), Block("", note_slot=True)]
    text = fit_blocks(huge, limit=800, note=note)
    assert len(text) <= 800
    assert "[0 dropped, cut]" in text
    check_structure(text)


def test_without_a_slot_the_note_comes_last() -> None:
    text = fit_blocks([Block("keep"), Block("drop " * 50, 1)], limit=60, note=note)
    assert text == "keep\n[1 dropped]"
