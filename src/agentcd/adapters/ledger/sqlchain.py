"""The SQLite ledger's hash chain (`core.deploy.chain`): the `chain` table holds one row per
entry, appended in the transaction of the write it records, and the `deployments` and `evals`
tables must be what the chain says, row by row, so an edit of any of them is found and named.

Entries: `{"event": "claim" | "finish", "record": <the deployment as stored after it>}` and
`{"event": "eval", "record": <the verdict>}`; the finish is an entry of its own, so the chain
only grows while the table's row is updated in place. A ledger written before the chain gets
one first entry when it is upgraded, `{"event": "unchained", "deployments": [...], "evals":
[...]}`: every record as it was then, so those are covered from then on.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from agentcd.adapters.ledger.protocol import LedgerError
from agentcd.core.deploy.chain import (
    ChainBreak,
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
from agentcd.core.deploy.verify import LedgerCheck, check_bundle

TABLE = """CREATE TABLE IF NOT EXISTS chain (
  n INTEGER PRIMARY KEY CHECK (n >= 1),
  entry TEXT NOT NULL
)"""
Key = tuple[str, str, int]


def upgrade(conn: sqlite3.Connection) -> None:
    """Create the chain; a ledger that has records already starts it with them, as they are."""
    conn.execute(TABLE)
    if conn.execute("SELECT 1 FROM chain LIMIT 1").fetchone() is not None:
        return
    deployments = [
        _json(r) for (r,) in conn.execute("SELECT record FROM deployments ORDER BY rowid")
    ]
    evals = [_json(r) for (r,) in conn.execute("SELECT record FROM evals ORDER BY id")]
    if deployments or evals:
        _insert(conn, {"event": "unchained", "deployments": deployments, "evals": evals})


def add(conn: sqlite3.Connection, event: str, record_json: str) -> None:
    """Append the entry for a claim, a finish or an eval verdict (its record as stored)."""
    _insert(conn, {"event": event, "record": json.loads(record_json)})


def _insert(conn: sqlite3.Connection, entry: dict[str, Any]) -> None:
    row = conn.execute("SELECT n, entry FROM chain ORDER BY n DESC LIMIT 1").fetchone()
    head = Head(row[0], link_of(json.loads(row[1]))) if row else start(())
    linked, head = link(entry, head)
    conn.execute("INSERT INTO chain (n, entry) VALUES (?, ?)", (head.n, canonical(linked).decode()))


@dataclass
class Verifier:
    """Checks a ledger's tables against its chain, again whenever the chain has grown."""

    where: str
    _checked: int = field(default=-1, repr=False)  # the head checked last

    def check_read(self, conn: sqlite3.Connection) -> None:
        """Before a read: a broken chain, or a table the chain does not vouch for, raises."""
        with _reading(self.where):
            (head,) = conn.execute("SELECT COALESCE(MAX(n), 0) FROM chain").fetchone()
            if head == self._checked:
                return
            found = check(conn, self.where)
        if found.broken is not None:
            raise LedgerError(f"reading {self.where}: {found.broken}")
        self._checked = head


def check(conn: sqlite3.Connection, where: str) -> ChainCheck:
    """The chain, then every row of `deployments` and `evals` against it."""
    rows = conn.execute("SELECT n, entry FROM chain ORDER BY n").fetchall()
    entries = [_entry(n, text, where) for n, text in rows]
    found = check_chain(entries)
    if found.broken is not None:
        return found
    expected = _Expected()
    for entry in entries:
        expected.take(entry)
    found = replace(found, unchained=expected.unchained)
    return replace(
        found, broken=_deployments_differ(conn, expected) or _evals_differ(conn, expected)
    )


def _entry(n: int, text: str, where: str) -> Entry:
    data = _json(text, f"{where}: chain entry #{n}")
    record = data.get("record") if isinstance(data.get("record"), dict) else {}
    about = f"{data.get('event')} of #{record.get('seq')}" if "seq" in record else data.get("event")
    return Entry(f"chain entry #{n} ({about})", "chain", data)


