"""What a target is asked and what it answers: the case rendered as messages, and the JSON
contract (version 1) that `http`, `command` and `python` targets speak. No I/O.

Request: `{"version", "agent", "digest", "artifact", "case", "trial", "messages", "vars",
"fixtures"}`. Reply: `{"output": str, "tool_calls": [{"name", "arguments"}], "usage":
{"input_tokens", "output_tokens"}, "cost": number}`; only `output` is required.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agentcd.core.evals.observation import Observation, ToolCall
from agentcd.core.evals.suite import Case

CONTRACT_VERSION = 1
_VAR = re.compile(r"\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}")


@dataclass(frozen=True, slots=True)
class InvokeRequest:
    """One trial of one case against one agent artifact."""

    agent: str
    digest: str
    artifact: Mapping[str, Any]
    case: Case
    trial: int


def render_messages(case: Case) -> list[dict[str, str]]:
    """The case's input as chat messages, `{{var}}` placeholders filled from `vars`."""
    if isinstance(case.input, str):
        return [{"role": "user", "content": fill_vars(case.input, case.vars)}]
    return [{"role": t.role, "content": fill_vars(t.content, case.vars)} for t in case.input]


def fill_vars(text: str, values: Mapping[str, Any]) -> str:
    """Replace `{{name}}` with the value of `name`; unknown names are left as written."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(values[name]) if name in values else match.group(0)

    return _VAR.sub(value, text)


def question_text(case: Case) -> str:
    """The case's input as one text, for the judge."""
    return "\n".join(f"{m['role']}: {m['content']}" for m in render_messages(case))


def request_payload(request: InvokeRequest) -> dict[str, Any]:
    return {
        "version": CONTRACT_VERSION,
        "agent": request.agent,
        "digest": request.digest,
        "artifact": dict(request.artifact),
        "case": request.case.id,
        "trial": request.trial,
        "messages": render_messages(request.case),
        "vars": dict(request.case.vars),
        "fixtures": dict(request.case.fixtures),
    }


def parse_reply(data: Any, *, latency_ms: float) -> Observation:
    """A target's reply as an observation; ValueError names what is wrong with its shape."""
    if not isinstance(data, dict) or not isinstance(data.get("output"), str):
        raise ValueError("reply must be a JSON object with a string 'output'")
    calls = data.get("tool_calls") or []
    if not isinstance(calls, list) or not all(_is_call(c) for c in calls):
        raise ValueError("'tool_calls' must be a list of {name: str, arguments: object}")
    usage = data.get("usage") or {}
    if not isinstance(usage, dict):
        raise ValueError("'usage' must be an object")
    cost = data.get("cost")
    if cost is not None and (isinstance(cost, bool) or not isinstance(cost, int | float)):
        raise ValueError("'cost' must be a number")
    return Observation(
        output=data["output"],
        tool_calls=tuple(ToolCall(c["name"], dict(c.get("arguments") or {})) for c in calls),
        latency_ms=latency_ms,
        tokens_in=_count(usage, "input_tokens"),
        tokens_out=_count(usage, "output_tokens"),
        cost=float(cost) if cost is not None else None,
    )


def _is_call(call: Any) -> bool:
    return (
        isinstance(call, dict)
        and isinstance(call.get("name"), str)
        and isinstance(call.get("arguments") or {}, dict)
    )


def _count(usage: Mapping[str, Any], key: str) -> int | None:
    value = usage.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"'usage.{key}' must be a non-negative integer")
    return value
