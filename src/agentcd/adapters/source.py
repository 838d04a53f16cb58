"""Repository snapshots for loading: the working tree, or any git revision read with plumbing.

A git revision is read with `git ls-tree` and one `git cat-file --batch` process, never a
checkout, so it works in a shallow clone as long as the revision's objects are present.
Both trees are rooted at the project folder (the one holding agentcd.yaml) and report symlinks
as written, so `core.tree` resolves them the same way for both.
"""

from __future__ import annotations

import bisect
import os
import posixpath
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from agentcd.adapters.catfile import WINDOW, CatFile
from agentcd.adapters.git import ask_git, run_git
from agentcd.errors import GitError, SourceError

_SKIP_DIRS = frozenset({".git", ".agentcd", "node_modules", ".venv", "__pycache__"})
# Read-ahead: files up to this size, while read-ahead files not yet asked for stay below the cap.
_AHEAD_FILE_BYTES = 256 * 1024
_AHEAD_HELD_BYTES = 4 * 1024 * 1024


class WorkTree:
    """The files on disk below `root`, as they are now (uncommitted edits included)."""

    def __init__(self, root: Path, *, commit: str | None = None) -> None:
        if not root.is_dir():
            raise SourceError(f"reading the working tree: {root.resolve()} is not a folder")
        self.root = root
        self._commit = commit
        self._ignored: tuple[frozenset[str], tuple[str, ...]] | None = None

    @property
    def label(self) -> str:
        return "working tree"

    @property
    def commit(self) -> str | None:
        return self._commit

    def _abs(self, path: str) -> Path:
        return self.root / path if path else self.root

    def walk(self, folder: str) -> Iterator[str]:
        top = self._abs(folder)
        if top.is_symlink() or not top.is_dir():
            return  # like a git tree: a symlinked folder is an entry, never descended
        for dirpath, dirnames, filenames in os.walk(top):
            rel = Path(dirpath).relative_to(self.root).as_posix()
            prefix = "" if rel == "." else rel + "/"
            dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS]
            for d in dirnames:
                if os.path.islink(os.path.join(dirpath, d)):
                    yield prefix + d  # a link to a folder is an entry, not descended
            dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
            for name in filenames:
                if not self.ignored(prefix + name):
                    yield prefix + name

    def ignored(self, path: str) -> bool:
        """Whether git ignores `path` or a folder or symlink above it, so that the working tree
        builds what a commit would (an editor's `.DS_Store` in a skill folder must not change
        the digest, an ignored `.env` must not be read)."""
        if self._ignored is None:
            self._ignored = _ignored_paths(self.root)
        files, folders = self._ignored
        if (path + "/").startswith(folders):
            return True
        parts = path.split("/")
        return any("/".join(parts[:i]) in files for i in range(1, len(parts) + 1))

    def kind(self, path: str) -> str | None:
        p = self._abs(path)
        if p.is_symlink():
            return "link"
        if p.is_dir():
            return "dir"
        if p.is_file():
            return "file"
        return None

    def link_target(self, path: str) -> str:
        return Path(os.readlink(self._abs(path))).as_posix()

    def size(self, path: str) -> int:
        return self._abs(path).stat().st_size

    def read(self, path: str) -> bytes:
        return self._abs(path).read_bytes()


