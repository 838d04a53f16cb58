"""The invoker seam: how one trial reaches an agent, and how a judge is asked for a verdict."""

from __future__ import annotations

from typing import Protocol

from agentcd.core.evals.invocation import InvokeRequest
from agentcd.core.evals.observation import Observation


class InvokeError(Exception):
    """A trial could not be completed; `retryable` for 429, 5xx, timeouts and resets.

    Not an AgentcdError: it ends one trial as an *error*, never the whole run.
    """

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class Invoker(Protocol):
    def invoke(self, request: InvokeRequest, *, timeout: float) -> Observation:
        """Run one trial; raise InvokeError when the target cannot answer."""
        ...


class Judge(Protocol):
    def judge(
        self, model: str, messages: list[dict[str, str]], *, timeout: float
    ) -> tuple[str, int]:
        """The judge's raw reply and the tokens it used; InvokeError when it cannot answer."""
        ...
