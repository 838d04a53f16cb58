"""Commit ancestry, the current ref and commit messages, from a real repository."""

from __future__ import annotations

from pathlib import Path

from agentcd.adapters.gitops import ancestry, commit_message, current_ref
from agentcd.core.deploy.gate import Ancestry
from tests.conftest import git


def commit(repo: Path, name: str, message: str) -> str:
    (repo / name).write_text(name)
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def test_ancestry_between_commits(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    first = commit(tmp_path, "a", "first")
    second = commit(tmp_path, "b", "Second (#5)")
    git(tmp_path, "checkout", "-q", "-b", "side", first)
    side = commit(tmp_path, "c", "side")
    assert ancestry(tmp_path, second, None) is Ancestry.NOTHING_RUNS
    assert ancestry(tmp_path, None, second) is Ancestry.UNKNOWN
    assert ancestry(tmp_path, second, second) is Ancestry.SAME
    assert ancestry(tmp_path, second, first) is Ancestry.NEWER
    assert ancestry(tmp_path, first, second) is Ancestry.OLDER
    assert ancestry(tmp_path, side, second) is Ancestry.DIVERGED
    assert ancestry(tmp_path, "f" * 40, second) is Ancestry.UNKNOWN  # not in this repository
    assert current_ref(tmp_path) == "refs/heads/side"
    assert commit_message(tmp_path, second) == "Second (#5)"


def test_outside_a_repository_nothing_is_known(tmp_path: Path) -> None:
    assert ancestry(tmp_path, "a" * 40, "b" * 40) is Ancestry.UNKNOWN
    assert current_ref(tmp_path) is None
    assert commit_message(tmp_path, "a" * 40) is None
