"""The status matrix view and ages."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agentcd.core.deploy.drift import DriftState
from agentcd.core.deploy.ledger import Status, make_slot
from agentcd.core.deploy.status import age_text, build_status
from tests.core.ledger_records import T0, dep


@pytest.mark.parametrize(
    ("age", "text"),
    [
        (None, "-"),
        (timedelta(0), "0s"),
        (timedelta(seconds=59), "59s"),
        (timedelta(minutes=1), "1m"),
        (timedelta(hours=5, minutes=59), "5h"),
        (timedelta(days=3, hours=23), "3d"),
        (timedelta(seconds=-5), "0s"),
    ],
)
def test_age_text(age: timedelta | None, text: str) -> None:
    assert age_text(age) == text


def test_a_row_per_agent_a_cell_per_environment() -> None:
    slots = {
        ("a", "prod"): make_slot("a", "prod", [dep(1, "a"), dep(2, "b", Status.IN_PROGRESS)]),
        ("b", "dev"): make_slot("b", "dev", [dep(1, "c", agent="b", environment="dev")]),
    }
    live = {
        ("a", "prod"): DriftState.DRIFTED,
        ("b", "dev"): DriftState.IN_SYNC,
        ("c", "dev"): DriftState.DRIFTED,
    }
    view = build_status(environments=("dev", "prod"), slots=slots, live=live, now=T0 + timedelta(1))
    assert [r.agent for r in view.rows] == ["a", "b", "c"]  # c: live only, never recorded
    a_dev, a_prod = view.rows[0].cells
    assert (a_dev.current, a_dev.live) == (None, DriftState.NOT_DEPLOYED)
    assert a_prod.current is not None and a_prod.current.seq == 1
    assert (a_prod.pending, a_prod.live) == (2, DriftState.DRIFTED)
    assert a_prod.age == timedelta(days=1) - timedelta(hours=1, minutes=1)
