"""Comparing two environments beyond their artifacts: binding values and live state."""

from __future__ import annotations

from typing import Any

import pytest

from agentcd.core.deploy.drift import AgentDrift, DriftState
from agentcd.core.diff.environments import (
    AgentBindings,
    BindingChange,
    EnvironmentComparison,
    EnvironmentSide,
    LiveNote,
    compare_bindings,
    compare_environments,
    live_notes,
)

Values = dict[str, dict[str, Any]]


@pytest.mark.parametrize(
    ("base", "head", "expected"),
    [
        pytest.param({"a": {"kb": "kb-test"}}, {"a": {"kb": "kb-test"}}, [], id="same"),
        pytest.param(
            {"a": {"kb": "kb-test", "api": "x"}},
            {"a": {"kb": "kb-prod", "api": "x"}},
            [("a", "kb", "kb-test", "kb-prod")],
            id="only-differing-names",
        ),
        pytest.param(
            {"a": {"crm": "https://crm.test"}},
            {"a": {}},
            [("a", "crm", "https://crm.test", None)],
            id="unset-in-head",
        ),
        pytest.param(
            {"a": {}},
            {"a": {"crm": "https://crm"}},
            [("a", "crm", None, "https://crm")],
            id="unset-in-base",
        ),
        pytest.param({"a": {"n": 1}}, {"a": {"n": 1.0}}, [], id="numbers-as-hashed"),
        pytest.param({"a": {"n": 1}}, {"a": {"n": "1"}}, [("a", "n", 1, "1")], id="type-matters"),
        pytest.param({"a": {"f": True}}, {"a": {"f": 1}}, [("a", "f", True, 1)], id="bool-not-int"),
        pytest.param(
            {"a": {"db": {"host": "h", "port": 1}}},
            {"a": {"db": {"port": 1, "host": "h"}}},
            [],
            id="mapping-key-order",
        ),
        pytest.param(
            {"a": {"db": {"host": "test"}}},
            {"a": {"db": {"host": "prod"}}},
            [("a", "db", {"host": "test"}, {"host": "prod"})],
            id="mapping-whole-value",
        ),
        pytest.param(
            {"only-base": {"kb": "x"}, "a": {"kb": "x"}},
            {"only-head": {"kb": "y"}, "a": {"kb": "x"}},
            [],
            id="agents-on-one-side-are-not-compared",
        ),
        pytest.param(
            {"b": {"z": 1, "y": 1}, "a": {"k": 1}},
            {"b": {"z": 2, "y": 2}, "a": {"k": 2}},
            [("a", "k", 1, 2), ("b", "y", 1, 2), ("b", "z", 1, 2)],
            id="sorted-by-agent-then-name",
        ),
    ],
)
def test_compare_bindings(
    base: Values, head: Values, expected: list[tuple[str, str, Any, Any]]
) -> None:
    found = compare_bindings(base, head)
    assert [(a.agent, c.name, c.base, c.head) for a in found for c in a.changes] == expected
    assert all(a.changes for a in found), "an agent with no differing binding is left out"


def test_an_agent_with_several_changes_is_one_entry() -> None:
    found = compare_bindings({"a": {"x": 1, "y": 1}}, {"a": {"x": 2, "y": 2}})
    assert found == (AgentBindings("a", (BindingChange("x", 1, 2), BindingChange("y", 1, 2))),)


def side(*states: DriftState) -> EnvironmentSide:
    return EnvironmentSide("env", tuple(LiveNote(f"a{i}", s) for i, s in enumerate(states)))


@pytest.mark.parametrize(
    ("base", "head", "in_sync"),
    [
        ((), (), True),
        ((DriftState.IN_SYNC,), (DriftState.IN_SYNC, DriftState.IN_SYNC), True),
        ((DriftState.NOT_DEPLOYED,), (DriftState.IN_SYNC,), True),
        ((DriftState.IN_SYNC,), (DriftState.IN_SYNC, DriftState.DRIFTED), False),
        ((DriftState.DRIFTED,), (DriftState.IN_SYNC,), False),
        ((DriftState.UNKNOWN,), (DriftState.IN_SYNC,), False),  # unknown is never in sync
        ((), (DriftState.UNKNOWN,), False),
    ],
)
def test_live_in_sync(
    base: tuple[DriftState, ...], head: tuple[DriftState, ...], in_sync: bool
) -> None:
    comparison = EnvironmentComparison(base=side(*base), head=side(*head), bindings=())
    assert comparison.live_in_sync is in_sync


def drift(agent: str, state: DriftState, *reasons: str) -> AgentDrift:
    return AgentDrift(
        agent=agent,
        environment="prod",
        state=state,
        kinds=(),
        reasons=reasons,
        differences=(),
        more_differences=0,
        expected=None,
        live_digest=None,
        live_version=None,
    )


def test_live_notes_keep_state_and_reasons_sorted_by_agent() -> None:
    notes = live_notes(
        [
            drift("support-triage", DriftState.DRIFTED, "changed on the platform: instructions"),
            drift("faq-bot", DriftState.UNKNOWN, "permission denied"),
        ]
    )
    assert notes == (
        LiveNote("faq-bot", DriftState.UNKNOWN, ("permission denied",)),
        LiveNote("support-triage", DriftState.DRIFTED, ("changed on the platform: instructions",)),
    )
    env = EnvironmentSide("prod", notes)
    assert [n.agent for n in env.with_state(DriftState.DRIFTED)] == ["support-triage"]


def test_compare_environments_names_the_agents_deployed_in_both() -> None:
    test, prod = EnvironmentSide("test", ()), EnvironmentSide("prod", ())
    found = compare_environments(
        test,
        prod,
        base_bindings={"faq-bot": {"kb": "t"}, "refund-bot": {}, "new-bot": {}},
        head_bindings={"faq-bot": {"kb": "p"}, "refund-bot": {}, "old-bot": {}},
    )
    assert found.compared == ("faq-bot", "refund-bot")
    assert found.bindings == (AgentBindings("faq-bot", (BindingChange("kb", "t", "p"),)),)
    assert (found.base, found.head) == (test, prod)
