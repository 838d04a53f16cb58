"""Checks that rendered Markdown is well formed, by parsing it as a host would (markdown-it-py).

- every `<details>` is closed, in order, and none closes what it did not open;
- every fenced code block is closed by its own fence (not by the end of the document);
- every table row has as many cells as its header (a stray `|` would add one);
- every in-page link points at a heading that exists (GitHub's anchor rule);
- `check_inert`: no HTML but the few tags the renderer writes, no `@mention` outside code,
  no link but http(s) and in-page anchors, and a marker comment only on the first line.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

_OPEN = re.compile(r"<details\b", re.IGNORECASE)
_CLOSE = re.compile(r"</details\s*>", re.IGNORECASE)
_ANCHOR = re.compile(r"\]\(#([^)]+)\)")


def parse(text: str) -> list[Token]:
    return MarkdownIt("commonmark").enable("table").parse(text)


def check_structure(text: str) -> None:
    tokens = parse(text)
    lines = text.split("\n")
    _check_details(tokens)
    _check_fences(tokens, lines)
    _check_tables(tokens, lines)
    _check_anchors(tokens, text)


def _html(tokens: list[Token]) -> list[str]:
    found = []
    for token in tokens:
        if token.type == "html_block":
            found.append(token.content)
        for child in token.children or []:
            if child.type == "html_inline":
                found.append(child.content)
    return found


def _check_details(tokens: list[Token]) -> None:
    depth = 0
    for html in _html(tokens):
        for tag in re.findall(r"</?details\b", html, re.IGNORECASE):
            depth += -1 if tag.startswith("</") else 1
            assert depth >= 0, "a </details> closes nothing"
    assert depth == 0, f"{depth} <details> left open"


def _check_fences(tokens: list[Token], lines: list[str]) -> None:
    for token in tokens:
        if token.type != "fence":
            continue
        assert token.map is not None
        last = lines[token.map[1] - 1].strip()
        closed = len(last) >= len(token.markup) and set(last) == {token.markup[0]}
        assert closed, f"fence opened on line {token.map[0] + 1} is not closed"


def _cells(line: str) -> int:
    body = line.strip().removeprefix("|").removesuffix("|")
    return len(re.split(r"(?<!\\)\|", body))


def _check_tables(tokens: list[Token], lines: list[str]) -> None:
    for token in tokens:
        if token.type != "table_open":
            continue
        assert token.map is not None
        rows = [line for line in lines[token.map[0] : token.map[1]] if line.strip()]
        width = _cells(rows[0])
        for row in rows[1:]:
            assert _cells(row) == width, f"table row has {_cells(row)} cells, header {width}: {row}"


def slug(heading: str) -> str:
    """GitHub's heading anchor: lowercase, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _check_anchors(tokens: list[Token], text: str) -> None:
    headings = {
        slug(tokens[i + 1].content)
        for i, token in enumerate(tokens)
        if token.type == "heading_open"
    }
    for anchor in _ANCHOR.findall(text):
        assert anchor in headings, f"link to #{anchor}, but no such heading"


ALLOWED_TAGS = {"details", "summary", "code", "br"}
_TAG = re.compile(r"<\s*/?\s*([A-Za-z][A-Za-z0-9-]*)")
_MENTION = re.compile(r"(?<![\w`])@[A-Za-z0-9]")


def _inline(tokens: list[Token]) -> list[Token]:
    return [child for token in tokens for child in token.children or []]


def check_inert(text: str) -> None:
    tokens = parse(text)
    html = [t for t in tokens if t.type == "html_block"]
    html += [t for t in _inline(tokens) if t.type == "html_inline"]
    for token in html:
        content = token.content
        if token.map is not None and token.map[0] == 0:
            content = content.split("\n", 1)[1] if "\n" in content else ""  # the marker line
        assert "<!--" not in content, f"an HTML comment besides the marker: {content!r}"
        tags = {t.lower() for t in _TAG.findall(content)}
        assert tags <= ALLOWED_TAGS, f"HTML tags {tags - ALLOWED_TAGS} in {content!r}"
    for token in _inline(tokens):
        if token.type == "text":
            assert not _MENTION.search(token.content), f"a mention in {token.content!r}"
        if token.type == "link_open":
            href = str(token.attrs.get("href", ""))
            assert href.startswith(("https://", "http://", "#")), f"link to {href!r}"
