"""Real git repositories for the git ledger's tests: a bare remote and checkouts of it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from agentcd.adapters.ledger.git import GitLedger
from agentcd.adapters.ledger.gitbranch import Credentials, GitBranch
from tests.conftest import git


@dataclass(frozen=True)
class Remote:
    """A bare repository standing in for GitHub or GitLab, holding `main` with one commit."""

    path: Path
    root: Path

    def clone(self, name: str, *args: str) -> Path:
        """A checkout of `main` with `origin` pointing here (`--depth 1`: a shallow one)."""
        target = self.root / name
        git(self.root, "clone", "-q", *args, f"file://{self.path}", str(target))
        return target

    def branch_tip(self, branch: str = "agentcd-ledger") -> str:
        return git(self.path, "rev-parse", f"refs/heads/{branch}").strip()

    def show(self, path: str, branch: str = "agentcd-ledger") -> str:
        return git(self.path, "show", f"{branch}:{path}")

    def commits(self, branch: str = "agentcd-ledger") -> int:
        return int(git(self.path, "rev-list", "--count", branch))


def make_remote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Remote:
    """A bare remote with `main`; git runs without the user's own configuration."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-global-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    seed = tmp_path / "seed"
    git(tmp_path, "init", "-q", "-b", "main", str(seed))
    (seed / "README.md").write_text("an application\n")
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "initial")
    git(seed, "push", "-q", str(bare), "main")
    return Remote(bare, tmp_path)


def open_git_ledger(
    checkout: Path,
    *,
    remote: str = "origin",
    branch: str = "agentcd-ledger",
    credentials: Credentials | None = None,
    pauses: list[float] | None = None,
) -> GitLedger:
    """The ledger as `ledger: {backend: git}` opens it; retries do not wait, they are counted."""
    store = GitBranch(checkout, remote=remote, branch=branch, credentials=credentials)
    seen = [] if pauses is None else pauses
    return GitLedger(store, pause=seen.append)
