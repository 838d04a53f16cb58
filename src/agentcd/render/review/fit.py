"""Fitting Markdown under a size limit: drop detail blocks first, then cut at a line boundary.

Pure functions. A comment is a sequence of blocks, each with a level: level 0 (headline,
matrix, footer) is never dropped; higher levels go first, the last agent's before the first.
Whatever is still too long is cut at a line end, and any code fence or `<details>` left open
at the cut is closed, so the rest of the page renders as intended.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_DETAILS_OPEN = re.compile(r"<details\b", re.IGNORECASE)
_DETAILS_CLOSE = re.compile(r"</details\s*>", re.IGNORECASE)
CLOSING_RESERVE = 200  # room kept for the closing fence and </details> tags after a cut


@dataclass(frozen=True, slots=True)
class Block:
    """A piece of the comment; `level` 0 is kept always, higher levels are dropped first."""

    text: str
    level: int = 0
    note_slot: bool = False  # where the "shortened" note goes, if anything is dropped


Note = Callable[[int, bool], str]
"""The note, given how many blocks were dropped and whether the rest had to be cut."""


def fit_blocks(blocks: Sequence[Block], *, limit: int, note: Note) -> str:
    """The blocks joined by newlines, within `limit` characters.

    When they do not fit, blocks are dropped (highest level first, from the end) and the
    note fills the note slot (or ends the text when there is none); if even the level-0
    blocks are too long, the text is cut with `cut_markdown`.
    """
    kept = [b for b in blocks if not b.note_slot]
    if _size(kept) <= limit:
        return _join(kept)
    kept = list(blocks)
    total, dropped = _size(kept), 0
    for level in sorted({b.level for b in blocks if b.level > 0}, reverse=True):
        for i in range(len(kept) - 1, -1, -1):
            if kept[i].level != level or kept[i].note_slot:
                continue
            total -= len(kept[i].text) + 1
            del kept[i]
            dropped += 1
            if total + len(note(dropped, False)) + 1 <= limit:
                return _join(_with_note(kept, note(dropped, False)))
    message = note(dropped, True)
    text = cut_markdown(_join(_with_note(kept, message)), limit)
    if message in text:
        return text
    # The note slot itself was cut away: put the note at the end instead.
    return cut_markdown(_join([b for b in kept if not b.note_slot]), limit, note=message)


def _with_note(blocks: Sequence[Block], note: str) -> list[Block]:
    if not any(b.note_slot for b in blocks):
        return [*blocks, Block(note)]
    return [Block(note) if b.note_slot else b for b in blocks]


def _size(blocks: Sequence[Block]) -> int:
    return sum(len(b.text) + 1 for b in blocks)


def _join(blocks: Sequence[Block]) -> str:
    return "\n".join(b.text for b in blocks if b.text)


def cut_markdown(text: str, limit: int, *, note: str = "") -> str:
    """`text` cut to at most `limit` characters at a line end, open blocks closed, `note` after.

    Works on any Markdown: it tracks fenced code blocks (``` and ~~~, by length) and
    `<details>` elements outside them, and closes whatever is open where it cuts.
    """
    if len(text) <= limit:
        return text
    budget = max(0, limit - len(note) - CLOSING_RESERVE)
    head = text[:budget]
    end = head.rfind("\n")
    head = head[: end + 1] if end >= 0 else head + "\n"
    return head + closers(head) + (f"\n{note}" if note else "")


def closers(text: str) -> str:
    """What closes the fence and the `<details>` elements left open at the end of `text`."""
    fence: str | None = None
    depth = 0
    for line in text.split("\n"):
        found = _FENCE.match(line)
        if fence is None and found:
            fence = found.group(1)
        elif fence is not None:
            if found and _closes(line, fence):
                fence = None
        else:
            depth += len(_DETAILS_OPEN.findall(line)) - len(_DETAILS_CLOSE.findall(line))
            depth = max(depth, 0)
    out = f"{fence}\n" if fence else ""
    return out + "\n</details>\n" * depth


def _closes(line: str, fence: str) -> bool:
    """A closing fence: the same character, at least as long, nothing after it but spaces."""
    stripped = line.strip()
    return (
        len(stripped) >= len(fence)
        and set(stripped) == {fence[0]}
        and len(line) - len(line.lstrip(" ")) <= 3
    )
