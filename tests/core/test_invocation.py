"""The target contract: messages with vars filled, and replies validated into observations."""

from __future__ import annotations

from typing import Any

import pytest

from agentcd.core.evals.invocation import (
    InvokeRequest,
    fill_vars,
    parse_reply,
    render_messages,
    request_payload,
)
from agentcd.core.evals.observation import ToolCall
from agentcd.core.evals.suite import Case


def test_vars_fill_placeholders_and_turns_keep_roles() -> None:
    case = Case.model_validate(
        {
            "id": "c",
            "input": [
                {"role": "assistant", "content": "Hello {{ name }}"},
                {"role": "user", "content": "Order {{order}} and {{unknown}}"},
            ],
            "vars": {"name": "Ada", "order": 123456},
            "expect": [{"type": "is-json"}],
        }
    )
    assert render_messages(case) == [
        {"role": "assistant", "content": "Hello Ada"},
        {"role": "user", "content": "Order 123456 and {{unknown}}"},
    ]
    payload = request_payload(InvokeRequest("a", "sha256:x", {"k": 1}, case, 2))
    assert payload["version"] == 1
    assert payload["trial"] == 2
    assert payload["artifact"] == {"k": 1}
    assert fill_vars("{{a}}{{b}}", {"a": "x"}) == "x{{b}}"


def test_reply_becomes_an_observation() -> None:
    reply = {
        "output": "done",
        "tool_calls": [{"name": "t", "arguments": {"a": 1}}, {"name": "u"}],
        "usage": {"input_tokens": 3, "output_tokens": 4},
        "cost": 0.5,
    }
    obs = parse_reply(reply, latency_ms=12.0)
    assert obs.tool_calls == (ToolCall("t", {"a": 1}), ToolCall("u", {}))
    assert (obs.tokens, obs.cost, obs.latency_ms) == (7, 0.5, 12.0)


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        ("text", "string 'output'"),
        ({"output": 3}, "string 'output'"),
        ({"output": "x", "tool_calls": [{"arguments": {}}]}, "tool_calls"),
        ({"output": "x", "usage": {"input_tokens": -1}}, "non-negative"),
        ({"output": "x", "cost": "1"}, "'cost' must be a number"),
    ],
)
def test_bad_replies_are_refused(reply: Any, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_reply(reply, latency_ms=1.0)
