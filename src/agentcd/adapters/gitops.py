"""The git facts promotion needs: commit ancestry, the current ref, a commit's message."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from agentcd.adapters.git import ask_git, run_git
from agentcd.core.deploy.gate import Ancestry
from agentcd.errors import GitError


def ancestry(cwd: Path, candidate: str | None, running: str | None) -> Ancestry:
    """How `candidate` relates to `running` in the repository at `cwd`."""
    if running is None:
        return Ancestry.NOTHING_RUNS
    if candidate is None:
        return Ancestry.UNKNOWN
    if candidate == running:
        return Ancestry.SAME
    older = _is_ancestor(cwd, candidate, running)
    newer = _is_ancestor(cwd, running, candidate)
    if older is None or newer is None:
        return Ancestry.UNKNOWN
    if older:
        return Ancestry.OLDER
    return Ancestry.NEWER if newer else Ancestry.DIVERGED


@lru_cache(maxsize=256)  # ancestry of two commits never changes; promotions ask once per agent
def _is_ancestor(cwd: Path, a: str, b: str) -> bool | None:
    """True/False from `git merge-base --is-ancestor`; None when git cannot tell."""
    try:
        done = run_git(cwd, "merge-base", "--is-ancestor", a, b)
    except GitError:  # no git, or no such folder
        return None
    return {0: True, 1: False}.get(done.returncode)


def current_ref(cwd: Path) -> str | None:
    """`refs/heads/<branch>` when on a branch, else None."""
    return ask_git(cwd, "symbolic-ref", "-q", "HEAD")


@lru_cache(maxsize=64)  # a commit's message never changes
def commit_message(cwd: Path, commit: str) -> str | None:
    return ask_git(cwd, "log", "-1", "--format=%B", commit, "--")
