"""Rendering for Foundry, pure: every definition field mapped, or refused with the reason."""

from __future__ import annotations

from typing import Any

import pytest

from agentcd.adapters.platforms.foundry_render import (
    normalize_version,
    read_stamp,
    render_config,
    version_metadata,
)
from agentcd.adapters.platforms.protocol import Unexpressible
from tests.adapters.platforms.foundry.conftest import DEFINITION, make_foundry_release

TOOL = DEFINITION["tools"][0]


def refusals(naming: str = "{agent}", **changes: Any) -> list[tuple[str, str, bool]]:
    with pytest.raises(Unexpressible) as caught:
        render_config(make_foundry_release(**changes), naming)
    return [(e.field, e.reason, e.in_project) for e in (caught.value, *caught.value.also)]


def test_a_release_maps_to_a_prompt_agent_version() -> None:
    config = render_config(make_foundry_release(), "{agent}")
    assert config == {
        "agent": {"name": "triage", "description": "Routes support tickets"},
        "definition": {
            "kind": "prompt",
            "model": "gpt-41-prod",
            "instructions": DEFINITION["instructions"],
            "temperature": 0.2,
            "tools": [
                {
                    "type": "function",
                    "name": "escalate",
                    "description": "Hand the ticket to a person, most urgent first.",
                    "parameters": TOOL["input_schema"],
                    "strict": False,
                }
            ],
        },
    }


def test_naming_puts_the_environment_in_the_agent_name() -> None:
    release = make_foundry_release("prod")
    assert render_config(release, "acme-{agent}-{environment}")["agent"]["name"] == (
        "acme-triage-prod"
    )


def test_a_foundry_provider_needs_no_override_and_others_do() -> None:
    model = {"provider": "azure-openai", "id": "gpt-4o-mini"}
    assert render_config(make_foundry_release(model=model), "{agent}")["definition"]["model"] == (
        "gpt-4o-mini"
    )
    (refusal,) = refusals(model={"provider": "anthropic", "id": "claude-sonnet-4-5"})
    assert refusal[0] == "model" and "model.overrides.foundry" in refusal[1]


def test_a_tool_without_input_schema_takes_an_empty_object() -> None:
    tool = {"name": "ping", "type": "function"}
    (rendered,) = render_config(make_foundry_release(tools=[tool]), "{agent}")["definition"][
        "tools"
    ]
    assert rendered == {
        "type": "function",
        "name": "ping",
        "parameters": {"type": "object", "properties": {}},
        "strict": False,
    }


def test_every_refusal_of_one_render_is_reported_by_field() -> None:
    found = refusals(
        "{agent}_{environment}",
        skills=[{"path": "skills/refunds"}],
        runtime={"entrypoint": "app:main"},
        knowledge=[{"name": "policies", "type": "vector_store", "binding": "kb"}],
        subagents=[{"ref": "billing"}],
        guardrails=[{"name": "safety", "type": "platform", "binding": "g"}],
        model={"provider": "openai", "id": "x", "parameters": {"max_tokens": 10}},
        tools=[
            {"name": "lookup", "type": "openapi", "spec": {"file": "orders.yaml"}},
            {"name": "search.web", "type": "function"},
            {"name": "refund", "type": "function", "binding": "refunds"},
            {"name": "wipe", "type": "function", "approval": "always"},
        ],
    )
    assert [(field, in_project) for field, _, in_project in found] == [
        ("skills", False),
        ("runtime", False),
        ("knowledge", False),
        ("subagents", False),
        ("guardrails", False),
        ("naming", True),
        ("model", False),
        ("model.parameters.max_tokens", False),
        ("tools[lookup]", False),
        ("tools[refund].binding", False),  # the artifact lists tools by name
        ("tools[search.web].name", False),
        ("tools[wipe].approval", False),
    ]
    reasons = dict((field, reason) for field, reason, _ in found)
    assert "makes 'triage_dev'" in reasons["naming"]
    assert "temperature and top_p only" in reasons["model.parameters.max_tokens"]
    assert "a tool of type openapi is not mapped" in reasons["tools[lookup]"]
    assert "run by the caller" in reasons["tools[refund].binding"]


@pytest.mark.parametrize(
    ("parameters", "message"),
    [({"temperature": 2.5}, "must be 0.0 to 2.0, not 2.5"), ({"top_p": "high"}, "a number")],
)
def test_sampling_out_of_range_is_refused(parameters: dict[str, Any], message: str) -> None:
    model = {**DEFINITION["model"], "parameters": parameters}
    (refusal,) = refusals(model=model)
    assert message in refusal[1]


def test_a_long_description_is_refused_not_cut() -> None:
    metadata = {**DEFINITION["metadata"], "description": "x" * 513}
    (refusal,) = refusals(metadata=metadata)
    assert refusal[:2] == ("metadata.description", "Foundry takes at most 512 characters, not 513")


def test_a_version_read_back_normalizes_to_the_rendered_config() -> None:
    release = make_foundry_release()
    config = render_config(release, "{agent}")
    tools = [{**t, "description": t["description"]} for t in config["definition"]["tools"]]
    read = {
        "object": "agent.version",
        "name": "triage",
        "version": "3",
        "description": "Routes support tickets",
        "metadata": version_metadata(release, config),
        "definition": {**config["definition"], "tools": tools, "top_p": None},
    }
    assert normalize_version(read) == config
    assert read_stamp(read["metadata"]) == (
        release.deployment_digest,
        version_metadata(release, config)["agentcd_config"],
    )


def test_a_definition_field_agentcd_does_not_write_is_kept_so_it_differs() -> None:
    config = render_config(make_foundry_release(), "{agent}")
    read = {"name": "triage", "description": "Routes support tickets"}
    edited = {**config["definition"], "tool_choice": "required"}
    assert normalize_version({**read, "definition": edited}) != config


def test_the_marks_fit_foundry_metadata() -> None:
    release = make_foundry_release()
    marks = version_metadata(release, render_config(release, "{agent}"))
    assert len(marks) <= 16
    assert all(len(k) <= 64 and len(v) <= 512 for k, v in marks.items())
    assert marks["agentcd_agent"] == "triage" and marks["agentcd_managed_by"] == "agentcd"
