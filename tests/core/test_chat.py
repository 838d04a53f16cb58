"""The Chat Completions wire format: the artifact rendered into a request, responses read back."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agentcd.core.definition.load import load_workspace
from agentcd.core.evals.chat import (
    chat_body,
    function_tools,
    judge_body,
    openapi_parameters,
    parse_completion,
    system_prompt,
    tool_message,
)
from tests.conftest import EXAMPLE
from tests.fakes.openai_server import text_reply, tool_reply


@pytest.fixture(scope="module")
def triage() -> dict[str, Any]:
    from agentcd.adapters.source import WorkTree

    agent = load_workspace(WorkTree(EXAMPLE)).agent("support-triage")
    assert agent is not None
    return dict(agent.artifact)


def test_system_prompt_is_instructions_then_skills(triage: dict[str, Any]) -> None:
    prompt = system_prompt(triage)
    assert prompt.startswith("# Support triage\n")
    assert prompt.index("# Skills") < prompt.index("## Skill: escalation")
    assert prompt.index("## Skill: escalation") < prompt.index("## Skill: refund-policy")
    assert "Refunds over 500 EUR need a human agent." in prompt


def test_tools_become_function_tools(triage: dict[str, Any]) -> None:
    tools = {t["function"]["name"]: t["function"] for t in function_tools(triage)}
    assert set(tools) == {"lookup_order", "route_ticket"}
    assert tools["route_ticket"]["parameters"]["required"] == ["queue"]
    # no input_schema: the OpenAPI operation's parameters become the schema
    assert tools["lookup_order"]["parameters"] == {
        "type": "object",
        "properties": {"number": {"type": "string", "pattern": "^[0-9]{6}$"}},
        "required": ["number"],
    }


def test_mcp_and_builtin_tools() -> None:
    artifact = {
        "tools": [
            {"name": "crm", "type": "mcp", "allowed_tools": ["get_order"]},
            {"name": "web", "type": "builtin"},
        ]
    }
    (tool,) = function_tools(artifact)
    assert tool["function"]["parameters"]["properties"]["tool"] == {
        "type": "string",
        "enum": ["get_order"],
    }


def test_openapi_body_and_unknown_operation() -> None:
    body = "{content: {application/json: {schema: {type: object}}}}"
    spec = f"paths: {{/r: {{post: {{operationId: make, requestBody: {body}}}}}}}"
    assert openapi_parameters(spec, "make")["properties"] == {"body": {"type": "object"}}
    two = "paths: {/a: {get: {operationId: a}}, /b: {get: {operationId: b}}}"
    assert openapi_parameters(two, "c") == {"type": "object", "properties": {}}
    assert openapi_parameters(": not yaml [", "c") == {"type": "object", "properties": {}}


def test_request_carries_model_parameters_and_tools(triage: dict[str, Any]) -> None:
    body = chat_body(triage, [{"role": "user", "content": "hi"}])
    assert body["model"] == "gpt-4.1-2025-04-14"
    assert body["temperature"] == 0.2
    assert body["max_completion_tokens"] == 800
    assert "max_output_tokens" not in body
    assert len(body["tools"]) == 2
    assert chat_body(triage, [], model="other")["model"] == "other"


def test_parse_text_and_tool_call_responses() -> None:
    done = parse_completion(text_reply("hello", prompt_tokens=7, completion_tokens=2))
    assert (done.content, done.tool_calls, done.tokens_in, done.tokens_out) == ("hello", (), 7, 2)
    calls = parse_completion(tool_reply(("lookup_order", {"number": "1"}), ("x", {})))
    assert [(c.name, c.arguments) for c in calls.tool_calls] == [
        ("lookup_order", {"number": "1"}),
        ("x", {}),
    ]


@pytest.mark.parametrize(
    "data", [{}, {"choices": []}, {"choices": [{"message": {"tool_calls": [{"id": "1"}]}}]}, []]
)
def test_malformed_responses_are_refused(data: Any) -> None:
    with pytest.raises(ValueError, match="malformed"):
        parse_completion(data)


def test_invalid_tool_arguments_are_kept_visible() -> None:
    reply = tool_reply(("x", {}))
    reply["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] = "{oops"
    (call,) = parse_completion(reply).tool_calls
    assert call.arguments == {"$invalid_arguments": "{oops"}


def test_tool_answers_come_from_fixtures() -> None:
    (call,) = parse_completion(tool_reply(("crm", {"tool": "get_order"}))).tool_calls
    specific = tool_message(call, {"crm.get_order": {"amount": 1}, "crm": {"amount": 2}})
    assert json.loads(specific["content"]) == {"amount": 1}
    assert specific["tool_call_id"] == call.id
    assert json.loads(tool_message(call, {"crm": {"amount": 2}})["content"]) == {"amount": 2}
    missing = json.loads(tool_message(call, {})["content"])
    assert missing == {"error": "no fixture for tool 'crm' in this case"}


def test_judge_request_asks_for_the_structured_verdict() -> None:
    body = judge_body("judge-model", [{"role": "user", "content": "x"}])
    assert body["model"] == "judge-model"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["response_format"]["json_schema"]["schema"]["required"] == [
        "pass",
        "score",
        "reason",
    ]