class GitTree:
    """One revision of a git repository, restricted to the project folder inside it."""

    def __init__(self, cwd: Path, rev: str) -> None:
        if not cwd.is_dir():
            raise SourceError(f"reading revision {rev!r}: {cwd.resolve()} is not a folder")
        self.cwd = cwd
        self.rev = rev
        self._commit = rev_parse(cwd, rev)
        self._prefix = _git(cwd, "rev-parse", "--show-prefix").strip()
        self._entries: dict[str, tuple[str, str, int]] = {}
        self._dirs: set[str] = {""}
        self._load_listing()
        self._paths = sorted(self._entries)  # walk() takes a folder's slice by bisection
        self._cat: CatFile | None = None
        self._asked: set[str] = set()  # read (or being read): never read ahead again
        self._pending: deque[str] = deque()  # requested, in request order
        self._fetched: dict[str, bytes] = {}  # received, not yet read
        self._held = 0  # bytes requested or received and not yet read
        self._ahead = 0  # index in `_paths` up to which read-ahead has looked

    @property
    def label(self) -> str:
        return f"revision {self.rev}"

    @property
    def commit(self) -> str | None:
        return self._commit

    def _load_listing(self) -> None:
        out = _git_bytes(self.cwd, "ls-tree", "-r", "-z", "-l", "--full-tree", self._commit)
        plen = len(self._prefix)
        # Records are "<mode> <type> <oid> <padded size>\t<path>"; only paths may be non-ASCII.
        for record in out.decode("utf-8", "surrogateescape").split("\0"):
            meta, _, path = record.partition("\t")
            if not path or not path.startswith(self._prefix):
                continue
            mode, _, oid, size = meta.split()
            if mode == "160000":
                continue  # a submodule: its files are another repository's
            path = path[plen:]
            self._entries[path] = ("link" if mode == "120000" else "file", oid, int(size))
            parent = posixpath.dirname(path)
            while parent not in self._dirs:
                self._dirs.add(parent)
                parent = posixpath.dirname(parent)

    def walk(self, folder: str) -> Iterator[str]:
        return iter(self._below(folder))

    def _below(self, folder: str) -> list[str]:
        """Every path under `folder`, sorted: a contiguous slice of the sorted listing."""
        prefix = folder + "/" if folder else ""
        start = end = bisect.bisect_left(self._paths, prefix)
        while end < len(self._paths) and self._paths[end].startswith(prefix):
            end += 1
        return self._paths[start:end]

    def kind(self, path: str) -> str | None:
        entry = self._entries.get(path)
        if entry is not None:
            return entry[0]
        return "dir" if path in self._dirs else None

    def link_target(self, path: str) -> str:
        return self.read(path).decode("utf-8", "surrogateescape")

    def ignored(self, path: str) -> bool:
        return False  # a revision holds only what was committed, ignored or not

    def size(self, path: str) -> int:
        return self._entries[path][2]

    def read(self, path: str) -> bytes:
        self._asked.add(path)
        if path not in self._fetched and path not in self._pending:
            self._request([path])
        room = WINDOW - self._cat_file().in_flight
        if room >= WINDOW // 2:
            self._request(self._read_ahead(path, room))
        while path not in self._fetched:
            self._receive()
        data = self._fetched.pop(path)
        self._held -= self._entries[path][2]
        return data

    def _read_ahead(self, path: str, room: int) -> list[str]:
        """Files after `path` in the listing, in its top folder, not read: likely read next.

        Loading reads agent folders in listing order, so git inflates the next files while the
        last ones are parsed. Nothing is read ahead for files in the project folder itself.
        """
        top, slash, _ = path.partition("/")
        start = bisect.bisect_right(self._paths, path)
        if self._ahead > start and self._paths[self._ahead - 1].startswith(top + slash):
            start = self._ahead  # looked at already
        out: list[str] = []
        held = self._held
        i = start
        while slash and i < len(self._paths) and len(out) < room:
            other = self._paths[i]
            if not other.startswith(top + slash):
                break
            kind, _, size = self._entries[other]
            seen = other in self._asked or other in self._pending or other in self._fetched
            wanted = kind == "file" and size <= _AHEAD_FILE_BYTES and not seen
            if wanted and held + size > _AHEAD_HELD_BYTES:
                break
            if wanted:
                out.append(other)
                held += size
            i += 1
        self._ahead = max(self._ahead, i)
        return out

    def _request(self, paths: list[str]) -> None:
        self._cat_file().request([self._entries[p][1] for p in paths])
        self._pending.extend(paths)
        self._held += sum(self._entries[p][2] for p in paths)

    def _receive(self) -> None:
        path = self._pending.popleft()
        try:
            self._fetched[path] = self._cat_file().receive()
        except SourceError as e:
            self.close()  # the process is out of step with the requests: start afresh
            raise SourceError(f"reading {path!r} at {self.rev}: {e}") from e

    def _cat_file(self) -> CatFile:
        if self._cat is None:
            self._cat = CatFile(self.cwd)
        return self._cat

    def close(self) -> None:
        if self._cat is not None:
            self._cat.close()
            self._cat = None
        self._pending.clear()
        self._fetched.clear()
        self._held = 0

    def __enter__(self) -> GitTree:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def rev_parse(cwd: Path, rev: str) -> str:
    """The full commit id of `rev`, or a SourceError saying why not."""
    try:
        _git(cwd, "rev-parse", "--git-dir")
    except SourceError as e:
        raise SourceError(
            f"reading revision {rev!r}: {cwd.resolve()} is not in a git repository"
        ) from e
    try:
        out = _git(cwd, "rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}")
    except SourceError as e:
        raise SourceError(
            f"reading revision {rev!r}: no such commit in this repository "
            "(a shallow or single-branch clone may lack it: fetch it first)"
        ) from e
    return out.strip()


def _git(cwd: Path, *args: str) -> str:
    return _git_bytes(cwd, *args).decode("utf-8", "surrogateescape")


def _git_bytes(cwd: Path, *args: str) -> bytes:
    try:
        return run_git(cwd, *args, check=True).stdout
    except GitError as e:
        if e.returncode is None:
            raise SourceError("git is not installed or not on PATH") from e
        raise SourceError(str(e)) from e


def head_commit(cwd: Path) -> str | None:
    """HEAD's commit when `cwd` is in a git repository that has one, else None."""
    return ask_git(cwd, "rev-parse", "--verify", "--quiet", "HEAD")


def _ignored_paths(root: Path) -> tuple[frozenset[str], tuple[str, ...]]:
    """Files and folders below `root` that git ignores (both empty outside a repository)."""
    args = ("ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory")
    try:
        out = run_git(root, *args, check=True).stdout
    except GitError:  # outside a repository (or without git) nothing is ignored
        return frozenset(), ()
    names = [n.decode("utf-8", "surrogateescape") for n in out.split(b"\0") if n]
    return frozenset(n for n in names if not n.endswith("/")), tuple(
        n for n in names if n.endswith("/")
    )
