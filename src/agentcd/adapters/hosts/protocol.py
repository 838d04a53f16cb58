"""The narrow `Host` protocol commands use: one sticky comment and the deployment mirror.

GitHub and GitLab each implement it; commands receive a `Host` and never see the client
library behind it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from agentcd.core.review.marker import Marker
from agentcd.core.review.sticky import Upsert


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """What `upsert_comment` did, the comment it left (if any) and how many copies it removed."""

    outcome: Upsert
    comment_id: int | None = None
    url: str | None = None
    removed: int = 0


class DeploymentState(StrEnum):
    """How a mirrored deployment ended."""

    SUCCESS = "success"
    FAILURE = "failure"


@dataclass(frozen=True, slots=True)
class DeploymentRequest:
    """One deployment to mirror on the host's Environments page.

    `sha` is the deployed commit and `ref` its branch or tag name (GitHub deploys the SHA
    itself and keeps `ref` in the payload); `payload` carries the digests.
    """

    environment: str
    sha: str
    ref: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    log_url: str | None = None
    environment_url: str | None = None
    production: bool = False
    transient: bool = False


@dataclass(frozen=True, slots=True)
class Approval:
    """One recorded approval of a deployment."""

    user: str
    status: str
    comment: str | None = None


class Host(Protocol):
    """What agentcd does on a code host, and nothing more."""

    def upsert_comment(self, marker: Marker, body: str) -> UpsertResult:
        """Create or update the one comment `marker` names on change `marker.change`.

        The host writes the marker as the body's first line; `body` must not carry one.
        """
        ...

    def start_deployment(self, request: DeploymentRequest) -> int:
        """Record a deployment as in progress; returns the host's deployment id."""
        ...

    def finish_deployment(
        self,
        deployment_id: int,
        state: DeploymentState,
        *,
        log_url: str | None = None,
        environment_url: str | None = None,
    ) -> None:
        """Mark a deployment started by `start_deployment` as succeeded or failed."""
        ...
