"""The `openai` invoker and judge against a loopback OpenAI-compatible server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from agentcd.adapters.invokers._http import JsonPoster
from agentcd.adapters.invokers.base import InvokeError
from agentcd.adapters.invokers.openai import OpenAIInvoker, OpenAIJudge
from agentcd.core.evals.invocation import InvokeRequest
from agentcd.core.evals.observation import ToolCall
from agentcd.core.evals.settings import Judge, OpenAITarget
from agentcd.core.evals.suite import Case
from agentcd.errors import ConfigError
from tests.fakes.openai_server import (
    MALFORMED,
    RATE_LIMITED,
    SERVER_ERROR,
    FakeOpenAI,
    Fault,
    text_reply,
    tool_reply,
)

ARTIFACT = {
    "instructions": "Route tickets.\n",
    "model": {
        "provider": "openai",
        "id": "gpt-4.1-mini-2025-04-14",
        "parameters": {"temperature": 0},
    },
    "skills": [{"name": "policy", "files": {"SKILL.md": "Refunds within 30 days."}}],
    "tools": [
        {
            "name": "lookup_order",
            "type": "function",
            "input_schema": {"type": "object", "properties": {"number": {"type": "string"}}},
        }
    ],
}
CASE = Case.model_validate(
    {
        "id": "late",
        "input": "Where is order 123456?",
        "fixtures": {"lookup_order": {"status": "shipped"}},
        "expect": [{"type": "contains", "value": "shipped"}],
    }
)
REQUEST = InvokeRequest("triage", "sha256:abc", ARTIFACT, CASE, 0)


def agent_script(body: dict[str, Any]) -> dict[str, Any]:
    """Call lookup_order first; once its result is in the conversation, answer with it."""
    results = [m for m in body["messages"] if m["role"] == "tool"]
    if not results:
        return tool_reply(("lookup_order", {"number": "123456"}), prompt_tokens=50)
    status = json.loads(results[-1]["content"])["status"]
    return text_reply(f"Order 123456 is {status}.", prompt_tokens=80, completion_tokens=9)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    with FakeOpenAI(agent_script) as fake:
        yield fake


def invoker(fake: FakeOpenAI, **extra: Any) -> OpenAIInvoker:
    target = OpenAITarget(type="openai", base_url=fake.base_url, **extra)
    return OpenAIInvoker("model", target, poster=JsonPoster())


def test_tool_loop_answers_from_fixtures_and_captures_everything(server: FakeOpenAI) -> None:
    obs = invoker(server).invoke(REQUEST, timeout=5)
    assert obs.output == "Order 123456 is shipped."
    assert obs.tool_calls == (ToolCall("lookup_order", {"number": "123456"}),)
    assert (obs.calls, obs.tokens_in, obs.tokens_out) == (2, 130, 12)
    assert obs.latency_ms is not None and obs.latency_ms > 0
    assert obs.cost is None

    first, second = server.requests
    assert first["model"] == "gpt-4.1-mini-2025-04-14"
    assert first["temperature"] == 0
    assert first["messages"][0]["role"] == "system"
    assert "Refunds within 30 days." in first["messages"][0]["content"]
    assert first["messages"][1] == {"role": "user", "content": "Where is order 123456?"}
    assert first["tools"][0]["function"]["name"] == "lookup_order"
    echoed, answer = second["messages"][2:]
    assert echoed["tool_calls"][0]["function"]["name"] == "lookup_order"
    assert answer["role"] == "tool"
    assert answer["tool_call_id"] == echoed["tool_calls"][0]["id"]


def test_cost_from_prices(server: FakeOpenAI) -> None:
    prices = {"input_per_mtok": 2.0, "output_per_mtok": 8.0}
    obs = invoker(server, prices=prices).invoke(REQUEST, timeout=5)
    assert obs.cost == pytest.approx((130 * 2 + 12 * 8) / 1e6)


def test_model_override_and_max_turns(server: FakeOpenAI) -> None:
    server.handler = lambda body: tool_reply(("lookup_order", {}))
    with pytest.raises(InvokeError, match="no final answer within max_turns=2") as caught:
        invoker(server, model="other-model", max_turns=2).invoke(REQUEST, timeout=5)
    assert not caught.value.retryable
    assert [r["model"] for r in server.requests] == ["other-model", "other-model"]


@pytest.mark.parametrize(
    ("fault", "retryable", "message"),
    [
        (RATE_LIMITED, True, "HTTP 429: Rate limit reached"),
        (SERVER_ERROR, True, "HTTP 500"),
        (Fault(status=503), True, "HTTP 503"),
        (MALFORMED, False, "malformed response: not JSON"),
        (Fault(delay_s=0.5), True, "timed out after 0.2s"),
    ],
)
def test_faults_become_invoke_errors(
    server: FakeOpenAI, fault: Fault, retryable: bool, message: str
) -> None:
    server.inject(fault)
    with pytest.raises(InvokeError, match=message) as caught:
        invoker(server).invoke(REQUEST, timeout=0.2)
    assert caught.value.retryable is retryable


def test_a_response_without_choices_is_malformed(server: FakeOpenAI) -> None:
    server.handler = lambda body: {"id": "x", "object": "chat.completion"}
    with pytest.raises(InvokeError, match="malformed chat completion"):
        invoker(server).invoke(REQUEST, timeout=5)


def test_wrong_key_is_not_retried(server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "wrong")
    with pytest.raises(InvokeError, match="HTTP 401: Incorrect API key") as caught:
        invoker(server).invoke(REQUEST, timeout=5)
    assert not caught.value.retryable


def test_missing_key_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    target = OpenAITarget(type="openai", base_url="http://127.0.0.1:9/v1")
    with pytest.raises(ConfigError, match="environment variable OPENAI_API_KEY is not set"):
        OpenAIInvoker("model", target, poster=JsonPoster())


def test_judge_sends_the_rubric_and_returns_its_raw_reply(server: FakeOpenAI) -> None:
    server.handler = lambda body: text_reply('{"pass": true, "score": 1, "reason": "ok"}')
    judge = OpenAIJudge(Judge(base_url=server.base_url), poster=JsonPoster())
    text, tokens = judge.judge("judge-2025", [{"role": "user", "content": "grade"}], timeout=5)
    assert json.loads(text)["pass"] is True
    assert tokens == 15
    assert server.requests[0]["model"] == "judge-2025"
    assert server.requests[0]["response_format"]["type"] == "json_schema"
