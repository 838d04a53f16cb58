"""Safe Markdown building blocks for user text: inline text, code spans, fences, HTML, cells.

Anything a definition author wrote (descriptions, instructions, file names, keys, values) goes
through one of these before it reaches a pull-request comment or a job summary:

- every sink: controls are shown as escapes (`render.inert.terminal`), since the comment is
  also read in terminals and the brief is also printed to the CI log;
- inline text (`escape_text`): one line, Markdown syntax backslash-escaped, `<`, `>` and `&`
  as entities, and nothing GitHub would act on: a zero-width joiner after `@` (no mention),
  after the `:` of `scheme://` and after `www` (no autolink);
- HTML (`escape_html`, for `<summary>`): one line, entities, the same zero-width joiners;
- code (`code_span`, `fence`): literal, with a backtick run longer than any inside;
- table cells (`table_row`): GitHub splits cells on `|` before it reads code spans, so every
  `|` that is not already escaped becomes `\\|`, inside code spans too.

A zero-width character after `@` is what Dependabot and Renovate use: GitHub has no escape
for a mention (`\\@user` still notifies) and the text reads the same. A joiner rather than
their zero-width space, because it is no place to break a line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote

from agentcd.render.inert import terminal

ZWJ = "\u200d"
_MENTION = re.compile(r"@(?=[A-Za-z0-9_-])")
_AUTOLINK = re.compile(r"(?<=[A-Za-z]:)(?=//)|(?<=www)(?=\.)", re.IGNORECASE)
_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]~|$])")
# What would open a heading, list or setext underline if the text began a line.
_BLOCK_START = re.compile(r"^(\s*\d*)([#+=.)-])")
_BACKTICKS = re.compile(r"`+")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
_CELL_PIPE = re.compile(r"(?<!\\)\|")
_URL_SAFE = "!#$%&'*+,/:;=?@[]~"  # besides letters, digits and `-._`; parentheses end a link


def no_mentions(text: str) -> str:
    """A zero-width joiner after each `@`: `@org/team` reads the same and notifies nobody."""
    return _MENTION.sub("@" + ZWJ, text)


def _inert(text: str) -> str:
    """No mention and no autolink: `https://x` and `www.x` read the same and link nowhere."""
    return _AUTOLINK.sub(ZWJ, no_mentions(text))


def _one_line(text: str) -> str:
    return " ".join(terminal(text).splitlines())


def _prose(text: str) -> str:
    """One line with no space at either end: at the start of a line, indentation would make
    the rest a code block."""
    return _one_line(text).strip()


def escape_html(text: str) -> str:
    """Text for an HTML context (`<summary>`, attributes): one line, entities, nothing live."""
    return _inert("".join(_HTML.get(c, c) for c in _prose(text)))


def escape_text(text: str) -> str:
    """Inline Markdown text that renders literally: one line, specials escaped, no HTML."""
    escaped = _INLINE_SPECIALS.sub(r"\\\1", _prose(text))
    escaped = escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = _BLOCK_START.sub(r"\1\\\2", escaped, count=1)
    return _inert(escaped)


def code_span(text: str) -> str:
    """An inline code span holding `text` literally, whatever backticks it contains."""
    one_line = _one_line(text) or " "
    longest = max((len(run) for run in _BACKTICKS.findall(one_line)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if one_line[0] == "`" or one_line[-1] == "`" else ""
    return f"{ticks}{pad}{one_line}{pad}{ticks}"


def fence(text: str, info: str = "") -> str:
    """A fenced code block holding `text` literally: the fence outruns every backtick run."""
    shown = terminal(text)
    longest = max((len(run) for run in _BACKTICKS.findall(shown)), default=0)
    ticks = "`" * max(3, longest + 1)
    body = shown if shown.endswith("\n") or not shown else shown + "\n"
    return f"{ticks}{info}\n{body}{ticks}\n"


def table_cell(markdown: str) -> str:
    """One cell of a table row, from inline Markdown: no `|` in it can end the cell."""
    return _CELL_PIPE.sub(r"\\|", markdown)


def table_row(cells: Iterable[str]) -> str:
    """`| a | b |`, every cell through `table_cell`."""
    return "| " + " | ".join(table_cell(c) for c in cells) + " |"


def link(text: str, url: str | None) -> str:
    """`[text](url)` for an http(s) URL or an in-page `#anchor`, else the plain text; `text`
    is Markdown already."""
    if not url or not url.startswith(("https://", "http://", "#")):
        return text
    return f"[{text}]({quote(url, safe=_URL_SAFE)})"
