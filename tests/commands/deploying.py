"""Shared setup for the promotion commands' tests: a fixed clock and actor, ledger shortcuts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agentcd.adapters.ledger.protocol import Ledger
from agentcd.adapters.source import WorkTree
from agentcd.core.definition.load import load_project, load_workspace
from agentcd.core.deploy.ledger import Deployment, EvalRecord
from agentcd.core.evals.verdict import Verdict
from agentcd.wiring import open_ledger
from tests.conftest import git

START = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


class Clock:
    """Advances one minute per reading, so every timestamp is distinct and reproducible."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture(name="clock")
def clock_fixture(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fixed = Clock()
    monkeypatch.setattr("agentcd.adapters.clock.utc_now", fixed)
    return fixed


@pytest.fixture(name="project", params=["sqlite", "git"])
def project_fixture(
    request: pytest.FixtureRequest, repo: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """The example repository, with a fixed clock and actor; cwd is the project. Each test runs
    with the SQLite ledger and with the git ledger on a branch of a bare remote."""
    monkeypatch.setenv("AGENTCD_ACTOR", "ana")
    if request.param == "git":
        use_git_ledger(repo, monkeypatch)
    monkeypatch.chdir(repo)
    yield repo


def use_git_ledger(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`ledger: {backend: git}` in the committed config, `origin` a bare repository."""
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(repo.parent / "no-global-gitconfig"))
    remote = repo.parent / "origin.git"
    git(repo.parent, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    config = repo / "agentcd.yaml"
    text = config.read_text(encoding="utf-8")
    sqlite = "ledger: {backend: sqlite, path: .agentcd/ledger.db}"
    assert sqlite in text
    config.write_text(text.replace(sqlite, "ledger: {backend: git}"), encoding="utf-8")
    git(repo, "commit", "-q", "--amend", "-a", "--no-edit")
    return remote


def ledger(repo: Path) -> Ledger:
    """The project's own ledger, as its agentcd.yaml configures it."""
    return open_ledger(repo, load_project(WorkTree(repo)).ledger)


def history(repo: Path, environment: str | None = None) -> tuple[Deployment, ...]:
    return ledger(repo).history(environment=environment)


def record_passing_evals(repo: Path, environment: str) -> None:
    """What `agentcd eval --env E` records: a pass for each agent's working-tree digest."""
    ws = load_workspace(WorkTree(repo))
    book = ledger(repo)
    with book.batch():
        for agent in ws.agents:
            book.record_eval(
                EvalRecord(
                    agent=agent.name,
                    artifact_digest=agent.digest,
                    environment=environment,
                    verdict=Verdict.PASS,
                    recorded_at=START,
                )
            )


def live_file(repo: Path, environment: str, agent: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(
        (repo / ".agentcd" / "deployed" / environment / f"{agent}.json").read_text()
    )
    return data


def commit_change(repo: Path, agent: str, line: str, message: str) -> str:
    """Append a line to an agent's instructions (or agent.yaml's inline text) and commit."""
    folder = repo / "agents" / agent
    target = folder / "instructions.md"
    if not target.exists():
        target = folder / "agent.yaml"
        text = target.read_text().replace("instructions: |\n", f"instructions: |\n  {line}\n", 1)
        target.write_text(text)
    else:
        target.write_text(target.read_text() + line + "\n")
    git(repo, "commit", "-q", "-am", message)
    return git(repo, "rev-parse", "HEAD").strip()


def scrub(text: str, repo: Path) -> str:
    """Commit ids as `111…`, `222…` (oldest first): they change whenever the example's files
    do, while what goldens check is how deployments are reported."""
    commits = git(repo, "rev-list", "--reverse", "HEAD").split()
    for n, sha in enumerate(commits, start=1):
        text = text.replace(sha, str(n) * 40).replace(sha[:7], str(n) * 7)
    return text
