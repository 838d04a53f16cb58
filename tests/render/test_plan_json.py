"""The plan as JSON (schema version 1, docs/plan.md): golden files and what actions rely on."""

from __future__ import annotations

import json

import pytest

from agentcd.render.review.json import render_json
from tests.render.test_plan_md import SCENARIOS


@pytest.mark.parametrize("name", ["one_agent_changed", "ledger_unreadable", "many_agents"])
def test_golden(name: str, golden) -> None:  # type: ignore[no-untyped-def]
    golden(f"plan/{name}.json", render_json(SCENARIOS[name]().view()))


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_shape(name: str) -> None:
    data = json.loads(render_json(SCENARIOS[name]().view()))
    assert data["version"] == 1
    assert data["verdict"] in {"pass", "fail", "inconclusive", "pending"}
    assert data["counts"]["changed"] == len(data["agents"])
    for agent in data["agents"]:
        assert [c["environment"] for c in agent["environments"]] == data["environments"]
        for cell in agent["environments"]:
            assert cell["state"] in {"in_sync", "drifted", "unknown", "not_deployed"}
            if not data["ledger"]["readable"]:
                assert cell["state"] == "unknown" and cell["running"] is None
