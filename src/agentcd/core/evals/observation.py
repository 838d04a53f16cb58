"""The values a trial produces: what the agent did (`Observation`) and an assertion's `Check`.

No I/O; invokers build observations, `core.assertions` and `core.evaluation` read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class CheckOutcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class ToolCall:
    name: str
    arguments: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Observation:
    """What one trial of a case produced, or the error that stopped it."""

    output: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    latency_ms: float | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    cost: float | None = None
    calls: int = 1
    error: str | None = None

    @property
    def tokens(self) -> int | None:
        if self.tokens_in is None and self.tokens_out is None:
            return None
        return (self.tokens_in or 0) + (self.tokens_out or 0)


@dataclass(frozen=True, slots=True)
class Check:
    """One assertion's result: its outcome, a score in [0, 1] and why."""

    outcome: CheckOutcome
    score: float
    reason: str


@dataclass(frozen=True, slots=True)
class JudgeReply:
    """The judge's raw answer for one `llm-rubric` assertion, or why there is none."""

    text: str | None = None
    error: str | None = None


def observation_to_dict(obs: Observation) -> dict[str, Any]:
    """Plain JSON data (for the cache and the report); `observation_from_dict` reverses it."""
    return {
        "output": obs.output,
        "tool_calls": [{"name": c.name, "arguments": dict(c.arguments)} for c in obs.tool_calls],
        "latency_ms": obs.latency_ms,
        "tokens_in": obs.tokens_in,
        "tokens_out": obs.tokens_out,
        "cost": obs.cost,
        "calls": obs.calls,
        "error": obs.error,
    }


def observation_from_dict(data: Mapping[str, Any]) -> Observation:
    return Observation(
        output=str(data.get("output", "")),
        tool_calls=tuple(
            ToolCall(str(c["name"]), dict(c.get("arguments") or {}))
            for c in data.get("tool_calls") or []
        ),
        latency_ms=data.get("latency_ms"),
        tokens_in=data.get("tokens_in"),
        tokens_out=data.get("tokens_out"),
        cost=data.get("cost"),
        calls=int(data.get("calls", 1)),
        error=data.get("error"),
    )
