"""The `Platform` protocol: render, apply, read back and invoke one agent in one environment.

Shaped so vendor platforms fit: `apply` returns the platform's own version ids (a Bedrock agent
version and alias, a Foundry agent version, a Langfuse prompt version and label), and
`read_live` returns the managed fields normalized to the shape `render` produced, so drift is a
plain comparison of the two.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from agentcd.core.deploy.drift import LiveState
from agentcd.core.deploy.release import Release
from agentcd.errors import PlatformError

__all__ = ["Platform", "PlatformError", "Rendered"]


@dataclass(frozen=True, slots=True)
class Rendered:
    """A release as the platform wants it; `config` holds the fields drift compares."""

    release: Release
    config: Mapping[str, Any]


class Platform(Protocol):
    """Where one target's agents run."""

    def render(self, release: Release) -> Rendered:
        """The platform payload for a release; pure, no call to the platform."""
        ...

    def apply(self, rendered: Rendered) -> Mapping[str, str]:
        """Make the platform run it; returns the platform's version ids. Idempotent."""
        ...

    def read_live(self, agent: str, environment: str) -> LiveState:
        """What runs now, normalized like `render` output; unreadable is a state, not an error."""
        ...

    def live_agents(self, environment: str) -> tuple[str, ...]:
        """The agents the platform has for an environment (to find unrecorded ones)."""
        ...

    def invoke(self, agent: str, environment: str, request: Mapping[str, Any]) -> Mapping[str, Any]:
        """Run the deployed agent once on `request`."""
        ...
