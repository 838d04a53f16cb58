"""The code host's side of a promotion: who approved it, read from the CI run, and the
deployment mirrored on the host's Environments page (GitHub: a Deployment, `in_progress` then
`success` or `failure`, its payload holding the digests; GitLab: the job's own deployment, or
one created through the API when the job has none).

The ledger is the record and the mirror is advisory: a mirror call that fails is a warning. It
never turns a successful deploy into a failure, and a failed deploy is never mirrored as a
success.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import click

from agentcd.adapters.hosts.protocol import DeploymentRequest, DeploymentState
from agentcd.adapters.hosts.protocol import Host as CodeHost
from agentcd.adapters.protocol import CiContext, Host
from agentcd.core.deploy.ledger import Deployment
from agentcd.errors import AgentcdError, ConfigError
from agentcd.render.github_actions import Annotation, Level, format_annotation
from agentcd.render.inert import log

mirror_option = click.option(
    "--mirror/--no-mirror",
    "mirror",
    default=None,
    help="Record the deployment on GitHub or GitLab too (default: in CI, when a token is set).",
)


class DeploymentHost(Protocol):
    """The part of a `Host` the mirror uses."""

    def start_deployment(self, request: DeploymentRequest) -> int: ...

    def finish_deployment(
        self,
        deployment_id: int,
        state: DeploymentState,
        *,
        log_url: str | None = None,
        environment_url: str | None = None,
    ) -> None: ...


class Mirror:
    """One host deployment per promote or rollback run, covering every agent it deploys."""

    def __init__(
        self,
        host: DeploymentHost | None,
        *,
        warn: Callable[[str], None] = lambda _: None,
        fallback_sha: str | None = None,
        production: bool = False,
        log_url: str | None = None,
    ) -> None:
        self.host, self._warn = host, warn
        self._sha, self._production, self._log_url = fallback_sha, production, log_url

    def start(self, records: Sequence[Deployment]) -> int | None:
        """Mirror claimed deployments as in progress; None when off or the host refused."""
        if self.host is None or not records:
            return None
        commits = {r.commit for r in records}
        sha = commits.pop() if len(commits) == 1 and None not in commits else self._sha
        if sha is None:
            self._warn(f"mirroring to {records[0].environment}: no single commit to name; skipped")
            return None
        try:
            return self.host.start_deployment(self._request(records, sha))
        except AgentcdError as e:
            self._warn(f"{e} (the deployment goes on; only the host's copy is missing)")
            return None

    def finish(self, deployment_id: int | None, *, succeeded: bool) -> None:
        if self.host is None or deployment_id is None:
            return
        state = DeploymentState.SUCCESS if succeeded else DeploymentState.FAILURE
        try:
            self.host.finish_deployment(deployment_id, state, log_url=self._log_url)
        except AgentcdError as e:
            self._warn(f"{e} (the ledger holds the outcome)")

    def _request(self, records: Sequence[Deployment], sha: str) -> DeploymentRequest:
        first = records[0]
        ref = (first.ref or sha).removeprefix("refs/heads/").removeprefix("refs/tags/")
        return DeploymentRequest(
            environment=first.environment,
            sha=sha,
            ref=ref,
            payload=deployment_payload(records),
            description=f"agentcd {first.kind.value}: {len(records)} agent(s)"[:140],
            log_url=self._log_url,
            production=self._production,
        )


NO_MIRROR = Mirror(None)


def deployment_payload(records: Sequence[Deployment]) -> dict[str, Any]:
    """What the host keeps with its deployment: each agent's sequence number and digests."""
    return {
        "agentcd": {
            "environment": records[0].environment,
            "kind": records[0].kind.value,
            "agents": [
                {
                    "agent": r.agent,
                    "seq": r.seq,
                    "artifact_digest": r.artifact_digest,
                    "deployment_digest": r.deployment_digest,
                    **({"rollback_to": r.rollback_to} if r.rollback_to else {}),
                }
                for r in records
            ],
        }
    }


# ---------------------------------------------------------------- connecting


@dataclass(frozen=True, slots=True)
class HostView:
    """What the host says about this run: who approved the environment, and the mirror."""

    approvers: tuple[str, ...]
    mirror: Mirror


def connect(
    host: CodeHost | None, ci: CiContext, environment: str, *, production: bool, mirror: bool | None
) -> HostView:
    """Read the run's approvals and set up the mirror; reading approvals that exist but cannot
    be read is an error (the gate depends on them)."""
    if host is None:
        if mirror:
            raise ConfigError(
                "--mirror needs a GitHub Actions or GitLab CI job with a token (GITHUB_TOKEN, or "
                "AGENTCD_GITLAB_TOKEN or CI_JOB_TOKEN)"
            )
        return HostView((), NO_MIRROR)
    seen = host.environment_approvals(environment)
    # A GitLab job with `environment:` already is a deployment, whose status follows the job.
    mirrored = host if mirror is not False and not seen.job_is_deployment else None
    return HostView(seen.approvers, _mirror(ci, mirrored, production))


def _mirror(ci: CiContext, host: DeploymentHost | None, production: bool) -> Mirror:
    return Mirror(
        host,
        warn=lambda message: _warn(ci, message),
        fallback_sha=ci.sha,
        production=production,
        log_url=ci.run_url,
    )


def _warn(ci: CiContext, message: str) -> None:
    if ci.host is Host.GITHUB:
        click.echo(format_annotation(Annotation(message, level=Level.WARNING)), err=True)
    else:
        click.echo(log(f"warning: {message}"), err=True)
