"""The narrow `Host` protocol commands use: the change a run comments on, its sticky comment,
who approved its environment, and the deployment mirror.

GitHub and GitLab each implement it; commands receive a `Host` and never see the client
library behind it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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


@dataclass(frozen=True, slots=True)
class EnvironmentApprovals:
    """What the host says about this run's deployment to one environment.

    `job_is_deployment`: the CI job itself is the host's deployment (a GitLab job with
    `environment:`), whose status follows the job, so it needs no mirrored copy.
    """

    approvers: tuple[str, ...]
    job_is_deployment: bool

    @classmethod
    def approved(
        cls, approvals: Iterable[Approval], *, job_is_deployment: bool
    ) -> EnvironmentApprovals:
        """The users among `approvals` who approved (a rejection is no approval)."""
        return cls(tuple(a.user for a in approvals if a.status == "approved"), job_is_deployment)


class Host(Protocol):
    """What agentcd does on a code host, and nothing more."""

    def change_number(self, head: str) -> int:
        """The pull or merge request this CI run's sticky comment goes on; `head` is the
        reviewed commit (GitHub resolves a `workflow_run`'s pull request from it)."""
        ...

    def upsert_comment(self, marker: Marker, body: str) -> UpsertResult:
        """Create or update the one comment `marker` names on change `marker.change`.

        The host writes the marker as the body's first line; `body` must not carry one.
        """
        ...

    def environment_approvals(self, environment: str) -> EnvironmentApprovals:
        """Who approved this CI run's deployment to `environment`, as the host recorded it."""
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
