"""The composition root: the one module that picks concrete adapters.

`agentcd.cli` builds one `Edges` per run with `edges`; commands receive it and talk to the
protocols it holds. A new platform, ledger or host is added here and nowhere in `commands/`.
"""

from __future__ import annotations

import importlib
from functools import cache
from pathlib import Path

from agentcd.adapters import clock
from agentcd.adapters.environ import CiContext, Host, detect_ci
from agentcd.adapters.invokers import make_invoker, make_judge
from agentcd.adapters.ledger.gitbranch import Credentials
from agentcd.adapters.ledger.protocol import Ledger
from agentcd.adapters.ledger.sqlite import SqliteLedger
from agentcd.adapters.platforms.file import FilePlatform
from agentcd.adapters.platforms.protocol import Platform
from agentcd.adapters.protocol import Edges
from agentcd.adapters.repository import GitRepository
from agentcd.core.definition.model import BedrockTarget, FileTarget, Project
from agentcd.core.definition.model import Ledger as LedgerConfig
from agentcd.errors import ConfigError


def edges(project_dir: Path) -> Edges:
    """The concrete edges for a project folder; the CI context is read once, when first asked."""
    from agentcd.adapters.eval_runner import open_runner
    from agentcd.adapters.hosts import connect

    opened: list[Ledger] = []

    def ledger(config: LedgerConfig, ci: CiContext) -> Ledger:
        opened.append(open_ledger(project_dir, config, ci))
        return opened[-1]

    def close() -> None:  # SQLite folds its write-ahead log back into the one ledger file
        for book in opened:
            if isinstance(book, SqliteLedger):
                book.close()

    return Edges(
        project_dir=project_dir,
        repository=GitRepository(project_dir),
        detect_ci=cache(detect_ci),
        clock=clock.utc_now,
        open_ledger=ledger,
        open_platform=lambda project, environment: open_platform(project_dir, project, environment),
        connect=connect,
        make_invoker=make_invoker,
        make_judge=make_judge,
        open_runner=open_runner,
        rooted_at=edges,
        close=close,
    )


def open_ledger(project_dir: Path, config: LedgerConfig, ci: CiContext | None = None) -> Ledger:
    """The ledger `agentcd.yaml: ledger` names, relative to the project folder; in CI, the git
    ledger authenticates with the job's token (from `ci`, else this process's CI context)
    when the remote is an HTTP URL."""
    if config.backend == "sqlite":
        return SqliteLedger(project_dir / config.path)
    from agentcd.adapters.ledger.git import GitLedger

    credentials = git_credentials(ci if ci is not None else detect_ci())
    return GitLedger.open(
        project_dir, remote=config.remote, branch=config.branch, credentials=credentials
    )


def git_credentials(ci: CiContext) -> Credentials | None:
    """GitHub's GITHUB_TOKEN (`contents: write`) or a GitLab access token (`write_repository`);
    without one, git uses what the checkout configured (GitLab: CI_JOB_TOKEN in the URL)."""
    if not ci.token:
        return None
    if ci.host is Host.GITHUB:
        return Credentials("x-access-token", ci.token)
    if ci.host is Host.GITLAB:
        return Credentials("oauth2", ci.token)
    return None


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
    if isinstance(target, BedrockTarget):
        from agentcd.adapters.platforms.bedrock import open_bedrock  # boto3 is an extra

        return open_bedrock(target)
    # A vendor platform's module, `open_platform(target, project_dir=)`, is imported only when a
    # target uses it; it renders without its SDK (an extra) and loads that on the first call.
    module = importlib.import_module(f"agentcd.adapters.platforms.{target.platform}")
    opened: Platform = module.open_platform(target, project_dir=project_dir)
    return opened
