"""render: what a release becomes as a Langfuse chat prompt version, every refusal, the label
an environment moves, and a version read back in render's shape. Pure: no SDK call, no key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agentcd.adapters.platforms.langfuse import open_platform
from agentcd.adapters.platforms.langfuse_render import (
    commit_message,
    normalize_version,
    read_stamp,
    render_config,
    version_config,
)
from agentcd.adapters.platforms.protocol import Unexpressible
from agentcd.core.deploy.drift import config_digest
from tests.adapters.platforms.langfuse.conftest import DEFINITION, make_release_of, make_target

TOOL = DEFINITION["tools"][0]


def render(environment: str = "dev", naming: str = "{agent}", labels: Any = None, **changes: Any):
    return render_config(make_release_of(environment, **changes), naming, labels or {})


def refusal(**kwargs: Any) -> Unexpressible:
    with pytest.raises(Unexpressible) as raised:
        render(**kwargs)
    return raised.value


def test_a_release_is_one_system_message_and_a_config() -> None:
    assert render() == {
        "name": "triage",
        "type": "chat",
        "prompt": [
            {"role": "system", "content": "Read the ticket, then route it to the right queue.\n"}
        ],
        "config": {
            "model": "gpt-4.1-2025-04-14",
            "provider": "openai",
            "temperature": 0.2,
            "max_tokens": 800,
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": "route_ticket",
                        "description": "Put the ticket in a queue.",
                        "parameters": TOOL["input_schema"],
                    },
                }
            ],
        },
    }


def test_the_model_override_and_a_tool_without_schema() -> None:
    model = {**DEFINITION["model"], "overrides": {"langfuse": "gpt-4o-eu", "bedrock": "x"}}
    bare = {"name": "escalate", "type": "function"}
    config = render(model=model, tools=[TOOL, bare])["config"]
    assert config["model"] == "gpt-4o-eu" and config["provider"] == "openai"
    assert [t["function"]["name"] for t in config["tools"]] == ["escalate", "route_ticket"]
    assert config["tools"][0]["function"] == {
        "name": "escalate",
        "parameters": {"type": "object", "properties": {}},
    }


def test_every_field_a_prompt_cannot_carry_is_refused_at_once() -> None:
    refused = refusal(
        skills=[{"path": "skills/refunds"}],
        runtime={"framework": "openai-agents"},
        knowledge=[{"name": "kb", "type": "vector_store", "binding": "kb"}],
        subagents=[{"ref": "refund-bot"}],
        guardrails=[{"name": "pii", "type": "policy"}],
        tools=[
            {"name": "crm", "type": "mcp", "binding": "crm"},
            {"name": "lookup", "type": "function", "binding": "orders"},
            {"name": "refund", "type": "function", "approval": "always"},
            {"name": "bad.name", "type": "function"},
        ],
        model={**DEFINITION["model"], "parameters": {"tools": "auto"}},
    )
    fields = [refused.field, *(r.field for r in refused.also)]
    assert fields == [
        "skills",
        "runtime",
        "knowledge",
        "subagents",
        "guardrails",
        "model.parameters.tools",
        "tools[bad.name].name",  # the artifact's tools are in name order
        "tools[crm]",
        "tools[lookup].binding",
        "tools[refund].approval",
    ]
    assert {refused.platform, *(r.platform for r in refused.also)} == {"langfuse"}
    assert str(refused).startswith("rendering triage for Langfuse (dev): skills: ")
    assert "needs something that calls it" in refused.also[6].reason


@pytest.mark.parametrize(
    ("environment", "labels", "label"),
    [("dev", {}, "dev"), ("prod", {"prod": "production"}, "production"), ("qa", {"x": "y"}, "qa")],
)
def test_the_label_is_the_mapped_one_else_the_environment_and_not_in_the_config(
    environment: str, labels: dict[str, str], label: str
) -> None:
    from agentcd.adapters.platforms.langfuse_render import environment_label

    assert environment_label(labels, environment) == label
    assert render(environment, labels=labels) == render("dev")  # one version serves them all


@pytest.mark.parametrize(
    ("environment", "labels", "reason"),
    [
        ("latest", {}, "which Langfuse itself keeps on the newest version"),
        ("prod", {"prod": "latest"}, "which Langfuse itself keeps on the newest version"),
        ("prod", {"prod": "Production"}, "is no Langfuse label"),
        ("prod", {"prod": "p" * 37}, "at most 36"),
    ],
)
def test_a_label_langfuse_will_not_take_is_refused_in_the_project(
    environment: str, labels: dict[str, str], reason: str
) -> None:
    refused = refusal(environment=environment, labels=labels)
    assert refused.in_project and refused.field == f"labels.{environment}"
    assert reason in refused.reason
    assert str(refused).startswith(
        f"rendering triage for Langfuse ({environment}): agentcd.yaml: targets.<name>.labels."
    )


@pytest.mark.parametrize(
    ("naming", "name"),
    [("{agent}", "triage"), ("{agent}-{environment}", "triage-dev"), ("support/{agent}", None)],
)
def test_naming_makes_the_prompt_name(naming: str, name: str | None) -> None:
    assert render(naming=naming)["name"] == (name or "support/triage")


@pytest.mark.parametrize("naming", ["{agent}|v2", "new", "/{agent}", "{agent}//x", "a b"])
def test_a_name_langfuse_will_not_take_is_refused_in_the_project(naming: str) -> None:
    refused = refusal(naming=naming)
    assert refused.in_project and refused.field == "naming"


def test_the_stamp_and_commit_message_name_the_deployment_and_the_rendered_config() -> None:
    release = make_release_of()
    config = render_config(release, "{agent}", {})
    sent = version_config(release, config)
    stamp = read_stamp(sent)
    assert stamp is not None and stamp.agent == "triage"
    assert stamp.deployment == release.deployment_digest
    assert stamp.config == config_digest(config)
    assert {k: v for k, v in sent.items() if k != "agentcd"} == config["config"]
    message = commit_message(release, config)
    assert release.deployment_digest in message and config_digest(config) in message
    assert "at c0ffeec0ffee," in message and len(message) <= 500


@pytest.mark.parametrize("config", [None, [], {"agentcd": "x"}, {"agentcd": {"agent": "a"}}])
def test_a_config_without_a_whole_stamp_has_none(config: Any) -> None:
    assert read_stamp(config) is None


def test_a_version_as_langfuse_returns_it_normalizes_to_the_rendered_config() -> None:
    release = make_release_of()
    config = render_config(release, "{agent}", {})
    message = {**config["prompt"][0], "type": "chatmessage"}
    served = {
        "name": "triage",
        "version": 3,
        "type": "chat",
        "prompt": [message],
        "config": version_config(release, config),
        "labels": ["dev", "latest"],
        "tags": [],
        "commitMessage": "edited",
        "isActive": False,
    }
    assert normalize_version(served) == config
    edited = {**served, "config": {**served["config"], "temperature": 0.9, "seed": 7}}
    assert normalize_version(edited)["config"] == {
        **config["config"],
        "temperature": 0.9,
        "seed": 7,
    }
    text = {**served, "type": "text", "prompt": "Route it."}
    assert normalize_version(text) != config


def test_rendering_needs_no_key_and_makes_no_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LANGFUSE_PUBLIC_KEY", raising=False)
    platform = open_platform(make_target("http://127.0.0.1:9"), project_dir=Path("."))
    assert platform.render(make_release_of()).config == render()
    assert "client" not in vars(platform)
