"""The `platform` target: one trial on the agent an environment runs, through its platform adapter.

The request is the JSON contract without `artifact`: the platform runs its deployed
configuration, not one sent along (the `file` platform hands that configuration to the
target's `invoker` function beside the request). Its reply is read like any other target's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from agentcd.adapters.invokers.base import InvokeError
from agentcd.adapters.platforms.protocol import Platform, PlatformError
from agentcd.core.evals.invocation import InvokeRequest, parse_reply, request_payload
from agentcd.core.evals.observation import Observation


def deployed_request(request: InvokeRequest) -> dict[str, Any]:
    """The contract's request for a deployed agent: everything but the artifact."""
    payload = request_payload(request)
    del payload["artifact"]
    return payload


class PlatformInvoker:
    def __init__(self, platform: Platform, environment: str) -> None:
        self._platform = platform
        self._environment = environment

    def invoke(self, request: InvokeRequest, *, timeout: float) -> Observation:
        return answered(
            lambda: self._platform.invoke(
                request.agent, self._environment, deployed_request(request)
            ),
            timeout=timeout,
        )


def answered(call: Callable[[], Mapping[str, Any]], *, timeout: float) -> Observation:
    """One platform call's reply as an observation; what goes wrong is an `InvokeError`."""
    started = time.monotonic()
    try:
        reply = call()
    except PlatformError as e:
        raise InvokeError(str(e), retryable=False) from e
    except Exception as e:  # the deployed agent's own code (in process on `file`): its crash
        raise InvokeError(f"{type(e).__name__}: {e}", retryable=False) from e  # is an error
    elapsed = time.monotonic() - started
    if elapsed > timeout:  # an in-process call cannot be interrupted; a late answer errs
        raise InvokeError(f"answered after {elapsed:.1f}s, over {timeout:g}s", retryable=True)
    try:
        return parse_reply(dict(reply), latency_ms=elapsed * 1000)
    except ValueError as e:
        raise InvokeError(f"malformed reply: {e}", retryable=False) from e
