"""Every assertion type with a passing and a failing observation, plus the error cases."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from agentcd.core.evals.assertions import check_assertion, matches_partially
from agentcd.core.evals.observation import CheckOutcome, JudgeReply, Observation, ToolCall
from agentcd.core.evals.suite import Assertion

ADAPTER: TypeAdapter[Any] = TypeAdapter(Assertion)
CALLS = (
    ToolCall("lookup_order", {"number": "123456", "expand": {"items": True, "x": 1}}),
    ToolCall("route_ticket", {"queue": "delivery", "priority": "normal"}),
    ToolCall("route_ticket", {"queue": "billing"}),
)
OBS = Observation(
    output='{"route": "delivery", "items": [{"id": 7, "price": 12.5}]}',
    tool_calls=CALLS,
    latency_ms=850.0,
    tokens_in=300,
    tokens_out=120,
    cost=0.004,
)
TEXT = Observation(output="Your order 123456 ships in 3 days.")


def check(spec: dict[str, Any], obs: Observation = OBS, judge: JudgeReply | None = None) -> Any:
    return check_assertion(ADAPTER.validate_python(spec), obs, judge)


@pytest.mark.parametrize(
    ("spec", "obs", "outcome"),
    [
        ({"type": "equals", "value": "Your order 123456 ships in 3 days."}, TEXT, "pass"),
        ({"type": "equals", "value": "Your order"}, TEXT, "fail"),
        ({"type": "contains", "value": "123456"}, TEXT, "pass"),
        ({"type": "contains", "value": "DAYS"}, TEXT, "fail"),
        ({"type": "icontains", "value": "DAYS"}, TEXT, "pass"),
        ({"type": "icontains", "value": "weeks"}, TEXT, "fail"),
        ({"type": "not-contains", "value": "refund"}, TEXT, "pass"),
        ({"type": "not-contains", "value": "ships"}, TEXT, "fail"),
        ({"type": "starts-with", "value": "Your order"}, TEXT, "pass"),
        ({"type": "starts-with", "value": "order"}, TEXT, "fail"),
        ({"type": "regex", "value": r"\b\d{6}\b"}, TEXT, "pass"),
        ({"type": "regex", "value": r"^\d+$"}, TEXT, "fail"),
        ({"type": "regex", "value": "("}, TEXT, "error"),
        ({"type": "is-json"}, OBS, "pass"),
        ({"type": "is-json"}, TEXT, "fail"),
        ({"type": "json-schema", "value": {"type": "object", "required": ["route"]}}, OBS, "pass"),
        ({"type": "json-schema", "value": {"required": ["queue"]}}, OBS, "fail"),
        ({"type": "json-schema", "value": {"type": "object"}}, TEXT, "fail"),
        ({"type": "json-schema", "value": {"type": "nonsense"}}, OBS, "error"),
        ({"type": "json-path", "path": "$.route", "equals": "delivery"}, OBS, "pass"),
        ({"type": "json-path", "path": "$.route", "equals": "billing"}, OBS, "fail"),
        ({"type": "json-path", "path": "$.items[0].price", "min": 10, "max": 20}, OBS, "pass"),
        ({"type": "json-path", "path": "$.items[0].price", "max": 10}, OBS, "fail"),
        ({"type": "json-path", "path": "$.items[3].id", "min": 0}, OBS, "fail"),
        ({"type": "json-path", "path": "$..id", "min": 0}, OBS, "error"),
        (
            {"type": "tool-called", "name": "lookup_order", "args": {"number": "123456"}},
            OBS,
            "pass",
        ),
        ({"type": "tool-called", "name": "lookup_order", "args": {"number": "1"}}, OBS, "fail"),
        (
            {"type": "tool-called", "name": "lookup_order", "args": {"expand": {"items": True}}},
            OBS,
            "pass",
        ),
        ({"type": "tool-called", "name": "route_ticket", "min": 2, "max": 2}, OBS, "pass"),
        ({"type": "tool-called", "name": "route_ticket", "max": 1}, OBS, "fail"),
        ({"type": "tool-called", "name": "issue_refund"}, OBS, "fail"),
        ({"type": "tool-not-called", "name": "issue_refund"}, OBS, "pass"),
        ({"type": "tool-not-called", "name": "route_ticket"}, OBS, "fail"),
        ({"type": "tool-sequence", "value": ["lookup_order", "route_ticket"]}, OBS, "pass"),
        ({"type": "tool-sequence", "value": ["route_ticket", "lookup_order"]}, OBS, "fail"),
        (
            {"type": "tool-sequence", "mode": "exact", "value": ["lookup_order", "route_ticket"]},
            OBS,
            "fail",
        ),
        (
            {
                "type": "tool-sequence",
                "mode": "exact",
                "value": ["lookup_order", "route_ticket", "route_ticket"],
            },
            OBS,
            "pass",
        ),
        ({"type": "latency-ms", "max": 1000}, OBS, "pass"),
        ({"type": "latency-ms", "max": 500}, OBS, "fail"),
        ({"type": "latency-ms", "max": 500}, TEXT, "error"),
        ({"type": "tokens", "max": 420}, OBS, "pass"),
        ({"type": "tokens", "max": 419}, OBS, "fail"),
        ({"type": "cost", "max": 0.01}, OBS, "pass"),
        ({"type": "cost", "max": 0.001}, OBS, "fail"),
        ({"type": "cost", "max": 0.001}, TEXT, "error"),
    ],
)
def test_assertion(spec: dict[str, Any], obs: Observation, outcome: str) -> None:
    result = check(spec, obs)
    assert result.outcome is CheckOutcome(outcome), result.reason
    assert result.score == (1.0 if outcome == "pass" else 0.0)


RUBRIC = {"type": "llm-rubric", "value": "polite", "model": "gpt-4.1-2025-04-14"}


@pytest.mark.parametrize(
    ("reply", "outcome", "score"),
    [
        (JudgeReply(text='{"pass": true, "score": 0.9, "reason": "polite"}'), "pass", 0.9),
        (JudgeReply(text='{"pass": false, "score": 0.2, "reason": "rude"}'), "fail", 0.2),
        (JudgeReply(text="Yes, the answer is polite."), "error", 0.0),
        (JudgeReply(text='{"pass": true, "score": 0.1, "reason": "x"}'), "error", 0.0),
        (JudgeReply(error="HTTP 500 (attempt 4)"), "error", 0.0),
        (None, "error", 0.0),
    ],
)
def test_llm_rubric(reply: JudgeReply | None, outcome: str, score: float) -> None:
    result = check(RUBRIC, TEXT, reply)
    assert result.outcome is CheckOutcome(outcome), result.reason
    assert result.score == score
    assert "gpt-4.1-2025-04-14" in result.reason


def test_failure_reasons_name_what_happened() -> None:
    assert check({"type": "not-contains", "value": "ships"}, TEXT).reason == (
        "output does contain 'ships'"
    )
    reason = check({"type": "tool-called", "name": "issue_refund"}, OBS).reason
    assert reason == (
        "issue_refund called 0× (expected ≥ 1); calls: [lookup_order, route_ticket, route_ticket]"
    )
    assert check({"type": "json-schema", "value": {"required": ["queue"]}}).reason == (
        "$: 'queue' is a required property"
    )


@pytest.mark.parametrize(
    ("expected", "actual", "match"),
    [
        ({"a": 1}, {"a": 1, "b": 2}, True),
        ({"a": {"b": 1}}, {"a": {"b": 1, "c": 2}}, True),
        ({"a": [1, 2]}, {"a": [1, 2, 3]}, False),
        ({"a": 1}, {"b": 1}, False),
        ({"a": 1}, "text", False),
    ],
)
def test_partial_match(expected: Any, actual: Any, match: bool) -> None:
    assert matches_partially(expected, actual) is match
