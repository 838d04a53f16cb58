"""The project's git repository, as commands see it (`adapters.protocol.Repository`).

Snapshots come from `source`, commit relations from `gitops`, revisions from `revisions`; all
of them start git through the one runner in `adapters.git`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from agentcd.adapters import gitops, revisions
from agentcd.adapters.source import GitTree, WorkTree, head_commit
from agentcd.core.definition.tree import Tree
from agentcd.core.deploy.gate import Ancestry


class GitRepository:
    """The repository holding the project folder `root` (which need not be a repository)."""

    def __init__(self, root: Path) -> None:
        self._root = root

    @property
    def root(self) -> Path:
        return self._root

    @contextmanager
    def tree(self, rev: str | None) -> Iterator[Tree]:
        if rev is None:
            yield WorkTree(self._root, commit=self.head_commit())
            return
        with GitTree(self._root, rev) as tree:
            yield tree

    @cache  # noqa: B019 - one repository per run; HEAD does not move while agentcd runs
    def head_commit(self) -> str | None:
        return head_commit(self._root)

    def current_ref(self) -> str | None:
        return gitops.current_ref(self._root)

    def commit_message(self, commit: str) -> str | None:
        return gitops.commit_message(self._root, commit)

    def ancestry(self, candidate: str | None, running: str | None) -> Ancestry:
        return gitops.ancestry(self._root, candidate, running)

    def default_branch(self) -> str:
        return revisions.default_branch(self._root)

    def merge_base(self, one: str, other: str) -> str:
        return revisions.merge_base(self._root, one, other)
