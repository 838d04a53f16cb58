"""The ledger's hash chain: what is hashed, and every way a stored entry can stop fitting."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest

from agentcd.core.deploy.chain import (
    ChainCheck,
    Entry,
    Head,
    canonical,
    check_chain,
    differences,
    link,
    link_of,
    start,
)

Rows = list[tuple[str, dict[str, Any]]]  # (group, data), in storage order


def linked(*datas: dict[str, Any], unchained: Rows | None = None) -> Rows:
    """Entries as the ledger writes them: after `unchained` (kept first), each linked."""
    rows = list(unchained or [])
    head = start([d for _, d in rows])
    for n, data in enumerate(datas):
        entry, head = link(data, head)
        rows.append((f"file-{n % 2}", entry))
    return rows


def checked(rows: Rows) -> ChainCheck:
    return check_chain(Entry(f"{group} #{i}", group, data) for i, (group, data) in enumerate(rows))


def test_the_link_is_the_sha256_of_the_canonical_json_chain_included() -> None:
    entry, head = link({"b": "é", "a": [1, 2.5]}, Head(4, "sha256:" + "0" * 64))
    text = '{"a":[1,2.5],"b":"é","chain":{"n":5,"prev":"sha256:' + "0" * 64 + '","v":1}}'
    assert canonical(entry) == text.encode()
    assert head == Head(5, "sha256:" + hashlib.sha256(text.encode()).hexdigest())
    assert start(()).link == "sha256:" + hashlib.sha256(b"[]").hexdigest()


def test_an_intact_chain_counts_and_ends_at_its_head() -> None:
    rows = linked({"e": 1}, {"e": 2}, {"e": 3}, unchained=[("old", {"e": 0})])
    assert checked(rows) == ChainCheck(3, 1, Head(3, link_of(rows[-1][1])))


def _edit(i: int) -> Callable[[Rows], Rows]:
    def change(rows: Rows) -> Rows:
        group, data = rows[i]
        return [*rows[:i], (group, {**data, "e": "edited"}), *rows[i + 1 :]]

    return change


@pytest.mark.parametrize(
    ("tamper", "where", "problem"),
    [
        (_edit(1), "file-1 #1", "entry #2 hashes to "),
        (_edit(0), "file-0 #0", "but entry #2 (file-1 #1), written after it, links it as "),
        (lambda rows: [rows[0], rows[2]], "file-0 #1", "it is entry #3, but #2 is missing"),
        (lambda rows: [*rows, rows[1]], "file-1 #3", "it claims to be entry #2, as file-1 #1 is"),
        (
            lambda rows: [*rows, ("file-0", {"e": "late"})],
            "file-0 #3",
            "it carries no link but follows linked entries: it was inserted",
        ),
        (
            lambda rows: [("file-1", {"e": "before"}), *rows],
            "file-0 #1",
            "it links the records written before the chain as ",
        ),
        (
            lambda rows: [*rows[:2], ("file-0", {**rows[2][1], "chain": {"v": 2, "n": 3}})],
            "file-0 #2",
            "its link is malformed",
        ),
        (
            lambda rows: [*rows[:2], ("file-0", {"chain": {"v": 2, "n": 3, "prev": "x"}})],
            "file-0 #2",
            "it is linked by chain version 2, newer than this agentcd reads (1); upgrade agentcd",
        ),
    ],
    ids=["edited", "edited-first", "removed", "copied", "inserted", "prepended", "malformed",
         "newer"],
)  # fmt: skip
def test_a_tampered_chain_is_broken_where_it_stops_fitting(
    tamper: Callable[[Rows], Rows], where: str, problem: str
) -> None:
    found = checked(tamper(linked({"e": 1}, {"e": 2}, {"e": 3})))
    assert found.broken is not None
    assert found.broken.where == where
    assert problem in found.broken.problem


def test_the_newest_entry_edited_is_not_seen_by_the_chain_alone() -> None:
    rows = linked({"e": 1}, {"e": 2})
    edited = _edit(1)(rows)
    assert checked(edited).broken is None  # nothing links to it yet: the git ledger's clones
    assert checked(edited).head != checked(rows).head  # remember the head they read


def test_differences_name_each_field() -> None:
    stored = {"record": {"actor": "mallory", "approvers": ["lee"], "seq": 1}, "event": "claim"}
    written = {"record": {"actor": "ana", "approvers": [], "seq": 1}, "event": "claim", "x": 1}
    assert differences(stored, written, stored_as="now", expected_as="then") == (
        'record.actor is "mallory" now but "ana" then; record.approvers is ["lee"] now but [] '
        "then; x is absent now but 1 then"
    )
