"""The read-only view of a repository snapshot that loading needs, and safe path resolution.

A `Tree` is the working tree or one git revision (implemented in `adapters.source`). Paths are
POSIX, relative to the repository root. Resolution refuses anything that leaves the repository:
absolute paths, `..` escapes, and symlinks pointing outside. No I/O here.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Protocol

from agentcd.errors import DefinitionError

MAX_FILE_BYTES = 1024 * 1024  # one referenced file; instructions and skills are far smaller
_MAX_LINK_HOPS = 40


class Tree(Protocol):
    """A repository snapshot: the working tree or a git revision."""

    @property
    def label(self) -> str:
        """How messages name this snapshot: 'working tree' or 'revision abc1234'."""
        ...

    @property
    def commit(self) -> str | None:
        """The commit this snapshot is (None for a working tree with no commit)."""
        ...

    def walk(self, folder: str) -> Iterable[str]:
        """Every file and symlink below `folder` ('' for the root), as repository paths."""
        ...

    def kind(self, path: str) -> str | None:
        """'file', 'dir', 'link' or None when nothing is there (links are not followed)."""
        ...

    def link_target(self, path: str) -> str:
        """The target a symlink at `path` holds, as written."""
        ...

    def size(self, path: str) -> int: ...

    def read(self, path: str) -> bytes: ...


def resolve_path(tree: Tree, *, base: str, ref: str, where: tuple[str, str]) -> str:
    """The repository path `ref` names from folder `base`, symlinks followed, never outside.

    `where` is (file, field) for the error message.
    """
    if ref.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", ref):
        raise DefinitionError(*where, f"{ref!r} is an absolute path; use a path in the repository")
    path = _inside(posixpath.join(base, ref), ref, where)
    for _ in range(_MAX_LINK_HOPS):
        link = _first_link(tree, path)
        if link is None:
            return path
        target = tree.link_target(link)
        if target.startswith("/"):
            raise DefinitionError(*where, f"{ref!r} is a symlink to an absolute path ({target})")
        rest = path[len(link) :]
        path = _inside(posixpath.join(posixpath.dirname(link), target) + rest, ref, where)
    raise DefinitionError(*where, f"{ref!r}: too many levels of symbolic links")


def _inside(joined: str, ref: str, where: tuple[str, str]) -> str:
    path = posixpath.normpath(joined)
    if path == ".." or path.startswith("../"):
        raise DefinitionError(*where, f"{ref!r} leaves the repository")
    return "" if path == "." else path


def _first_link(tree: Tree, path: str) -> str | None:
    parts = path.split("/") if path else []
    for i in range(1, len(parts) + 1):
        prefix = "/".join(parts[:i])
        if tree.kind(prefix) == "link":
            return prefix
    return None


def read_file(tree: Tree, path: str, *, where: tuple[str, str]) -> bytes:
    """Read a resolved path, refusing folders, missing files and files over the size cap."""
    kind = tree.kind(path)
    if kind is None:
        raise DefinitionError(*where, f"{path!r} does not exist in the {tree.label}")
    if kind != "file":
        raise DefinitionError(*where, f"{path!r} is a folder, expected a file")
    size = tree.size(path)
    if size > MAX_FILE_BYTES:
        raise DefinitionError(*where, f"{path!r} is {size} bytes, over the {MAX_FILE_BYTES} cap")
    return tree.read(path)


def glob_files(tree: Tree, pattern: str) -> list[str]:
    """Files matching a glob (`*` within one folder, `**` across folders), sorted."""
    static = []
    for part in pattern.split("/"):
        if any(c in part for c in "*?["):
            break
        static.append(part)
    folder = "/".join(static[:-1] if len(static) == len(pattern.split("/")) else static)
    regex = _glob_regex(pattern)
    return sorted(p for p in tree.walk(folder) if regex.fullmatch(p) and tree.kind(p) == "file")


@lru_cache(maxsize=64)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:[^/]+/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))
