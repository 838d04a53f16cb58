"""The read-only view of a repository snapshot that loading needs, and safe path resolution.

A `Tree` is the working tree or one git revision (implemented in `adapters.source`), rooted at
the project folder (the one holding agentcd.yaml). Paths are POSIX, relative to that folder.
Resolution refuses anything that leaves it: absolute paths, `..` escapes, and symlinks pointing
outside (or to any absolute path, which differs from machine to machine); and anything a commit
would not carry: git's and agentcd's own folders, files git ignores. No I/O here.
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
# Folders that are never part of a definition, at any depth: git's own (its config can hold the
# checkout's credentials) and agentcd's state (ledger, caches, deployed configurations).
_PRIVATE = {
    ".git": "git's own files, where the checkout's credentials can be",
    ".agentcd": "agentcd's own state (ledger, caches, deployed configurations)",
}
# Names the file systems of Windows and macOS read as `.git`: any case, trailing dots and
# spaces, the 8.3 short name (git refuses these in commits for that reason: CVE-2014-9390).
_SHORT_NAMES = {"git~1": ".git"}


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

    def ignored(self, path: str) -> bool:
        """Whether git leaves `path`, or a folder or link above it, out of a commit: untracked
        and ignored (`.gitignore`). Never true in a revision, which holds what was committed."""
        ...


def resolve_path(tree: Tree, *, base: str, ref: str, where: tuple[str, str]) -> str:
    """The repository path `ref` names from folder `base`, symlinks followed, never outside.

    `where` is (file, field) for the error message. `..` is resolved before symlinks, as text.
    Every hop must stay out of `.git` and `.agentcd` and must not be ignored by git.
    """
    if _is_absolute(ref):
        raise DefinitionError(
            *where, f"{ref!r} is an absolute path; use a path relative to the definition's folder"
        )
    path = _tracked(tree, _inside(posixpath.join(base, ref), ref, where, via=""), ref, where, "")
    for _ in range(_MAX_LINK_HOPS):
        link = _first_link(tree, path)
        if link is None:
            return path
        target = tree.link_target(link)
        if _is_absolute(target):
            raise DefinitionError(
                *where,
                f"{ref!r} goes through the symlink {link} -> {target}, an absolute path; "
                "make the link relative and inside the project folder",
            )
        rest = path[len(link) :]
        joined = posixpath.join(posixpath.dirname(link), target) + rest
        via = f"{link} -> {target}"
        path = _tracked(tree, _inside(joined, ref, where, via=via), ref, where, via)
    raise DefinitionError(*where, f"{ref!r}: too many levels of symbolic links (a loop?)")


def _is_absolute(path: str) -> bool:
    return path.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path) is not None


def _inside(joined: str, ref: str, where: tuple[str, str], *, via: str) -> str:
    path = posixpath.normpath(joined)
    if path == ".." or path.startswith("../"):
        if via:
            message = f"{ref!r} leads outside the project folder through the symlink {via}"
        else:
            message = f"{ref!r} leaves the project folder (the folder holding agentcd.yaml)"
        raise DefinitionError(*where, message)
    return "" if path == "." else path


def private_folder(path: str) -> str | None:
    """The `.git` or `.agentcd` folder `path` is in (at any depth), or None."""
    for part in path.split("/"):
        name = part.rstrip(". ").casefold()
        name = _SHORT_NAMES.get(name, name)
        if name in _PRIVATE:
            return name
    return None


def _tracked(tree: Tree, path: str, ref: str, where: tuple[str, str], via: str) -> str:
    """`path` when a commit can carry it: not in a private folder, not ignored by git."""
    how = f" through the symlink {via}" if via else ""
    folder = private_folder(path)
    if folder is not None:
        raise DefinitionError(
            *where,
            f"{ref!r} leads to {path!r}{how}: inside {folder}, {_PRIVATE[folder]}; "
            "a definition may not read it (reference a file of the project instead)",
        )
    if tree.ignored(path):
        raise DefinitionError(
            *where,
            f"{ref!r} leads to {path!r}{how}, which git ignores (.gitignore): a commit would "
            "not carry it, so the artifact could not be built again from the repository",
        )
    return path


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
        raise DefinitionError(
            *where, f"{path!r} is {size} bytes, over the limit of {MAX_FILE_BYTES} bytes per file"
        )
    return tree.read(path)


def glob_files(tree: Tree, pattern: str) -> list[str]:
    """Files and symlinks matching a glob (`*` within one folder, `**` across), sorted.

    Symlinked folders are not descended, `.git` and `.agentcd` folders not searched; resolve
    each match with `resolve_path`.
    """
    static = []
    for part in pattern.split("/"):
        if any(c in part for c in "*?["):
            break
        static.append(part)
    folder = "/".join(static[:-1] if len(static) == len(pattern.split("/")) else static)
    regex = _glob_regex(pattern)
    return sorted(
        p
        for p in walk_files(tree, folder)
        if regex.fullmatch(p) and tree.kind(p) in ("file", "link")
    )


def walk_files(tree: Tree, folder: str) -> list[str]:
    """What `tree.walk` lists below `folder`, less anything in a `.git` or `.agentcd` folder
    (a revision may have committed one: the working tree never lists them)."""
    return [p for p in tree.walk(folder) if private_folder(p) is None]


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
