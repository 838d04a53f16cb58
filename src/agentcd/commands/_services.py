"""The edges a promotion or rollback talks to, opened once per command for one environment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from agentcd.adapters import clock, gitops
from agentcd.adapters.backends import open_ledger, open_platform
from agentcd.adapters.environ import CiContext, detect_ci
from agentcd.adapters.ledger.protocol import Ledger
from agentcd.adapters.platforms.protocol import Platform
from agentcd.adapters.source import WorkTree
from agentcd.commands._common import format_option, output_option
from agentcd.commands._mirror import NO_MIRROR, Mirror, connect, mirror_option
from agentcd.core.definition.load import load_project
from agentcd.core.definition.model import Environment, Project
from agentcd.core.deploy.ledger import EvalRecord
from agentcd.errors import ConfigError

F = TypeVar("F", bound=Callable[..., Any])


def deployment_options(who: str) -> Callable[[F], F]:
    """The options every command that deploys shares: --dry-run, --actor, --approver,
    --mirror/--no-mirror, --format text|json and --output."""

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
                format_option("text", "json"),
                output_option,
            )
        ):
            f = option(f)
        return f

    return apply


@dataclass(frozen=True, slots=True)
class Services:
    """The edges a deployment talks to, for one environment."""

    project_dir: Path
    project: Project
    environment: Environment
    previous: str | None
    ledger: Ledger
    platform: Platform
    ci: CiContext
    clock: Callable[[], datetime]
    ref: str | None = None  # the git ref deployments are recorded with
    unrecorded_evals: tuple[EvalRecord, ...] = ()  # --dry-run: read, used, not written
    approvers: tuple[str, ...] = ()  # who approved this environment, as the CI host says
    mirror: Mirror = NO_MIRROR  # the deployment on the host's Environments page


def open_services(project_dir: Path, environment: str, *, mirror: bool | None = None) -> Services:
    project = load_project(WorkTree(project_dir))
    env, previous = find_environment(project, environment)
    ci = detect_ci()
    host = connect(ci, env.name, production=env == project.environments[-1], mirror=mirror)
    return Services(
        project_dir=project_dir,
        project=project,
        environment=env,
        previous=previous,
        ledger=open_ledger(project_dir, project.ledger, ci),
        platform=open_platform(project_dir, project, environment),
        ci=ci,
        clock=clock.utc_now,
        ref=ci.ref or gitops.current_ref(project_dir),
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


def identity(svc: Services, actor: str | None, approvers: tuple[str, ...]) -> Identity:
    """The actor, and the approvers given (`--approver`) with those the CI host recorded."""
    named = tuple(dict.fromkeys((*approvers, *svc.approvers)))
    return Identity(actor=actor or svc.ci.actor, approvers=named)
