"""The `openai` target: an OpenAI-compatible Chat Completions endpoint given the artifact.

Runs the tool-call loop: the model's tool calls are answered from the case's fixtures until it
answers in text or `max_turns` model calls are spent. Also the `llm-rubric` judge client.
"""

from __future__ import annotations

import time
from typing import Any

from agentcd.adapters.environ import secret
from agentcd.adapters.invokers._http import JsonPoster
from agentcd.adapters.invokers.base import InvokeError
from agentcd.core.evals import chat
from agentcd.core.evals.invocation import InvokeRequest, render_messages
from agentcd.core.evals.observation import Observation, ToolCall
from agentcd.core.evals.settings import Judge as JudgeSettings
from agentcd.core.evals.settings import OpenAITarget
from agentcd.errors import ConfigError


def read_key(env_name: str, *, what: str) -> str:
    key = secret(env_name)
    if key is None:
        raise ConfigError(f"{what}: environment variable {env_name} is not set")
    return key


def _endpoint(base_url: str) -> str:
    return base_url.rstrip("/") + "/chat/completions"


class OpenAIInvoker:
    def __init__(self, name: str, target: OpenAITarget, *, poster: JsonPoster) -> None:
        self.target = target
        self._url = _endpoint(target.base_url)
        key = read_key(target.api_key_env, what=f"eval target {name!r}")
        self._headers = {"Authorization": f"Bearer {key}"}
        self._poster = poster

    def invoke(self, request: InvokeRequest, *, timeout: float) -> Observation:
        started = time.monotonic()
        messages = chat.first_messages(request.artifact, render_messages(request.case))
        calls: list[ToolCall] = []
        tokens_in = tokens_out = 0
        for turn in range(1, self.target.max_turns + 1):
            completion = self._complete(request, messages, timeout)
            tokens_in += completion.tokens_in
            tokens_out += completion.tokens_out
            if not completion.tool_calls:
                return Observation(
                    output=completion.content,
                    tool_calls=tuple(calls),
                    latency_ms=(time.monotonic() - started) * 1000,
                    tokens_in=tokens_in,
                    tokens_out=tokens_out,
                    cost=self._cost(tokens_in, tokens_out),
                    calls=turn,
                )
            messages.append(chat.assistant_message(completion))
            for call in completion.tool_calls:
                calls.append(ToolCall(call.name, call.arguments))
                messages.append(chat.tool_message(call, request.case.fixtures))
        raise InvokeError(
            f"no final answer within max_turns={self.target.max_turns} model calls "
            f"(tool calls: {', '.join(c.name for c in calls)})",
            retryable=False,
        )

    def _complete(
        self, request: InvokeRequest, messages: list[dict[str, Any]], timeout: float
    ) -> chat.Completion:
        body = chat.chat_body(request.artifact, messages, model=self.target.model)
        data = self._poster.post(self._url, body, headers=self._headers, timeout=timeout)
        try:
            return chat.parse_completion(data)
        except ValueError as e:
            raise InvokeError(str(e), retryable=False) from e

    def _cost(self, tokens_in: int, tokens_out: int) -> float | None:
        prices = self.target.prices
        if prices is None:
            return None
        return (tokens_in * prices.input_per_mtok + tokens_out * prices.output_per_mtok) / 1e6


class OpenAIJudge:
    """Grades `llm-rubric` assertions through an OpenAI-compatible endpoint."""

    def __init__(self, settings: JudgeSettings, *, poster: JsonPoster) -> None:
        self._url = _endpoint(settings.base_url)
        key = read_key(settings.api_key_env, what="eval judge (llm-rubric)")
        self._headers = {"Authorization": f"Bearer {key}"}
        self._poster = poster

    def judge(
        self, model: str, messages: list[dict[str, str]], *, timeout: float
    ) -> tuple[str, int]:
        data = self._poster.post(
            self._url, chat.judge_body(model, messages), headers=self._headers, timeout=timeout
        )
        try:
            completion = chat.parse_completion(data)
        except ValueError as e:
            raise InvokeError(str(e), retryable=False) from e
        return completion.content, completion.tokens_in + completion.tokens_out
