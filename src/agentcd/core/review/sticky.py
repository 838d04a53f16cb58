"""The sticky-comment rule: given a change's comments, decide what one upsert must do.

Host adapters list comments, call `plan_upsert`, and carry out the plan; the decision itself
(which comment is ours, whether to write, what to delete) is pure and the same on every host.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from agentcd.core.review.marker import Marker, body_after_marker, parse_marker, with_marker


class Upsert(StrEnum):
    """What an upsert did."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED_NEWER = "skipped-newer"


@dataclass(frozen=True, slots=True)
class Comment:
    """An existing comment (GitHub issue comment, GitLab note), as much as the rule needs."""

    id: int
    author: str
    body: str
    url: str | None = None
    hidden: bool = False
    """A GitLab system note or a minimized GitHub comment: never treated as ours."""


@dataclass(frozen=True, slots=True)
class UpsertPlan:
    """What to write: `outcome` says which write (if any) goes to `target`; then delete `extra`."""

    outcome: Upsert
    body: str
    target: Comment | None
    extra: tuple[Comment, ...] = ()


def ours(comments: Sequence[Comment], marker: Marker, *, author: str) -> tuple[Comment, ...]:
    """Our comments for this slot, oldest first: marker AND author must match.

    A marker in a comment written by anyone else is ignored, so nobody can plant one and have
    agentcd overwrite (or delete) their comment, nor hide ours.
    """
    found = [
        c
        for c in comments
        if not c.hidden
        and c.author == author
        and (m := parse_marker(c.body)) is not None
        and m.same_slot(marker)
    ]
    return tuple(sorted(found, key=lambda c: c.id))


def plan_upsert(
    comments: Sequence[Comment], marker: Marker, body: str, *, author: str
) -> UpsertPlan:
    """Decide one upsert of `body` under `marker`.

    - none of ours: create;
    - the newest of ours was written for another head by a later run: skip, write nothing;
    - otherwise the oldest of ours is the target (racers converge on it), updated unless its
      text already equals ours (a different `run` alone is no reason to write); any other
      copies of ours are deleted.
    """
    full = with_marker(marker, body)
    mine = ours(comments, marker, author=author)
    if not mine:
        return UpsertPlan(Upsert.CREATED, full, None)
    if _newer_elsewhere(mine, marker):
        return UpsertPlan(Upsert.SKIPPED_NEWER, full, None)
    target, extra = mine[0], mine[1:]
    outcome = Upsert.UNCHANGED if _same_text(target.body, marker, body) else Upsert.UPDATED
    return UpsertPlan(outcome, full, target, extra)


def _newer_elsewhere(mine: Sequence[Comment], marker: Marker) -> bool:
    markers = [m for c in mine if (m := parse_marker(c.body)) is not None]
    newest = max(markers, key=lambda m: m.run)
    return newest.head != marker.head and newest.run > marker.run


def _same_text(existing: str, marker: Marker, body: str) -> bool:
    found = parse_marker(existing)
    if found is None or not found.same_content_key(marker):
        return False
    return _normalized(body_after_marker(existing)) == _normalized(body)


def _normalized(text: str) -> str:
    # Hosts may return CRLF or trim trailing whitespace; neither is a change worth a write.
    return text.replace("\r\n", "\n").strip()
