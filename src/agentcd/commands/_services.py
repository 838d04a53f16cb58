"""The edges a promotion or rollback talks to, opened once per command for one environment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import click

from agentcd.adapters.ledger.protocol import Ledger
from agentcd.adapters.platforms.protocol import Platform
from agentcd.adapters.protocol import CiContext, Edges, Repository
from agentcd.commands._common import format_option, output_option
from agentcd.commands._mirror import NO_MIRROR, Mirror, connect, mirror_option
from agentcd.core.definition.bundle import Bundle
from agentcd.core.definition.model import Environment, Project
from agentcd.core.deploy.ledger import EvalRecord
from agentcd.errors import ConfigError

F = TypeVar("F", bound=Callable[..., Any])


def deployment_options(who: str) -> Callable[[F], F]:
    """The options every command that deploys shares: --dry-run, --actor, --approver,
    --mirror/--no-mirror, --lock-timeout, --format text|json and --output."""

    def apply(f: F) -> F:
        for option in reversed(
            (
                click.option("--dry-run", is_flag=True, help="Decide and print; change nothing."),
                click.option(
                    "--actor", default=None, help=f"Who {who} (default: the CI actor or user)."
                ),
                click.option(
                    "--approver", "approvers", multiple=True, help="Who approved (repeatable)."
                ),
                mirror_option,
                click.option(
                    "--lock-timeout",
                    type=click.FloatRange(min=0),
                    default=60.0,
                    show_default=True,
                    help="Seconds to wait while another run holds the environment.",
                ),
                format_option("text", "json"),
                output_option,
            )
        ):
            f = option(f)
        return f

    return apply


@dataclass(frozen=True, slots=True)
class Services:
    """The edges a deployment talks to, opened for one environment."""

    edges: Edges
    project: Project
    environment: Environment
    previous: str | None
    ledger: Ledger
    platform: Platform
    ci: CiContext
    ref: str | None = None  # the git ref deployments are recorded with
    unrecorded_evals: tuple[EvalRecord, ...] = ()  # --dry-run: read, used, not written
    approvers: tuple[str, ...] = ()  # who approved this environment, as the CI host says
    mirror: Mirror = NO_MIRROR  # the deployment on the host's Environments page

    @property
    def repository(self) -> Repository:
        return self.edges.repository

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.edges.clock


def open_services(
    edges: Edges, project: Project, environment: str, *, mirror: bool | None = None
) -> Services:
    """Open the ledger, the platform and the host for `environment` of a loaded project."""
    env, previous = find_environment(project, environment)
    ci = edges.detect_ci()
    production = env == project.environments[-1]
    host = connect(edges.connect(ci), ci, env.name, production=production, mirror=mirror)
    return Services(
        edges=edges,
        project=project,
        environment=env,
        previous=previous,
        ledger=edges.open_ledger(project.ledger, ci),
        platform=edges.open_platform(project, environment),
        ci=ci,
        ref=ci.ref or edges.repository.current_ref(),
        approvers=host.approvers,
        mirror=host.mirror,
    )


def find_environment(project: Project, name: str) -> tuple[Environment, str | None]:
    """The environment and the one before it in promotion order."""
    names = [e.name for e in project.environments]
    if name not in names:
        raise ConfigError(f"no environment named {name!r} (agentcd.yaml has {', '.join(names)})")
    i = names.index(name)
    return project.environments[i], names[i - 1] if i else None


@dataclass(frozen=True, slots=True)
class Identity:
    actor: str
    approvers: tuple[str, ...]
    triggered_by: tuple[str, ...] = ()  # who started the run: not an approver on their own


def identity(svc: Services, actor: str | None, approvers: tuple[str, ...]) -> Identity:
    """The actor, the approvers given (`--approver`) with those the CI host recorded, and who
    started the run (the CI context: its triggering user and AGENTCD_TRIGGERED_BY)."""
    named = tuple(dict.fromkeys((*approvers, *svc.approvers)))
    return Identity(actor=actor or svc.ci.actor, approvers=named, triggered_by=svc.ci.triggered_by)


def stored_bundle(ledger: Ledger, digest: str, agent: str) -> Bundle:
    """The bundle the ledger stored for a recorded digest."""
    bundle = ledger.get_bundle(digest)
    if bundle is None:
        raise ConfigError(f"the ledger holds no bundle {digest} for {agent}")
    return bundle
