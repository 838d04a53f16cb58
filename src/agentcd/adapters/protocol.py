"""The edges a command talks to, as protocols and data, and `Edges`: one record of them.

Commands receive an `Edges` (from the click context, see `edges`) and never import a concrete
adapter; the composition root (`agentcd.wiring`, called by `agentcd.cli`) picks them. The host,
ledger, platform and invoker protocols live beside their adapters (`hosts/protocol.py`, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # types only: importing this module loads no adapter
    from agentcd.adapters.hosts import protocol as hosts
    from agentcd.adapters.invokers.base import Invoker, Judge
    from agentcd.adapters.ledger.protocol import Ledger
    from agentcd.adapters.platforms.protocol import Platform
    from agentcd.core.definition.model import Environment, Project
    from agentcd.core.definition.model import Ledger as LedgerConfig
    from agentcd.core.definition.tree import Tree
    from agentcd.core.deploy.gate import Ancestry
    from agentcd.core.evals.settings import EvalTarget
    from agentcd.core.evals.settings import Judge as JudgeSettings
    from agentcd.core.evals.trials import RunnerOptions, RunReport, TrialJob


class Host(StrEnum):
    GITHUB = "github"
    GITLAB = "gitlab"
    LOCAL = "local"


@dataclass(frozen=True, slots=True)
class CiContext:
    """Where we run: the host, the repository, the change under review, and who acts."""

    host: Host
    actor: str
    repository: str | None = None
    ref: str | None = None
    sha: str | None = None
    run_url: str | None = None
    api_url: str | None = None
    token: str | None = field(default=None, repr=False)
    change_number: int | None = None
    base_sha: str | None = None
    head_sha: str | None = None
    event_name: str | None = None
    event: Mapping[str, Any] = field(default_factory=dict, repr=False)
    summary_path: str | None = None
    output_path: str | None = None
    default_branch: str | None = None
    run_order: int | None = None
    """Grows with every CI run of the repository (GitHub run id, GitLab pipeline id)."""
    comment_author: str | None = None
    """AGENTCD_COMMENT_AUTHOR: the login our comments are written by, when set explicitly."""
    job_token: str | None = field(default=None, repr=False)
    """GitLab's CI_JOB_TOKEN (it cannot write merge request notes)."""
    token_variable: str | None = None
    """The name of the variable `token` came from, for messages."""
    head_label: str | None = None
    """`owner:branch` of the change's head, to find a pull request from a workflow_run."""
    fork: bool = False
    """The change comes from another repository (a fork)."""
    run_id: int | None = None
    """GITHUB_RUN_ID: this workflow run (whose environment approvals are read)."""
    job_id: int | None = None
    """CI_JOB_ID: this GitLab job (whose environment deployment holds the approvals)."""
    triggered_by: tuple[str, ...] = ()
    """Who started the run (and AGENTCD_TRIGGERED_BY): the gate does not count them as approvers."""


class Repository(Protocol):
    """The project's git repository: snapshots of it, and what git knows about commits."""

    @property
    def root(self) -> Path: ...

    def tree(self, rev: str | None) -> AbstractContextManager[Tree]:
        """The snapshot at `rev` (git plumbing, no checkout), or the working tree when None."""
        ...

    def head_commit(self) -> str | None:
        """HEAD's commit id; None outside a repository or before the first commit."""
        ...

    def current_ref(self) -> str | None: ...

    def commit_message(self, commit: str) -> str | None: ...

    def ancestry(self, candidate: str | None, running: str | None) -> Ancestry:
        """How `candidate` relates to `running` in history (older, newer, diverged, ...)."""
        ...

    def default_branch(self) -> str: ...

    def merge_base(self, one: str, other: str) -> str: ...


class InvokerFactory(Protocol):
    def __call__(
        self,
        name: str,
        target: EvalTarget,
        *,
        root: Path,
        pool_size: int,
        platform: Platform | None = None,
        environment: Environment | None = None,
    ) -> Invoker: ...


class JudgeFactory(Protocol):
    def __call__(self, settings: JudgeSettings, *, pool_size: int) -> Judge: ...


class TrialRunner(Protocol):
    def run(self, jobs: Sequence[TrialJob]) -> RunReport:
        """Every distinct job's record (equal keys run once); jobs skipped for budget have none."""
        ...


class TrialRunnerFactory(Protocol):
    def __call__(
        self,
        invoker: Invoker,
        *,
        judge: Judge | None,
        options: RunnerOptions,
        cache_dir: Path | None,
        trials: int,
        interactive: bool,
    ) -> TrialRunner:
        """A runner caching in `cache_dir` (None: no cache), showing its progress through
        `trials` distinct trials as a bar when `interactive`, else as a line now and then."""
        ...


@dataclass(frozen=True, slots=True)
class Edges:
    """Every edge a command talks to, chosen once per run by the composition root."""

    project_dir: Path
    repository: Repository
    detect_ci: Callable[[], CiContext]
    clock: Callable[[], datetime]
    open_ledger: Callable[[LedgerConfig, CiContext], Ledger]  # agentcd.yaml's `ledger`
    open_platform: Callable[[Project, str], Platform]  # the platform an environment deploys to
    connect: Callable[[CiContext], hosts.Host | None]  # the code host, when the job can reach it
    make_invoker: InvokerFactory
    make_judge: JudgeFactory
    open_runner: TrialRunnerFactory  # runs eval trials: threads, retries, budget, the cache
    rooted_at: Callable[[Path], Edges]  # the same edges for another project folder
    close: Callable[[], None] = lambda: None  # after the command: what was opened is closed
