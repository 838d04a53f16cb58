"""The JSON rendering of diff reports: golden files and the documented schema's shape."""

from __future__ import annotations

import json

import pytest

from agentcd.render.diff.json import render_json
from tests.render.diff_scenarios import SCENARIOS, environments, high_risk, one_agent_changed


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_json_rendering(golden, name: str) -> None:
    golden(f"diff/{name}.json", render_json(SCENARIOS[name]()))


def test_json_carries_whole_values_and_text_diffs() -> None:
    data = json.loads(render_json(one_agent_changed()))
    assert data["version"] == 1
    assert data["differs"] is True
    triage = next(a for a in data["agents"] if a["name"] == "support-triage")
    by_path = {c["path"]: c for c in triage["changes"]}
    assert by_path["model.parameters.temperature"]["before"] == 0.2
    assert by_path["model.parameters.temperature"]["after"] == 0.3
    text = by_path["instructions"]["text_diff"]
    assert (text["added"], text["removed"]) == (2, 1)
    assert "text_diff" not in by_path["model.parameters.temperature"]


def test_json_added_item_is_one_record_with_the_whole_item() -> None:
    data = json.loads(render_json(high_risk()))
    (agent,) = data["agents"]
    added = [c for c in agent["changes"] if c["kind"] == "added"]
    assert [c["path"] for c in added] == ["tools[delete_account]"]
    assert added[0]["keys"] == ["tools", "delete_account"]
    assert added[0]["before"] is None
    assert added[0]["after"]["approval"] == "never"
    assert agent["risk"] == "high"


def test_json_environments_keep_bindings_apart_with_null_for_unset() -> None:
    data = json.loads(render_json(environments()))
    assert data["version"] == 1
    envs = data["environments"]
    assert (envs["base"]["environment"], envs["head"]["environment"]) == ("prod", "test")
    assert envs["live_in_sync"] is False
    states = {n["agent"]: n["state"] for n in envs["head"]["live"]}
    assert states == {"faq-bot": "in_sync", "refund-bot": "unknown", "support-triage": "in_sync"}
    (triage,) = envs["bindings"]
    assert triage["changes"][0] == {
        "name": "crm_mcp",
        "base": None,
        "head": "https://crm.test.example.com/mcp",
    }


def test_json_without_environments_says_null() -> None:
    assert json.loads(render_json(one_agent_changed()))["environments"] is None
