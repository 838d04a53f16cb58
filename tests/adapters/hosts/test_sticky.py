"""The shared carry-out of a sticky-comment plan, against an in-memory comment store."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from agentcd.adapters.hosts.protocol import UpsertResult
from agentcd.adapters.hosts.sticky import SizeLimit, Writes, carry_out, check_size, converge
from agentcd.core.review.marker import COMMENT_CAP
from agentcd.core.review.sticky import Comment, Upsert, UpsertPlan
from agentcd.errors import AgentcdError

BODY = "<!-- marker -->\nthe plan"
OURS = Comment(1, "bot", "old", url="https://host.example/c/1")
COPY = Comment(2, "bot", "old copy")
GONE = Comment(3, "bot", "removed by a concurrent run")
CREATED = Comment(9, "bot", BODY, url="https://host.example/c/9")


@dataclass
class Store:
    """Comments by id; what was edited and deleted, in order."""

    bodies: dict[int, str] = field(default_factory=lambda: {1: "old", 2: "old copy", 9: BODY})
    edits: list[tuple[int, str]] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)

    def writes(self) -> Writes:
        return Writes(edit=self._edit, delete=self._delete)

    def _edit(self, comment_id: int, body: str) -> None:
        self.edits.append((comment_id, body))
        self.bodies[comment_id] = body

    def _delete(self, comment_id: int) -> bool:
        self.deleted.append(comment_id)
        return self.bodies.pop(comment_id, None) is not None


@pytest.mark.parametrize(
    ("plan", "result", "edits", "deleted"),
    [
        (UpsertPlan(Upsert.SKIPPED_NEWER, BODY, None), UpsertResult(Upsert.SKIPPED_NEWER), [], []),
        (
            UpsertPlan(Upsert.UPDATED, BODY, OURS, (COPY,)),
            UpsertResult(Upsert.UPDATED, 1, OURS.url, removed=1),
            [(1, BODY)],
            [2],
        ),
        (
            UpsertPlan(Upsert.UNCHANGED, BODY, OURS),
            UpsertResult(Upsert.UNCHANGED, 1, OURS.url),
            [],
            [],
        ),
        (
            UpsertPlan(Upsert.UNCHANGED, BODY, OURS, (COPY, GONE)),
            UpsertResult(Upsert.UNCHANGED, 1, OURS.url, removed=1),
            [],
            [2, 3],
        ),
    ],
    ids=["nothing-to-do", "update-and-drop-a-copy", "unchanged", "a-copy-already-gone"],
)
def test_carry_out(
    plan: UpsertPlan, result: UpsertResult, edits: list[tuple[int, str]], deleted: list[int]
) -> None:
    store = Store()

    assert carry_out(plan, store.writes()) == result
    assert (store.edits, store.deleted) == (edits, deleted)


@pytest.mark.parametrize(
    ("plan", "present", "result", "edits", "deleted"),
    [
        (
            UpsertPlan(Upsert.SKIPPED_NEWER, BODY, None),
            True,
            UpsertResult(Upsert.SKIPPED_NEWER, removed=1),
            [],
            [9],
        ),
        (
            UpsertPlan(Upsert.SKIPPED_NEWER, BODY, None),
            False,
            UpsertResult(Upsert.SKIPPED_NEWER, removed=0),
            [],
            [9],
        ),
        (
            UpsertPlan(Upsert.UNCHANGED, BODY, CREATED, (COPY,)),
            True,
            UpsertResult(Upsert.CREATED, 9, CREATED.url, removed=1),
            [],
            [2],
        ),
        (
            UpsertPlan(Upsert.UPDATED, BODY, OURS, (CREATED,)),
            True,
            UpsertResult(Upsert.UPDATED, 1, OURS.url, removed=1),
            [(1, BODY)],
            [9],
        ),
    ],
    ids=["a-later-run-won", "ours-already-gone", "ours-is-the-oldest", "a-racer-was-first"],
)
def test_converge_after_creating(
    plan: UpsertPlan,
    present: bool,
    result: UpsertResult,
    edits: list[tuple[int, str]],
    deleted: list[int],
) -> None:
    store = Store()
    if not present:
        del store.bodies[CREATED.id]

    assert converge(plan, CREATED, store.writes()) == result
    assert (store.edits, store.deleted) == (edits, deleted)


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        (
            SizeLimit("GitHub", "comment", 65_536),
            "commenting on o/r#1: the comment is 60,001 characters; agentcd's cap is 60,000 "
            "(GitHub rejects more than 65,536)",
        ),
        (
            SizeLimit("GitLab", "note", 1_000_000),
            "commenting on o/r#1: the note is 60,001 characters; agentcd's cap is 60,000 "
            "(GitLab rejects more than 1,000,000)",
        ),
    ],
    ids=["github", "gitlab"],
)
def test_check_size(limit: SizeLimit, message: str) -> None:
    check_size("x" * COMMENT_CAP, "commenting on o/r#1", limit)

    with pytest.raises(AgentcdError) as caught:
        check_size("x" * (COMMENT_CAP + 1), "commenting on o/r#1", limit)
    assert str(caught.value) == message