@dataclass
class _Expected:
    """The tables' rows as the chain has them, and the entry that last wrote each."""

    deployments: dict[Key, tuple[dict[str, Any], str]] = field(default_factory=dict)
    evals: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    unchained: int = 0

    def take(self, entry: Entry) -> None:
        data, where = entry.data, entry.where
        if data.get("event") == "unchained":
            for record in data.get("deployments") or []:
                self.deployments[_key(record)] = (record, where)
            self.evals += [(record, where) for record in data.get("evals") or []]
            self.unchained = len(self.deployments) + len(self.evals)
        elif data.get("event") == "eval":
            self.evals.append((data["record"], where))
        else:
            self.deployments[_key(data["record"])] = (data["record"], where)


def _key(record: dict[str, Any]) -> Key:
    return (record.get("agent", ""), record.get("environment", ""), record.get("seq", 0))


def _deployments_differ(conn: sqlite3.Connection, expected: _Expected) -> ChainBreak | None:
    wanted = dict(expected.deployments)
    query = "SELECT agent, environment, seq, status, record FROM deployments ORDER BY rowid"
    for agent, environment, seq, status, text in conn.execute(query):
        where = f"deployment #{seq} of {agent} in {environment} (table deployments)"
        record, entry = wanted.pop((agent, environment, seq), (None, ""))
        if record is None:
            return ChainBreak(where, "it is in no chain entry: it was added outside agentcd")
        stored = {**_json(text), "status (column)": status}
        written = {**record, "status (column)": record.get("status")}
        if stored != written:
            change = differences(stored, written, stored_as="here", expected_as=f"in {entry}")
            return ChainBreak(where, change)
    for (agent, environment, seq), (_, entry) in wanted.items():
        where = f"deployment #{seq} of {agent} in {environment} (table deployments)"
        return ChainBreak(where, f"{entry} records it, but it is gone from the table")
    return None


def _evals_differ(conn: sqlite3.Connection, expected: _Expected) -> ChainBreak | None:
    rows = conn.execute("SELECT id, record FROM evals ORDER BY id").fetchall()
    for n, (row, wanted) in enumerate(zip(rows, expected.evals, strict=False), start=1):
        stored, (record, entry) = _json(row[1]), wanted
        if stored != record:
            change = differences(stored, record, stored_as="here", expected_as=f"in {entry}")
            return ChainBreak(f"eval verdict {n} (table evals, id {row[0]})", change)
    if len(rows) > len(expected.evals):
        extra = rows[len(expected.evals)][0]
        return ChainBreak(f"eval verdict id {extra} (table evals)", "it is in no chain entry")
    if len(rows) < len(expected.evals):
        _, entry = expected.evals[len(rows)]
        return ChainBreak("table evals", f"{entry} records a verdict that is gone from it")
    return None


def report(conn: sqlite3.Connection | None, where: str) -> LedgerCheck:
    """What `agentcd verify` shows for the ledger: counts, the chain, every bundle."""
    if conn is None:
        return LedgerCheck(where, 0, 0, ChainCheck(0, 0, start(())), ())
    with _reading(where):
        (deployments,) = conn.execute("SELECT COUNT(*) FROM deployments").fetchone()
        (evals,) = conn.execute("SELECT COUNT(*) FROM evals").fetchone()
        bundles = conn.execute("SELECT digest, bundle FROM bundles ORDER BY digest").fetchall()
        chain = check(conn, where)
    checks = tuple(check_bundle(d, text, where=f"{where}#bundles/{d}") for d, text in bundles)
    return LedgerCheck(where, deployments, evals, chain, checks)


@contextmanager
def _reading(where: str) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as e:
        raise LedgerError(f"reading {where}: {e}") from e


def _json(text: str, where: str = "a record") -> Any:
    try:
        return json.loads(text)
    except ValueError as e:
        raise LedgerError(f"reading {where}: not JSON ({e})") from e
