"""Picks the concrete ledger and platform for a project's configuration."""

from __future__ import annotations

from pathlib import Path

from agentcd.adapters.ledger.protocol import Ledger
from agentcd.adapters.ledger.sqlite import SqliteLedger
from agentcd.adapters.platforms.file import FilePlatform
from agentcd.adapters.platforms.protocol import Platform
from agentcd.core.model import FileTarget, Project
from agentcd.core.model import Ledger as LedgerConfig
from agentcd.errors import ConfigError


def open_ledger(project_dir: Path, config: LedgerConfig) -> Ledger:
    """The ledger `agentcd.yaml: ledger` names, relative to the project folder."""
    if config.backend == "sqlite":
        return SqliteLedger(project_dir / config.path)
    raise ConfigError(
        f"agentcd.yaml: ledger.backend: {config.backend!r} is not available in this version "
        "(use backend: sqlite)"
    )


def open_platform(project_dir: Path, project: Project, environment: str) -> Platform:
    """The platform of the target an environment deploys to."""
    env = project.environment(environment)
    if env is None:
        raise ConfigError(f"no environment named {environment!r}")
    target = project.targets[env.target]
    if isinstance(target, FileTarget):
        return FilePlatform(
            project_dir / target.path, project_dir=project_dir, invoker=target.invoker
        )
    raise ConfigError(f"agentcd.yaml: targets.{env.target}: platform not available")
