"""Safe Markdown building blocks for user text: escaped inline text, code spans, fences, HTML.

Anything a definition author wrote (descriptions, instructions, file names, values) goes
through one of these before it reaches a pull-request comment: HTML is neutralized, Markdown
syntax is escaped, code fences are longer than any backtick run inside, and `@mentions` get a
zero-width joiner so they do not notify anyone.
"""

from __future__ import annotations

import re

ZWJ = "\u200d"
_MENTION = re.compile(r"@(?=[A-Za-z0-9_-])")
_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]~|])")
# What would open a heading, list or setext underline if the text began a line.
_BLOCK_START = re.compile(r"^(\s*\d*)([#+=.)-])")
_BACKTICKS = re.compile(r"`+")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


def no_mentions(text: str) -> str:
    """A zero-width joiner after each `@`: `@org/team` reads the same and notifies nobody."""
    return _MENTION.sub("@" + ZWJ, text)


def escape_html(text: str) -> str:
    """Text for an HTML context (`<summary>`, attributes): entities, and no mentions."""
    return no_mentions("".join(_HTML.get(c, c) for c in text))


def escape_text(text: str) -> str:
    """Inline Markdown text that renders literally: one line, specials escaped, no HTML."""
    escaped = _INLINE_SPECIALS.sub(r"\\\1", " ".join(text.splitlines()))
    escaped = escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = _BLOCK_START.sub(r"\1\\\2", escaped, count=1)
    return no_mentions(escaped)


def code_span(text: str) -> str:
    """An inline code span holding `text` literally, whatever backticks it contains."""
    one_line = " ".join(text.splitlines()) or " "
    longest = max((len(run) for run in _BACKTICKS.findall(one_line)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if one_line[0] == "`" or one_line[-1] == "`" else ""
    return f"{ticks}{pad}{one_line}{pad}{ticks}"


def fence(text: str, info: str = "") -> str:
    """A fenced code block holding `text` literally: the fence outruns every backtick run."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    ticks = "`" * max(3, longest + 1)
    body = text if text.endswith("\n") or not text else text + "\n"
    return f"{ticks}{info}\n{body}{ticks}\n"
