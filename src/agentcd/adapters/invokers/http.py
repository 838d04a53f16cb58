"""The `http` target: POST the JSON contract to the application's own agent endpoint."""

from __future__ import annotations

import time

from agentcd.adapters.invokers._http import JsonPoster
from agentcd.adapters.invokers.base import InvokeError
from agentcd.adapters.invokers.openai import read_key
from agentcd.core.evals.invocation import InvokeRequest, parse_reply, request_payload
from agentcd.core.evals.observation import Observation
from agentcd.core.evals.settings import HttpTarget


class HttpInvoker:
    def __init__(self, name: str, target: HttpTarget, *, poster: JsonPoster) -> None:
        self._url = target.url
        self._headers: dict[str, str] = {}
        if target.api_key_env is not None:
            key = read_key(target.api_key_env, what=f"eval target {name!r}")
            self._headers["Authorization"] = f"Bearer {key}"
        self._poster = poster

    def invoke(self, request: InvokeRequest, *, timeout: float) -> Observation:
        started = time.monotonic()
        data = self._poster.post(
            self._url, request_payload(request), headers=self._headers, timeout=timeout
        )
        try:
            return parse_reply(data, latency_ms=(time.monotonic() - started) * 1000)
        except ValueError as e:
            raise InvokeError(f"malformed reply: {e}", retryable=False) from e
