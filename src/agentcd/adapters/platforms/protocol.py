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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from agentcd.core.definition.model import Environment
from agentcd.core.deploy.drift import LiveState
from agentcd.core.deploy.release import Release, make_release
from agentcd.errors import PlatformError, Unexpressible

__all__ = [
    "Platform",
    "PlatformError",
    "Refusals",
    "Refused",
    "Rendered",
    "Unexpressible",
    "render_candidate",
    "unexpressible",
]
T = TypeVar("T")


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


class Refused(Exception):
    """One field a platform cannot carry, as a render's check finds it (`in_project`: a
    setting of the target in agentcd.yaml); gathered into one `Unexpressible`."""

    def __init__(self, field: str, reason: str, *, in_project: bool = False) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason, self.in_project = field, reason, in_project


def unexpressible(platform: str, where: str, refused: Sequence[Refused]) -> Unexpressible:
    """One render's refusals as one error: the first, with the others in `also`, so
    `validate` names every field at once."""
    first, *rest = (
        Unexpressible(platform, e.field, e.reason, in_project=e.in_project, where=where)
        for e in refused
    )
    first.also = tuple(rest)
    return first


@dataclass
class Refusals:
    """The refusals of one render, gathered as its parts are made."""

    platform: str
    where: str
    found: list[Refused] = field(default_factory=list)

    def part(self, make: Callable[..., T], *args: Any) -> T | None:
        """`make(*args)`, or None once its refusal is kept."""
        try:
            return make(*args)
        except Refused as e:
            self.found.append(e)
            return None

    def check(self) -> None:
        """Raise the `Unexpressible` of everything refused, if anything was."""
        if self.found:
            raise unexpressible(self.platform, self.where, self.found)
