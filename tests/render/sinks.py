"""What "inert" means for each place untrusted text lands, as checks the tests share.

- **Terminal**: no C0 control but tab and newline, no DEL, no C1. Every terminal sequence
  (colours, cursor moves, OSC 8 links, OSC 52 clipboard writes) starts with ESC or a C1
  control, and CR would overwrite the line; none is there.
- **CI log**: the terminal's rule, and no workflow command GitHub's runner would obey besides
  the ones agentcd emitted (`github_commands` models the runner: lines end at CR, LF or CRLF;
  `::name…::` after leading whitespace, or `##[name…]` anywhere in a line; after
  `::stop-commands::TOKEN` only `::TOKEN::` acts). GitLab's section markers need CR and ESC
  (`section_start:…\\r\\e[0K`), which the terminal rule already rules out.
- **Markdown** (parsed by markdown-it with GFM tables, which split cells on `|` before code
  spans, as GitHub does), compared with the same document rendered from harmless text:
  no table row with more cells than its header; the same blocks (no heading, list, quote,
  fence or HTML block of its own); the same inline markup, HTML tags and HTML comments (so no
  `<img>`, no stray `</details>`, no link or image); no control character; and no text
  outside code that GitHub would turn into a mention (`@` then a name character) or an
  autolink (`scheme://`, `www.`).
"""

from __future__ import annotations

import html
import re
from collections import Counter

from markdown_it.rules_block.table import escapedSplit
from markdown_it.token import Token

from tests.render.markdown_structure import parse

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_END = re.compile(r"\r\n|\r|\n")  # .NET's ReadLine, which the runner reads output with
_TAG = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9-]*)|<!--")
_LIVE_TEXT = re.compile(r"@[A-Za-z0-9_-]|[A-Za-z]://|www\.", re.IGNORECASE)
_PLAIN = {"text", "text_special", "softbreak"}


def terminal_problems(text: str) -> list[str]:
    return [f"control {c!r}" for c in dict.fromkeys(CONTROL.findall(text))]


def _command(line: str) -> tuple[str, str] | None:
    """(name, data) of the command the runner reads in `line`, if any (ActionCommand.cs)."""
    stripped = line.lstrip()
    if stripped.startswith("::") and (end := stripped.find("::", 2)) >= 0:
        return stripped[2:end].split(" ", 1)[0], stripped[end + 2 :]
    start = line.find("##[")
    if start >= 0 and (end := line.find("]", start)) >= 0:
        return line[start + 3 : end].split(" ", 1)[0], line[end + 1 :]
    return None


def github_commands(log: str) -> list[str]:
    """The names of the workflow commands GitHub's runner would obey in `log`, in order."""
    obeyed, stopped_until = [], None
    for line in _LINE_END.split(log):
        found = _command(line)
        if found is None:
            continue
        name, data = found
        if stopped_until is not None:
            if name.lower() == stopped_until.lower():
                obeyed.append(name)
                stopped_until = None
            continue
        obeyed.append(name)
        if name.lower() == "stop-commands":
            stopped_until = data
    return obeyed


def log_problems(text: str) -> list[str]:
    problems = terminal_problems(text)
    return problems + [f"workflow command {c!r}" for c in github_commands(text)]


def _cells(line: str) -> int:
    row = line.strip().removeprefix("|")
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    return len(escapedSplit(row))


def _table_problems(tokens: list[Token], lines: list[str]) -> list[str]:
    problems = []
    for token in tokens:
        if token.type == "table_open" and token.map is not None:
            rows = [line for line in lines[token.map[0] : token.map[1]] if line.strip()]
            width = _cells(rows[0])
            problems += [
                f"{_cells(r)} cells, header {width}: {r}" for r in rows if _cells(r) != width
            ]
    return problems


def _blocks(tokens: list[Token]) -> list[str]:
    return [f"{t.type}:{t.tag}" for t in tokens if t.type != "inline"]


def _inline(tokens: list[Token]) -> list[Token]:
    return [child for token in tokens for child in token.children or []]


def _markup(tokens: list[Token]) -> Counter[str]:
    """Inline markup (emphasis, code, links, images, breaks): what text cannot add."""
    return Counter(t.type for t in _inline(tokens) if t.type not in _PLAIN | {"html_inline"})


def _tags(tokens: list[Token]) -> list[str]:
    """Every HTML tag and comment, in order: what text can neither add nor take away."""
    raw = [t.content for t in tokens + _inline(tokens) if t.type in ("html_block", "html_inline")]
    return [
        (m.group(1) + m.group(2) if m.group(2) else m.group()).lower()
        for c in raw
        for m in _TAG.finditer(c)
    ]


def _visible_text(tokens: list[Token]) -> list[str]:
    """Text a reader sees outside code, as GitHub's mention and autolink filters see it."""
    texts = [t.content for t in _inline(tokens) if t.type == "text"]
    raw = [t.content for t in tokens + _inline(tokens) if t.type in ("html_block", "html_inline")]
    return texts + [html.unescape(re.sub(r"<[^>]*>", " ", content)) for content in raw]


def html_tags(text: str) -> list[str]:
    return _tags(parse(text))


def live_text(text: str) -> list[str]:
    return [m.group() for t in _visible_text(parse(text)) for m in _LIVE_TEXT.finditer(t)]


def markdown_problems(text: str, harmless: str) -> list[str]:
    """Why `text` is not inert, given `harmless`: the same document from harmless text."""
    tokens, plain = parse(text), parse(harmless)
    problems = terminal_problems(text) + _table_problems(tokens, text.split("\n"))
    if _blocks(tokens) != _blocks(plain):
        problems.append("blocks differ from the harmless rendering")
    if added := _markup(tokens) - _markup(plain):
        problems.append(f"markup added: {dict(added)}")
    if _tags(tokens) != _tags(plain):
        problems.append(f"HTML {_tags(tokens)} is not {_tags(plain)}")
    return problems + [f"live text {x!r}" for x in live_text(text)]
