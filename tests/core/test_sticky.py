"""The sticky-comment rule as a table: which comment is ours, and what one upsert does."""

from __future__ import annotations

import pytest

from agentcd.core.review.marker import Marker, with_marker
from agentcd.core.review.sticky import Comment, Upsert, plan_upsert

BOT = "github-actions[bot]"
A, B = "a" * 40, "b" * 40
OURS = Marker("plan", 42, B, run=10)


def mine(cid: int, head: str, run: int, body: str = "old", **marker: object) -> Comment:
    fields: dict[str, object] = {"kind": "plan", "change": 42, "head": head, "run": run, **marker}
    return Comment(cid, BOT, with_marker(Marker(**fields), body))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("existing", "outcome", "target", "extra"),
    [
        ([], Upsert.CREATED, None, ()),
        ([mine(1, A, 9)], Upsert.UPDATED, 1, ()),
        ([mine(1, B, 9, "new")], Upsert.UNCHANGED, 1, ()),
        ([mine(1, B, 9, "new\r\n")], Upsert.UNCHANGED, 1, ()),
        ([mine(1, B, 11, "older text")], Upsert.UPDATED, 1, ()),  # same head: last writer wins
        ([mine(1, A, 11)], Upsert.SKIPPED_NEWER, None, ()),  # a later run, another head
        ([mine(1, A, 9), mine(2, A, 11)], Upsert.SKIPPED_NEWER, None, ()),
        ([mine(1, A, 9), mine(5, A, 8)], Upsert.UPDATED, 1, (5,)),
        ([mine(4, B, 9, "new"), mine(2, A, 3)], Upsert.UPDATED, 2, (4,)),
        ([Comment(1, "mallory", with_marker(OURS, "new"))], Upsert.CREATED, None, ()),
        ([Comment(1, BOT, with_marker(OURS, "new"), hidden=True)], Upsert.CREATED, None, ()),
        ([mine(1, A, 9, env="prod")], Upsert.CREATED, None, ()),  # another slot
        ([Comment(1, BOT, "no marker")], Upsert.CREATED, None, ()),
    ],
    ids=[
        "none",
        "older-head",
        "unchanged",
        "unchanged-crlf",
        "same-head-later-run",
        "newer-head",
        "newest-of-copies-decides",
        "duplicates",
        "oldest-is-target",
        "spoofed-author",
        "hidden",
        "other-environment",
        "unmarked",
    ],
)
def test_plan_upsert(
    existing: list[Comment], outcome: Upsert, target: int | None, extra: tuple[int, ...]
) -> None:
    plan = plan_upsert(existing, OURS, "new", author=BOT)

    assert plan.outcome is outcome
    assert (plan.target.id if plan.target else None) == target
    assert tuple(c.id for c in plan.extra) == extra
    assert plan.body == with_marker(OURS, "new")
