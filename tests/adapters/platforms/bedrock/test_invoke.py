"""invoke on the fake: InvokeAgent on the environment's alias, its event stream decoded by
botocore; RETURN_CONTROL is the reply's tool calls."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pytest

from agentcd.adapters.platforms.bedrock import BedrockPlatform
from agentcd.errors import PlatformError
from tests.adapters.platforms.bedrock.conftest import LAMBDA, make_bedrock_release
from tests.adapters.platforms.bedrock.fake import FakeBedrock


def ask(*turns: tuple[str, str]) -> dict[str, Any]:
    return {"messages": [{"role": role, "content": text} for role, text in turns]}


@pytest.fixture
def deployed(platform: BedrockPlatform) -> BedrockPlatform:
    platform.apply(platform.render(make_bedrock_release()))
    return platform


def test_the_alias_answers_from_the_version_it_runs(
    deployed: BedrockPlatform, fake: FakeBedrock
) -> None:
    reply = deployed.invoke("triage", "prod", ask(("user", "Where is my parcel?")))
    assert reply["output"] == "version 1: Where is my parcel?"
    assert reply["tool_calls"] == []
    assert str(reply["session_id"]).startswith("agentcd-")
    request = fake.requests[-1]
    assert request.url.startswith("http://127.0.0.1:9/agents/AG00000001/agentAliases/AL")
    assert json.loads(request.body) == {"inputText": "Where is my parcel?"}


def test_earlier_turns_are_the_conversation_history(
    deployed: BedrockPlatform, fake: FakeBedrock
) -> None:
    turns = (("user", "Hi"), ("assistant", "Hello!"), ("user", "Refund, please."))
    deployed.invoke("triage", "prod", ask(*turns))
    assert json.loads(fake.requests[-1].body) == {
        "inputText": "Refund, please.",
        "sessionState": {
            "conversationHistory": {
                "messages": [
                    {"role": "user", "content": [{"text": "Hi"}]},
                    {"role": "assistant", "content": [{"text": "Hello!"}]},
                ]
            }
        },
    }


def test_returned_control_is_a_tool_call(deployed: BedrockPlatform) -> None:
    reply = deployed.invoke("triage", "prod", ask(("user", "call route_ticket queue=billing")))
    assert reply["tool_calls"] == [{"name": "route_ticket", "arguments": {"queue": "billing"}}]


def test_an_error_in_the_stream_is_a_platform_error(
    deployed: BedrockPlatform, fake: FakeBedrock
) -> None:
    def throttled(running: dict[str, Any], text: str) -> Iterable[dict[str, Any]]:
        yield {"chunk": {"bytes": b"partial "}}
        yield {"error": ("throttlingException", "slow down")}

    fake.answers = throttled
    with pytest.raises(PlatformError) as e:
        deployed.invoke("triage", "prod", ask(("user", "hi")))
    assert str(e.value) == (
        "invoking triage in prod: Bedrock InvokeAgent: throttlingException: slow down"
    )


def test_nothing_deployed_or_a_bad_request_is_refused(
    platform: BedrockPlatform, fake: FakeBedrock
) -> None:
    with pytest.raises(PlatformError, match="no Bedrock agent named triage: not deployed"):
        platform.invoke("triage", "prod", ask(("user", "hi")))
    platform.apply(platform.render(make_bedrock_release("dev")))
    with pytest.raises(PlatformError, match="no alias prod: not deployed"):
        platform.invoke("triage", "prod", ask(("user", "hi")))
    with pytest.raises(PlatformError, match="must end with a user message"):
        platform.invoke("triage", "dev", ask(("user", "hi"), ("assistant", "hello")))
    with pytest.raises(PlatformError, match="Bedrock takes only user and assistant messages"):
        platform.invoke("triage", "dev", ask(("system", "be nice"), ("user", "hi")))
    assert "InvokeAgent" not in fake.calls


# ---------------------------------------------------------------- InvokeInlineAgent


def test_a_candidate_runs_inline_with_its_whole_config_and_nothing_is_created(
    platform: BedrockPlatform, fake: FakeBedrock
) -> None:
    rendered = platform.render(make_bedrock_release("dev"))
    turns = (("user", "Hi"), ("assistant", "Hello!"), ("user", "Refund, please."))
    reply = platform.invoke_candidate(rendered, ask(*turns))
    assert reply["output"] == "version inline: Refund, please."
    assert fake.calls == ["InvokeInlineAgent"] and not fake.agents and not fake.violations
    request = fake.requests[-1]
    assert request.url == f"http://127.0.0.1:9/agents/{reply['session_id']}"
    body = json.loads(request.body)
    assert body["inlineSessionState"] == {
        "conversationHistory": {
            "messages": [
                {"role": "user", "content": [{"text": "Hi"}]},
                {"role": "assistant", "content": [{"text": "Hello!"}]},
            ]
        }
    }
    agent = rendered.config["agent"]
    assert body["instruction"] == agent["instruction"]
    assert body["foundationModel"] == "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert body["guardrailConfiguration"] == {"guardrailIdentifier": "gr1", "guardrailVersion": "1"}
    assert "agentResourceRoleArn" not in body and "description" not in body  # not inline fields
    assert body["knowledgeBases"] == [
        {"knowledgeBaseId": "KBDEV00001", "description": "Refund and delivery policies"}
    ]
    groups = {g["actionGroupName"]: g for g in body["actionGroups"]}
    assert groups["lookup_order"]["actionGroupExecutor"] == {"lambda": LAMBDA.format("dev")}
    assert groups["route_ticket"]["actionGroupExecutor"] == {"customControl": "RETURN_CONTROL"}
    assert "functions" in groups["route_ticket"]["functionSchema"]


def test_a_candidate_returns_control_like_a_deployed_agent(
    platform: BedrockPlatform, fake: FakeBedrock
) -> None:
    rendered = platform.render(make_bedrock_release("dev"))
    reply = platform.invoke_candidate(rendered, ask(("user", "call route_ticket queue=billing")))
    assert reply["tool_calls"] == [{"name": "route_ticket", "arguments": {"queue": "billing"}}]


def test_a_refused_inline_run_names_the_agent_and_the_environment(
    platform: BedrockPlatform, fake: FakeBedrock
) -> None:
    fake.fail("InvokeInlineAgent", "AccessDeniedException", 403)
    rendered = platform.render(make_bedrock_release("dev"))
    with pytest.raises(PlatformError) as e:
        platform.invoke_candidate(rendered, ask(("user", "hi")))
    assert str(e.value).startswith("running triage inline (dev): ")
    assert "AccessDeniedException" in str(e.value)
