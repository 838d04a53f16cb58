"""The `inline` target: one trial of a definition that is not deployed, run by an environment's
platform (`invoke_candidate`) after rendering it with that environment's binding values.

The request is the contract without `artifact`, as for the `platform` target: the platform runs
the configuration it was given (rendered from that artifact), never a copy sent along.
"""

from __future__ import annotations

import threading
from typing import Any

from agentcd.adapters.invokers.base import InvokeError
from agentcd.adapters.invokers.platform import answered, deployed_request
from agentcd.adapters.platforms.protocol import (
    Platform,
    PlatformError,
    Rendered,
    render_candidate,
)
from agentcd.core.definition.model import Environment
from agentcd.core.evals.invocation import InvokeRequest
from agentcd.core.evals.observation import Observation
from agentcd.errors import Unexpressible


class InlineInvoker:
    def __init__(self, platform: Platform, environment: Environment) -> None:
        self._platform = platform
        self._environment = environment
        self._rendered: dict[str, Rendered] = {}
        self._lock = threading.Lock()

    def render(self, digest: str, artifact: Any) -> Rendered:
        """Each artifact rendered once (`render_candidate`), whichever trial asks first."""
        with self._lock:
            if digest not in self._rendered:
                self._rendered[digest] = render_candidate(
                    self._platform, self._environment, artifact, digest
                )
            return self._rendered[digest]

    def invoke(self, request: InvokeRequest, *, timeout: float) -> Observation:
        try:
            rendered = self.render(request.digest, request.artifact)
        except (Unexpressible, PlatformError) as e:
            raise InvokeError(str(e), retryable=False) from e
        return answered(
            lambda: self._platform.invoke_candidate(rendered, deployed_request(request)),
            timeout=timeout,
        )
