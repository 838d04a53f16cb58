"""The SQLite ledger, and the fake, against one contract: compare-and-set, finish once, queries."""

from __future__ import annotations

import multiprocessing
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from agentcd.adapters.ledger.protocol import LeaseHeld, Ledger, LedgerError, SequenceTaken
from agentcd.adapters.ledger.sqlite import SCHEMA_VERSION, SqliteLedger
from agentcd.core.definition.bundle import make_bundle
from agentcd.core.deploy.lease import LEASE_TTL, Lease, new_lease
from agentcd.core.deploy.ledger import EvalRecord, Status
from agentcd.core.evals.verdict import Verdict
from tests.core.ledger_records import T0, dep, digest
from tests.fakes.ledger import FakeLedger


@pytest.fixture(params=["sqlite", "fake"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger]:
    if request.param == "fake":
        yield FakeLedger()
        return
    real = SqliteLedger(tmp_path / "state" / "ledger.db")
    yield real
    real.close()


def test_append_takes_the_next_sequence_number_only(ledger: Ledger) -> None:
    ledger.append(dep(1, "a", Status.IN_PROGRESS))
    with pytest.raises(SequenceTaken) as lost:
        ledger.append(dep(1, "b", Status.IN_PROGRESS, actor="bob"))
    assert lost.value.holder is not None and lost.value.holder.actor == "ana"
    assert str(lost.value) == "#1 of a in prod was taken by another run (ana, in_progress)"
    with pytest.raises(SequenceTaken):
        ledger.append(dep(3, "c"))  # no gaps
    ledger.append(dep(1, "a", environment="test"))  # another slot counts on its own
    assert [(r.environment, r.seq) for r in ledger.history()] == [("prod", 1), ("test", 1)]


def test_finish_moves_in_progress_to_a_final_status_once(ledger: Ledger) -> None:
    ledger.append(dep(1, "a", Status.IN_PROGRESS, finished_at=None))
    done = ledger.finish(
        "a",
        "prod",
        1,
        status=Status.SUCCEEDED,
        finished_at=T0,
        platform_versions={"version": "3"},
        note="",
    )
    assert (done.status, done.finished_at, done.platform_versions) == (
        Status.SUCCEEDED,
        T0,
        {"version": "3"},
    )
    assert ledger.history() == (done,)
    with pytest.raises(SequenceTaken) as again:
        ledger.finish(
            "a", "prod", 1, status=Status.FAILED, finished_at=T0, platform_versions={}, note="late"
        )
    assert again.value.holder == done
    with pytest.raises(SequenceTaken):
        ledger.finish(
            "a", "prod", 2, status=Status.FAILED, finished_at=T0, platform_versions={}, note=""
        )


def test_history_filters_and_orders(ledger: Ledger) -> None:
    for record in (
        dep(1, "a", agent="z"),
        dep(1, "a"),
        dep(2, "b"),
        dep(1, "a", environment="dev"),
    ):
        ledger.append(record)
    assert [(r.environment, r.agent, r.seq) for r in ledger.history()] == [
        ("dev", "a", 1),
        ("prod", "a", 1),
        ("prod", "a", 2),
        ("prod", "z", 1),
    ]
    assert [r.seq for r in ledger.history(agent="a", environment="prod")] == [1, 2]
    assert [r.agent for r in ledger.history(agent="z")] == ["z"]


def test_bundles_are_kept_by_digest(ledger: Ledger, example_artifact: dict[str, object]) -> None:
    bundle = make_bundle(name="faq-bot", artifact=example_artifact, commit="c" * 40, path="x")
    ledger.put_bundle(bundle)
    ledger.put_bundle(bundle)  # idempotent
    assert ledger.get_bundle(bundle.digest) == bundle
    assert ledger.get_bundle(digest("0")) is None


def test_eval_verdicts_are_appended_in_order(ledger: Ledger) -> None:
    first = EvalRecord(
        agent="a",
        artifact_digest=digest("a"),
        environment="test",
        verdict=Verdict.FAIL,
        recorded_at=T0,
    )
    second = first.model_copy(update={"verdict": Verdict.PASS, "recorded_at": T0 + timedelta(1)})
    ledger.record_eval(first)
    ledger.record_eval(second)
    ledger.record_eval(first.model_copy(update={"agent": "b"}))
    assert ledger.evals(agent="a") == (first, second)
    assert len(ledger.evals()) == 3


def test_verify_finds_an_intact_ledger_with_what_it_holds(
    ledger: Ledger, example_artifact: dict[str, object]
) -> None:
    assert ledger.verify().intact  # nothing yet
    bundle = make_bundle(name="faq-bot", artifact=example_artifact, commit="c" * 40, path="x")
    ledger.put_bundle(bundle)
    ledger.append(dep(1, "a", Status.IN_PROGRESS, finished_at=None))
    ledger.finish("a", "prod", 1, status=Status.FAILED, finished_at=T0, platform_versions={},
                  note="")  # fmt: skip
    ledger.record_eval(EvalRecord(agent="a", artifact_digest=digest("a"), verdict=Verdict.PASS,
                                  recorded_at=T0))  # fmt: skip
    check = ledger.verify()
    assert check.intact and check.chain.broken is None
    assert (check.deployments, check.evals) == (1, 1)
    assert [b.digest for b in check.bundles] == [bundle.digest]


@pytest.fixture
def example_artifact() -> dict[str, object]:
    from agentcd.adapters.source import WorkTree
    from agentcd.core.definition.load import load_workspace
    from tests.conftest import EXAMPLE

    agent = load_workspace(WorkTree(EXAMPLE)).agent("faq-bot")
    assert agent is not None
    return dict(agent.artifact)


# ---------------------------------------------------------------- SQLite only


def _lease(token: str, minutes: int = 0) -> Lease:
    return new_lease(
        "prod", token=token, holder=f"run {token}", now=T0 + timedelta(minutes=minutes)
    )


def test_an_environment_lease_has_one_holder_until_it_expires(ledger: Ledger) -> None:
    ledger.take_lease(_lease("one"), now=T0)
    ledger.take_lease(_lease("one", 1), now=T0 + timedelta(minutes=1))  # renewing it
    with pytest.raises(LeaseHeld) as held:
        ledger.take_lease(_lease("two", 2), now=T0 + timedelta(minutes=2))
    assert held.value.lease.token == "one" and "run one holds prod" in str(held.value)
    ledger.release_lease("prod", "two")  # not its holder: changes nothing
    with pytest.raises(LeaseHeld):
        ledger.take_lease(_lease("two", 3), now=T0 + timedelta(minutes=3))
    ledger.release_lease("prod", "one")
    ledger.take_lease(_lease("two", 4), now=T0 + timedelta(minutes=4))
    # A holder that died is taken over once its lease has expired.
    late = T0 + timedelta(minutes=4) + LEASE_TTL
    ledger.take_lease(_lease("three"), now=late)


def test_a_batch_records_all_of_its_writes_or_none(ledger: Ledger) -> None:
    ledger.append(dep(1, "a", agent="y"))
    with pytest.raises(SequenceTaken), ledger.batch():
        ledger.append(dep(1, "b", agent="x"))
        ledger.append(dep(1, "b", agent="y"))  # lost: y already has #1
    assert [(r.agent, r.seq) for r in ledger.history()] == [("y", 1)]
    with ledger.batch():
        ledger.append(dep(1, "b", agent="x"))
        ledger.append(dep(2, "b", agent="y"))
    assert [(r.agent, r.seq) for r in ledger.history()] == [("x", 1), ("y", 1), ("y", 2)]


def test_a_version_1_ledger_gains_the_lease_table(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    SqliteLedger(path).append(dep(1, "a"))
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE leases")
        conn.execute("PRAGMA user_version=1")
    book = SqliteLedger(path)
    book.take_lease(_lease("one"), now=T0)
    assert [r.seq for r in book.history()] == [1]


def test_after_closing_the_ledger_is_one_file(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    book = SqliteLedger(path)
    book.append(dep(1, "a"))
    book.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.db"]
    copy = tmp_path / "copy" / "ledger.db"
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes())  # the one file the docs name holds every record
    assert [r.seq for r in SqliteLedger(copy).history()] == [1]


def test_reading_a_ledger_that_does_not_exist_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "none" / "ledger.db"
    assert SqliteLedger(path).history() == ()
    assert SqliteLedger(path).get_bundle(digest("a")) is None
    assert not path.exists()


def test_a_ledger_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    SqliteLedger(path).append(dep(1, "a"))
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(LedgerError) as e:
        SqliteLedger(path).history()
    assert f"schema version {SCHEMA_VERSION + 1} was written by a newer agentcd" in str(e.value)


def test_a_file_that_is_not_a_ledger_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    path.write_text("not a database, just text that is long enough to be a header" * 20)
    with pytest.raises(LedgerError) as e:
        SqliteLedger(path).history()
    assert str(e.value).startswith(f"opening the ledger {path}: ")


def _append_from_process(path: str, actor: str, barrier: object, results: object) -> None:
    ledger = SqliteLedger(Path(path))
    barrier.wait()  # type: ignore[attr-defined]
    try:
        ledger.append(dep(2, "b", Status.IN_PROGRESS, actor=actor))
        results.put((actor, "won"))  # type: ignore[attr-defined]
    except SequenceTaken:
        results.put((actor, "lost"))  # type: ignore[attr-defined]


def test_concurrent_appends_from_processes_have_exactly_one_winner(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    SqliteLedger(path).append(dep(1, "a"))
    ctx = multiprocessing.get_context("fork")
    for _ in range(3):
        barrier, results = ctx.Barrier(4), ctx.Queue()
        procs = [
            ctx.Process(target=_append_from_process, args=(str(path), f"p{i}", barrier, results))
            for i in range(4)
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join(30)
        outcomes = sorted(results.get(timeout=5)[1] for _ in procs)
        assert outcomes == ["lost", "lost", "lost", "won"]
        (record,) = [r for r in SqliteLedger(path).history() if r.seq == 2]
        with sqlite3.connect(path) as conn:
            conn.execute("DELETE FROM deployments WHERE seq = 2")
        assert record.status is Status.IN_PROGRESS
