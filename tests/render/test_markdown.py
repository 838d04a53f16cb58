"""The Markdown escaping helpers, checked by rendering their output with markdown-it."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from agentcd.render.markdown import (
    ZWJ,
    code_span,
    escape_html,
    escape_text,
    fence,
    link,
    table_cell,
    table_row,
)

MD = MarkdownIt("commonmark", {"html": True})
TABLES = MarkdownIt("commonmark").enable("table")


def inline_html(markdown: str) -> str:
    return MD.render(markdown).removeprefix("<p>").removesuffix("</p>\n")


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("plain words", "plain words"),
        ("<b>bold</b>", "&lt;b&gt;bold&lt;/b&gt;"),
        ("*not em* _nor this_", "*not em* _nor this_"),
        ("[link](https://x.invalid)", f"[link](https:{ZWJ}//x.invalid)"),
        ("www.x.invalid", f"www{ZWJ}.x.invalid"),
        ("$x^2$", "$x^2$"),
        ("\tindented", "indented"),
        ("ESC \x1b[2J", "ESC \\u001b[2J"),
        ("`tick`", "`tick`"),
        ("# not a heading", "# not a heading"),
        ("- not a list", "- not a list"),
        ("1. not a list", "1. not a list"),
        ("a | b", "a | b"),
        ("AT&T", "AT&amp;T"),
        ("back\\slash", "back\\slash"),
        ("two\nlines", "two lines"),
    ],
)
def test_escape_text_renders_literally(text: str, html: str) -> None:
    assert inline_html(escape_text(text)) == html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ping @org/team", f"ping @{ZWJ}org/team"),
        ("@octocat", f"@{ZWJ}octocat"),
        ("mail a@b.example", f"mail a@{ZWJ}b.example"),
        ("just @ alone", "just @ alone"),
    ],
)
def test_mentions_do_not_notify(text: str, expected: str) -> None:
    assert escape_text(text) == expected
    assert escape_html(text) == expected


@pytest.mark.parametrize(
    "text",
    ["plain", "one ` tick", "two `` ticks", "`starts", "ends`", "<b>x</b> @org", "a\nb"],
)
def test_code_span_holds_text_literally(text: str) -> None:
    tokens = MD.parseInline(code_span(text))[0].children
    assert tokens is not None
    assert [t.type for t in tokens] == ["code_inline"]
    assert tokens[0].content == " ".join(text.splitlines())


@pytest.mark.parametrize(
    "text",
    ["print(1)\n", "```\ninner\n```\n", "````js\nx\n````\n", "no newline at end", "a ``````` b\n"],
)
def test_fence_outruns_any_backtick_run(text: str) -> None:
    tokens = MD.parse(fence(text, "diff") + "after\n")
    assert [t.type for t in tokens[:1]] == ["fence"]
    assert tokens[0].content == (text if text.endswith("\n") else text + "\n")
    assert tokens[0].info == "diff"
    assert tokens[-2].content == "after"


def test_escape_html_for_summaries() -> None:
    assert escape_html('<img src="x"> & co') == "&lt;img src=&quot;x&quot;&gt; &amp; co"
    assert escape_html("two\n\nlines &#64;x") == "two  lines &amp;#64;x"  # one line, no entity


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("plain", "plain"),
        ("`a|b`", "`a\\|b`"),  # GitHub splits cells before it reads code spans
        ("a \\| b", "a \\| b"),  # escaped already (by escape_text)
        ("``x|`|y``", "``x\\|`\\|y``"),
    ],
)
def test_table_cells_escape_every_pipe(cell: str, expected: str) -> None:
    assert table_cell(cell) == expected
    tokens = TABLES.parse(f"| a | b |\n| --- | --- |\n{table_row([cell, 'b'])}\n")
    body = [t.content for t in tokens if t.type == "inline"][2:]
    assert body[1] == "b"  # the first cell ended where it should


@pytest.mark.parametrize(
    ("url", "markdown"),
    [
        ("https://x.example/runs/1", "[run](https://x.example/runs/1)"),
        ("#1-support-triage", "[run](#1-support-triage)"),
        ("https://x.example/a b)(\n", "[run](https://x.example/a%20b%29%28%0A)"),
        ("javascript:alert(1)", "run"),
        (None, "run"),
    ],
)
def test_links_only_to_http_and_anchors(url: str | None, markdown: str) -> None:
    assert link("run", url) == markdown
