"""The ledger's hash chain: every entry the ledger stores carries the link of the one before it,
so an entry changed, removed or inserted after it was written breaks the chain. No I/O.

What is hashed (chain version 1). An *entry* is one JSON object as the ledger stores it: a line
of the git ledger's `deployments/` and `evals/` files (a claim, a finish, an eval verdict), a row
of the SQLite ledger's `chain` table. Its *link* is `sha256:` and the hex SHA-256 of its
canonical JSON: keys sorted, no whitespace (`,` and `:` between items), text as UTF-8 without
`\\u` escapes other than those JSON requires, numbers as Python's `json` writes them. A linked
entry holds `"chain": {"v": 1, "n": N, "prev": LINK}`: `v` the version of these rules, `n` its
place in the whole ledger (1, 2, ... with no gaps, across every agent and environment), `prev`
the link of entry N-1. `chain` is part of the hashed object, so each link covers every entry
before it. A deployment's finish is an entry of its own, appended after its claim: the history
stays append-only and every link, once written, stays true.

Upgrading: entries written before the chain carry no `chain` and are *unchained*. In each group
(a file of the git ledger) they come before every linked entry, and the `prev` of entry 1 is the
link of the list of all unchained entries in storage order (`[]` when there are none): from the
first linked entry on they are covered too, as one.

What a chain alone cannot see: its newest entry changed (nothing links to it yet) or the whole
chain recomputed from some entry on. The git ledger also remembers what each clone read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

CHAIN_VERSION = 1
CHAIN_KEY = "chain"


@dataclass(frozen=True, slots=True)
class Head:
    """The newest linked entry: its number (0: none yet) and its link."""

    n: int
    link: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One stored entry: where it is (for messages), its group, and the object as stored."""

    where: str
    group: str
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """Where the record stops being what was written, and what differs."""

    where: str
    problem: str

    def __str__(self) -> str:
        return f"the record chain is broken at {self.where}: {self.problem}"


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """What a check of every entry found: how many are linked and unchained, the head, and
    the first break (None: intact)."""

    linked: int
    unchained: int
    head: Head
    broken: ChainBreak | None = None


def canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link_of(data: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical(data)).hexdigest()


def start(unchained: Sequence[Mapping[str, Any]]) -> Head:
    """The head before entry 1: the link of every unchained entry, in storage order."""
    return Head(0, link_of(list(unchained)))


def link(data: Mapping[str, Any], head: Head) -> tuple[dict[str, Any], Head]:
    """`data` as the entry after `head`, and the new head."""
    linked = {**data, CHAIN_KEY: {"v": CHAIN_VERSION, "n": head.n + 1, "prev": head.link}}
    return linked, Head(head.n + 1, link_of(linked))


def check_chain(entries: Iterable[Entry]) -> ChainCheck:
    """Every entry in storage order, checked: unchained ones first in their group, then links
    1, 2, ... each naming the link of the one before."""
    unchained: list[Entry] = []
    linked: list[Entry] = []
    linked_groups: set[str] = set()
    for entry in entries:
        if CHAIN_KEY in entry.data:
            linked_groups.add(entry.group)
            linked.append(entry)
        elif entry.group in linked_groups:
            problem = "it carries no link but follows linked entries: it was inserted"
            return ChainCheck(0, len(unchained), start(()), ChainBreak(entry.where, problem))
        else:
            unchained.append(entry)
    head = start([e.data for e in unchained])
    before: Entry | None = None
    for entry in sorted(linked, key=_number):
        broken = _mismatch(entry, head, before)
        if broken is not None:
            return ChainCheck(head.n, len(unchained), head, broken)
        head, before = Head(head.n + 1, link_of(entry.data)), entry
    return ChainCheck(head.n, len(unchained), head)


def _number(entry: Entry) -> int:
    marker = entry.data[CHAIN_KEY]
    n = marker.get("n") if isinstance(marker, dict) else None
    return n if isinstance(n, int) else 0


def _mismatch(entry: Entry, head: Head, before: Entry | None) -> ChainBreak | None:
    marker = entry.data[CHAIN_KEY]
    if not isinstance(marker, dict) or not _well_formed(marker):
        return ChainBreak(entry.where, f"its link is malformed: {marker!r}")
    if marker["v"] > CHAIN_VERSION:
        return ChainBreak(
            entry.where,
            f"it is linked by chain version {marker['v']}, newer than this agentcd reads "
            f"({CHAIN_VERSION}); upgrade agentcd",
        )
    n, prev = marker["n"], marker["prev"]
    if n <= head.n:
        shown = before.where if before else "another entry"
        return ChainBreak(entry.where, f"it claims to be entry #{n}, as {shown} is: a copy")
    if n > head.n + 1:
        return ChainBreak(entry.where, f"it is entry #{n}, but #{head.n + 1} is missing")
    if prev == head.link:
        return None
    if before is None:
        return ChainBreak(
            entry.where,
            f"it links the records written before the chain as {_short(prev)}, but they hash to "
            f"{_short(head.link)}: one of them was changed, added or removed",
        )
    return ChainBreak(
        before.where,
        f"entry #{head.n} hashes to {_short(head.link)}, but entry #{n} ({entry.where}), written "
        f"after it, links it as {_short(prev)}: it was changed after it was written",
    )


def _short(link: str) -> str:
    return link.removeprefix("sha256:")[:12]


def _well_formed(marker: Mapping[str, Any]) -> bool:
    types = {"v": int, "n": int, "prev": str}
    return all(type(marker.get(key)) is kind for key, kind in types.items())


def differences(stored: Any, expected: Any, *, stored_as: str, expected_as: str) -> str:
    """The fields where two JSON values differ, as `record.actor is "mallory" <stored_as> but
    "ana" <expected_as>`, mappings opened (lists and other values compared whole)."""
    found = [
        f"{path or 'the entry'} is {_show(a)} {stored_as} but {_show(b)} {expected_as}"
        for path, a, b in _differing(stored, expected, "")
    ]
    return "; ".join(found) or "nothing differs"


def _differing(stored: Any, expected: Any, path: str) -> Iterable[tuple[str, Any, Any]]:
    if isinstance(stored, dict) and isinstance(expected, dict):
        for key in sorted(set(stored) | set(expected)):
            inner = f"{path}.{key}" if path else key
            yield from _differing(stored.get(key, _ABSENT), expected.get(key, _ABSENT), inner)
    elif stored != expected:
        yield path, stored, expected


_ABSENT = object()


def _show(value: Any) -> str:
    return "absent" if value is _ABSENT else json.dumps(value, ensure_ascii=False)[:80]
