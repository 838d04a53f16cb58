"""The SQLite ledger's hash chain on real files: a row edited, added or removed with `sqlite3`
is found on the next read and by `verify`, and a ledger written before the chain still reads."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentcd.adapters.ledger.protocol import LedgerError
from agentcd.adapters.ledger.sqlite import SqliteLedger
from agentcd.core.definition.bundle import Bundle, make_bundle
from agentcd.core.deploy.ledger import EvalRecord, Status
from agentcd.core.evals.verdict import Verdict
from tests.core.ledger_records import T0, dep, digest


@pytest.fixture
def path(tmp_path: Path) -> Iterator[Path]:
    """A ledger holding #1 (claimed, then finished) and #2 of `a` in prod, and one verdict."""
    file = tmp_path / "ledger.db"
    ledger = SqliteLedger(file)
    ledger.append(dep(1, "a", Status.IN_PROGRESS, finished_at=None))
    ledger.finish("a", "prod", 1, status=Status.SUCCEEDED, finished_at=T0,
                  platform_versions={"version": "1"}, note="")  # fmt: skip
    ledger.append(dep(2, "b"))
    ledger.record_eval(VERDICT)
    ledger.close()
    yield file


VERDICT = EvalRecord(
    agent="a", artifact_digest=digest("a"), environment="prod", verdict=Verdict.PASS,
    recorded_at=T0,
)  # fmt: skip


def edit(path: Path, sql: str) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(sql)
    conn.close()


def refused(path: Path) -> str:
    with pytest.raises(LedgerError) as e:
        SqliteLedger(path).history()
    return str(e.value)


def test_an_intact_ledger_reads_and_verifies(path: Path) -> None:
    ledger = SqliteLedger(path)
    assert [r.seq for r in ledger.history()] == [1, 2]
    check = ledger.verify()
    assert check.intact and (check.deployments, check.evals) == (2, 1)
    assert (check.chain.linked, check.chain.unchained, check.chain.head.n) == (4, 0, 4)
    with sqlite3.connect(path) as conn:
        events = [json.loads(e)["event"] for (e,) in conn.execute("SELECT entry FROM chain")]
    conn.close()
    assert events == ["claim", "finish", "claim", "eval"]  # the finish is an entry of its own


def test_an_actor_edited_with_sqlite3_is_found_on_read(path: Path) -> None:
    edit(path, "UPDATE deployments SET record=json_set(record, '$.actor', 'mallory') WHERE seq=1")
    assert refused(path) == (
        f"reading the ledger {path}: the record chain is broken at deployment #1 of a in prod "
        '(table deployments): actor is "mallory" here but "ana" in chain entry #2 (finish of #1)'
    )


def test_approvers_and_status_edited_are_each_named(path: Path) -> None:
    edit(
        path,
        "UPDATE deployments SET status='failed', "
        """record=json_set(record, '$.approvers', json('["lee"]')) WHERE seq=2""",
    )
    assert refused(path).endswith(
        'approvers is ["lee"] here but [] in chain entry #3 (claim of #2); status (column) is '
        '"failed" here but "succeeded" in chain entry #3 (claim of #2)'
    )


def test_a_row_removed_or_added_is_found(path: Path) -> None:
    edit(path, "DELETE FROM deployments WHERE seq=2")
    assert refused(path).endswith(
        "broken at deployment #2 of a in prod (table deployments): chain entry #3 (claim of #2) "
        "records it, but it is gone from the table"
    )
    record = dep(2, "z").model_dump_json()
    edit(path, f"INSERT INTO deployments VALUES ('a', 'prod', 2, 'succeeded', '{record}')")
    assert "#2 of a in prod (table deployments): actor" not in refused(path)


def test_an_eval_verdict_edited_is_found(path: Path) -> None:
    edit(path, "UPDATE evals SET record=json_set(record, '$.verdict', 'fail')")
    with pytest.raises(LedgerError) as e:
        SqliteLedger(path).evals()
    assert str(e.value).endswith(
        'broken at eval verdict 1 (table evals, id 1): verdict is "fail" here but "pass" in '
        "chain entry #4 (eval)"
    )


