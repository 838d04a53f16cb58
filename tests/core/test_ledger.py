"""Ledger history folding, derived statuses, rollback targets and stuck promotions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agentcd.core.deploy.ledger import (
    PENDING_LEASE,
    PendingAction,
    Status,
    choose_rollback,
    effective,
    evals_from_report,
    fold,
    make_slot,
    resolve_pending,
)
from agentcd.core.evals.verdict import Verdict
from agentcd.errors import DefinitionError
from tests.core.ledger_records import T0, dep, digest, failed_gate, rollback

# Ten deployments of agent `a` to prod, exercising every rule rollback must respect.
TEN = (
    dep(1, "a"),
    dep(2, "b"),
    dep(3, "c", Status.FAILED),
    dep(4, "c"),
    dep(5, "d"),
    dep(6, "e"),
    rollback(7, "c", to=4),  # undoes #5 and #6
    dep(8, "f", gate=failed_gate()),  # ran, but did not pass its gate
    dep(9, "9", Status.FAILED),
    dep(10, "0"),
)


def test_a_rollback_marks_what_it_undid_as_rolled_back() -> None:
    statuses = {r.seq: r.status for r in effective(TEN)}
    assert statuses == {
        1: Status.SUCCEEDED,
        2: Status.SUCCEEDED,
        3: Status.FAILED,
        4: Status.SUCCEEDED,
        5: Status.ROLLED_BACK,
        6: Status.ROLLED_BACK,
        7: Status.SUCCEEDED,
        8: Status.SUCCEEDED,
        9: Status.FAILED,
        10: Status.SUCCEEDED,
    }


def test_the_current_deployment_is_the_newest_that_succeeded() -> None:
    slot = make_slot("a", "prod", [*TEN, dep(11, "1", Status.FAILED)])
    assert slot.current is not None and slot.current.seq == 10
    assert slot.pending is None
    assert slot.next_seq == 12


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        (1, 7),  # #9 failed, #8 failed its gate, so #7 (c, restored by a rollback)
        (2, 2),  # #6 and #5 were rolled back, #4 is c again (same deployment as #7)
        (3, 1),
    ],
)
def test_rollback_goes_back_over_good_distinct_deployments(steps: int, expected: int) -> None:
    choice = choose_rollback(make_slot("a", "prod", TEN), steps=steps)
    assert choice.target is not None, choice.reason
    assert choice.target.seq == expected


def test_rollback_cannot_go_back_further_than_history() -> None:
    choice = choose_rollback(make_slot("a", "prod", TEN), steps=4)
    assert choice.target is None
    assert choice.reason == "3 earlier good deployment(s) of a in prod, cannot go back 4"


@pytest.mark.parametrize(
    ("to", "expected", "reason"),
    [
        ("e" * 12, 6, "#6, chosen by digest"),  # rolled back once, still restorable by name
        ("sha256:" + "b" * 64, 2, "#2, chosen by digest"),
        ("0" * 7, None, "0000000 is what prod runs now (#10)"),
        ("9" * 8, None, "prod never ran 99999999 successfully for a"),  # only a failed attempt
        ("abc", None, "--to 'abc': give at least 7 hex digits of the digest"),
    ],
)
def test_rollback_to_a_digest(to: str, expected: int | None, reason: str) -> None:
    choice = choose_rollback(make_slot("a", "prod", TEN), to=to)
    assert (choice.target.seq if choice.target else None) == expected
    assert choice.reason == reason


def test_nothing_to_roll_back_to() -> None:
    only = make_slot("a", "prod", [dep(1, "a")])
    assert choose_rollback(only).reason == "no earlier good deployment of a in prod to restore"
    empty = make_slot("a", "prod", [])
    assert choose_rollback(empty).reason == "nothing runs in prod: nothing to roll back"


def test_a_failed_rollback_undoes_nothing() -> None:
    history = [
        dep(1, "a"),
        dep(2, "b"),
        rollback(3, "a", to=1).model_copy(update={"status": Status.FAILED}),
    ]
    slot = make_slot("a", "prod", history)
    assert [r.status for r in slot.history] == [Status.SUCCEEDED, Status.SUCCEEDED, Status.FAILED]
    assert slot.current is not None and slot.current.seq == 2


def test_fold_groups_by_agent_and_environment() -> None:
    other = dep(1, "a", agent="b")
    test_env = dep(1, "a", environment="test")
    slots = fold([*TEN, other, test_env])
    assert sorted(slots) == [("a", "prod"), ("a", "test"), ("b", "prod")]
    assert len(slots[("a", "prod")].history) == 10


def test_an_unfinished_deployment_after_the_current_one_is_pending() -> None:
    slot = make_slot("a", "prod", [dep(1, "a"), dep(2, "b", Status.IN_PROGRESS)])
    assert slot.pending is not None and slot.pending.seq == 2
    assert slot.current is not None and slot.current.seq == 1


@pytest.mark.parametrize(
    ("live", "age", "action"),
    [
        (digest("B"), timedelta(seconds=5), PendingAction.WAIT),  # its owner may be recording
        (digest("B"), timedelta(minutes=2), PendingAction.COMPLETE),  # applied, not recorded
        (digest("B"), PENDING_LEASE * 3, PendingAction.COMPLETE),
        (digest("A"), timedelta(seconds=5), PendingAction.WAIT),  # may still be applying
        (None, timedelta(seconds=5), PendingAction.WAIT),
        (digest("A"), PENDING_LEASE, PendingAction.ABANDON),  # died before applying
    ],
)
def test_resolving_a_pending_deployment(
    live: str | None, age: timedelta, action: PendingAction
) -> None:
    pending = dep(2, "b", Status.IN_PROGRESS)
    now = pending.started_at + age
    assert resolve_pending(pending, live_deployment_digest=live, now=now) is action


def test_eval_verdicts_from_an_eval_report() -> None:
    report = {
        "report_version": 1,
        "environment": "test",
        "agents": [{"name": "a", "digest": digest("a"), "verdict": "pass"}],
    }
    (record,) = evals_from_report(report, report_digest=digest("r"), recorded_at=T0, where="r.json")
    assert (record.agent, record.environment, record.verdict) == ("a", "test", Verdict.PASS)
    assert record.report_digest == digest("r")


@pytest.mark.parametrize(
    ("report", "message"),
    [
        ({"report_version": 2}, "r.json: report_version: not an agentcd eval report (version 1)"),
        ({"report_version": 1, "agents": [{"name": "a"}]}, "r.json: agents[0]: not a valid"),
        (
            {"report_version": 1, "agents": [{"name": "a", "digest": "d", "verdict": "meh"}]},
            "r.json: agents[0]: not a valid agent verdict",
        ),
    ],
)
def test_malformed_eval_reports_are_refused(report: object, message: str) -> None:
    with pytest.raises(DefinitionError) as e:
        evals_from_report(report, report_digest=digest("r"), recorded_at=T0, where="r.json")
    assert str(e.value).startswith(message)
