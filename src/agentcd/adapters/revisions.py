"""Choosing revisions in a local git repository: the default branch and a merge base.

A pull request is judged against the point it branched from, not the branch's current tip,
so changes that landed on the default branch meanwhile do not show up as the PR's own.
"""

from __future__ import annotations

from pathlib import Path

from agentcd.adapters.git import run_git
from agentcd.adapters.source import rev_parse
from agentcd.errors import ConfigError, GitError, SourceError

DEFAULT_BRANCHES = ("origin/HEAD", "main", "master")


def default_branch(cwd: Path) -> str:
    """The first of origin/HEAD, main, master that exists, or a ConfigError saying so."""
    for name in DEFAULT_BRANCHES:
        try:
            rev_parse(cwd, name)
        except SourceError:
            continue
        return name
    tried = ", ".join(DEFAULT_BRANCHES)
    raise ConfigError(
        f"finding the base revision: no default branch ({tried} do not exist); pass --base REV"
    )


def merge_base(cwd: Path, one: str, other: str) -> str:
    """The best common ancestor of two revisions (the commit a branch started from)."""
    try:
        done = run_git(cwd, "merge-base", "--end-of-options", one, other, check=True)
    except GitError as e:
        err = e.detail or "no common ancestor"
        raise SourceError(
            f"finding the base revision: git merge-base {one} {other}: {err}; pass --base REV"
        ) from e
    return done.stdout.decode().strip()
