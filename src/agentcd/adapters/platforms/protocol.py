"""The `Platform` protocol: render, apply, read back and invoke one agent in one environment.

Shaped so vendor platforms fit: an environment is the platform's pointer (a Bedrock alias, a
LangGraph assistant's latest version, an MLflow alias, a Langfuse label) and a deployment is one
immutable platform version the pointer routes to. Every version carries a stamp of the release
it was made from (the deployment digest and the rendered config's digest, in its description,
tags or metadata), so `find_version` can tell which version runs which release without the
ledger: applying twice makes one version, a retry after a crash between apply and record finds
the version the crashed run made, and a rollback re-points to the recorded version when the
platform still has it. `read_live` reads what runs behind the pointer, normalized to the shape
`render` produced, so drift is a plain comparison of the two. `invoke_candidate` runs a rendered
release that is not deployed, so the eval gate can judge a definition on the platform before
anything changes there.

A code artifact (a runtime image or package) fits the same shape: `render` is the runtime's
configuration, the stamp goes on the runtime version, the pointer is its named endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from agentcd.core.definition.model import Environment
from agentcd.core.deploy.drift import LiveState
from agentcd.core.deploy.release import Release, make_release
from agentcd.errors import PlatformError, Unexpressible

__all__ = ["Platform", "PlatformError", "Rendered", "Unexpressible", "render_candidate"]


@dataclass(frozen=True, slots=True)
class Rendered:
    """A release as the platform wants it; `config` holds the fields drift compares."""

    release: Release
    config: Mapping[str, Any]


class Platform(Protocol):
    """Where one target's agents run."""

    def render(self, release: Release) -> Rendered:
        """The platform payload for a release; pure, no call to the platform. `Unexpressible`
        when the platform cannot carry the definition."""
        ...

    def find_version(self, rendered: Rendered, *, hint: str | None = None) -> str | None:
        """The platform version stamped with this release (`hint` first, a version id the
        ledger recorded for it), or None; changes nothing."""
        ...

    def point(self, rendered: Rendered, version: str) -> Mapping[str, str]:
        """Make the environment's pointer route to `version`, an existing version that
        `find_version` returned; no new version. Returns the platform's version ids."""
        ...

    def apply(self, rendered: Rendered) -> Mapping[str, str]:
        """Make the platform run it: the stamped version when one exists (`find_version`,
        then `point`), else a new version, stamped. Returns the platform's version ids."""
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

    def invoke_candidate(self, rendered: Rendered, request: Mapping[str, Any]) -> Mapping[str, Any]:
        """Run a rendered release once on `request` without deploying it (`eval --target
        inline`): no version, no pointer moves. PlatformError when the platform cannot."""
        ...


def render_candidate(
    platform: Platform, environment: Environment, artifact: Mapping[str, Any], digest: str
) -> Rendered:
    """An artifact that is not deployed, rendered as `environment` would run it (for
    `invoke_candidate`); `Unexpressible`, or PlatformError for a binding with no value there."""
    release = make_release(environment, artifact=artifact, artifact_digest=digest, commit=None)
    if release.missing_bindings:
        raise PlatformError(
            f"{release.agent}: no value in {environment.name} for binding "
            + ", ".join(release.missing_bindings)
        )
    return platform.render(release)