def test_a_chain_entry_rewritten_with_its_row_breaks_the_next_link(path: Path) -> None:
    for table, column, row in (("deployments", "record", "seq=2"), ("chain", "entry", "n=3")):
        edit(path, f"UPDATE {table} SET {column}=replace({column}, 'ana', 'eve') WHERE {row}")
    message = refused(path)
    assert "broken at chain entry #3 (claim of #2): entry #3 hashes to " in message
    assert "but entry #4 (chain entry #4 (eval)), written after it, links it as " in message


def test_verify_reports_a_break_and_a_tampered_bundle(path: Path) -> None:
    faq_bot = _faq_bot()
    SqliteLedger(path).put_bundle(faq_bot)
    edit(path, "UPDATE bundles SET bundle=replace(bundle, 'faq', 'FAQ')")
    edit(path, "UPDATE deployments SET record=json_set(record, '$.actor', 'mallory') WHERE seq=2")
    check = SqliteLedger(path).verify()
    assert not check.intact
    assert check.chain.broken is not None
    assert check.chain.broken.where == "deployment #2 of a in prod (table deployments)"
    (bad,) = check.bad_bundles
    assert bad.digest == faq_bot.digest
    assert f"digest: tampered bundle: it says {faq_bot.digest} but its artifact hashes to" in str(
        bad.problem
    )


def _faq_bot() -> Bundle:
    from agentcd.adapters.source import WorkTree
    from agentcd.core.definition.load import load_workspace
    from tests.conftest import EXAMPLE

    agent = load_workspace(WorkTree(EXAMPLE)).agent("faq-bot")
    assert agent is not None
    return make_bundle(name="faq-bot", artifact=agent.artifact, commit="c" * 40, path="x")


# ---------------------------------------------------------------- a ledger from before the chain

_SCHEMA_1 = """
CREATE TABLE deployments (agent TEXT NOT NULL, environment TEXT NOT NULL, seq INTEGER NOT NULL,
  status TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (agent, environment, seq));
CREATE TABLE bundles (digest TEXT PRIMARY KEY, bundle TEXT NOT NULL);
CREATE TABLE evals (id INTEGER PRIMARY KEY AUTOINCREMENT, agent TEXT NOT NULL,
  artifact_digest TEXT NOT NULL, record TEXT NOT NULL);
PRAGMA user_version=1;
"""


@pytest.fixture
def old(tmp_path: Path) -> Path:
    """A ledger as agentcd wrote it before the chain (schema 1): #1 running, #2 not finished."""
    file = tmp_path / "old.db"
    with sqlite3.connect(file) as conn:
        conn.executescript(_SCHEMA_1)
        for record in (dep(1, "a"), dep(2, "b", Status.IN_PROGRESS, finished_at=None)):
            row = ("a", "prod", record.seq, record.status.value, record.model_dump_json())
            conn.execute("INSERT INTO deployments VALUES (?, ?, ?, ?, ?)", row)
    conn.close()
    return file


def test_a_ledger_from_before_the_chain_reads_and_is_covered_from_then_on(old: Path) -> None:
    ledger = SqliteLedger(old)
    assert [r.seq for r in ledger.history()] == [1, 2]
    check = ledger.verify()
    assert check.intact and (check.chain.linked, check.chain.unchained) == (1, 2)
    ledger.finish(
        "a", "prod", 2, status=Status.FAILED, finished_at=T0, platform_versions={}, note=""
    )  # fmt: skip  (a claim from before the chain, finished after it)
    ledger.close()
    assert SqliteLedger(old).verify().intact
    edit(old, "UPDATE deployments SET record=json_set(record, '$.actor', 'mallory') WHERE seq=1")
    assert refused(old).endswith(
        'deployment #1 of a in prod (table deployments): actor is "mallory" here but "ana" in '
        "chain entry #1 (unchained)"
    )
