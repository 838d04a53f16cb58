"""Repository snapshots for loading: the working tree, or any git revision read with plumbing.

A git revision is read with `git ls-tree` and one `git cat-file --batch` process, never a
checkout, so it works in a shallow clone as long as the revision's objects are present.
Both trees are rooted at the project folder (the one holding agentcd.yaml).
"""

from __future__ import annotations

import os
import posixpath
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from agentcd.errors import SourceError

_SKIP_DIRS = frozenset({".git", ".agentcd", "node_modules", ".venv", "__pycache__"})


class WorkTree:
    """The files on disk below `root`, as they are now (uncommitted edits included)."""

    def __init__(self, root: Path, *, commit: str | None = None) -> None:
        self.root = root
        self._commit = commit

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
        for dirpath, dirnames, filenames in os.walk(top):
            rel = Path(dirpath).relative_to(self.root).as_posix()
            prefix = "" if rel == "." else rel + "/"
            dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS]
            for d in dirnames:
                if os.path.islink(os.path.join(dirpath, d)):
                    yield prefix + d  # a link to a folder is an entry, not descended
            dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
            for name in filenames:
                yield prefix + name

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
        target = os.readlink(self._abs(path))
        root = str(self.root.resolve())
        if os.path.isabs(target) and (target == root or target.startswith(root + os.sep)):
            # An absolute link into the project itself is as good as a relative one.
            parent = (self.root.resolve() / path).parent
            return Path(os.path.relpath(target, parent)).as_posix()
        return Path(target).as_posix()

    def size(self, path: str) -> int:
        return self._abs(path).stat().st_size

    def read(self, path: str) -> bytes:
        return self._abs(path).read_bytes()


class GitTree:
    """One revision of a git repository, restricted to the project folder inside it."""

    def __init__(self, cwd: Path, rev: str) -> None:
        self.cwd = cwd
        self.rev = rev
        self._commit = rev_parse(cwd, rev)
        self._prefix = _git(cwd, "rev-parse", "--show-prefix").strip()
        self._entries: dict[str, tuple[str, str, int]] = {}
        self._dirs: set[str] = {""}
        self._load_listing()
        self._batch: subprocess.Popen[bytes] | None = None

    @property
    def label(self) -> str:
        return f"revision {self.rev}"

    @property
    def commit(self) -> str | None:
        return self._commit

    def _load_listing(self) -> None:
        out = _git_bytes(self.cwd, "ls-tree", "-r", "-z", "-l", "--full-tree", self._commit)
        plen = len(self._prefix)
        for record in out.split(b"\0"):
            if not record:
                continue
            meta, _, name = record.partition(b"\t")
            mode, _, oid_size = meta.decode().partition(" ")
            _, _, rest = oid_size.partition(" ")
            oid, _, size = rest.strip().partition(" ")
            path = name.decode("utf-8", "surrogateescape")
            if not path.startswith(self._prefix):
                continue
            path = path[plen:]
            kind = "link" if mode == "120000" else "file"
            self._entries[path] = (kind, oid, int(size.strip() or 0))
            parent = posixpath.dirname(path)
            while parent not in self._dirs:
                self._dirs.add(parent)
                parent = posixpath.dirname(parent)

    def walk(self, folder: str) -> Iterator[str]:
        prefix = folder + "/" if folder else ""
        return (p for p in self._entries if p.startswith(prefix))

    def kind(self, path: str) -> str | None:
        entry = self._entries.get(path)
        if entry is not None:
            return entry[0]
        return "dir" if path in self._dirs else None

    def link_target(self, path: str) -> str:
        return self.read(path).decode("utf-8", "surrogateescape")

    def size(self, path: str) -> int:
        return self._entries[path][2]

    def read(self, path: str) -> bytes:
        oid = self._entries[path][1]
        proc = self._cat_file()
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(oid.encode() + b"\n")
        proc.stdin.flush()
        header = proc.stdout.readline().split()
        if len(header) != 3:
            raise SourceError(f"reading {path!r} at {self.rev}: git cat-file answered {header!r}")
        return _read_exact(proc.stdout, int(header[2]) + 1)[:-1]

    def _cat_file(self) -> subprocess.Popen[bytes]:
        if self._batch is None:
            self._batch = subprocess.Popen(
                ["git", "cat-file", "--batch"],
                cwd=self.cwd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        return self._batch

    def close(self) -> None:
        if self._batch is not None:
            assert self._batch.stdin is not None
            self._batch.stdin.close()
            self._batch.wait()
            self._batch = None

    def __enter__(self) -> GitTree:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _read_exact(stream: IO[bytes], n: int) -> bytes:
    chunks = []
    while n > 0:
        chunk = stream.read(n)
        if not chunk:
            raise SourceError("reading from git: the stream ended early")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def rev_parse(cwd: Path, rev: str) -> str:
    """The full commit id of `rev`, or a SourceError saying why not."""
    return _git(cwd, "rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}").strip()


def _git(cwd: Path, *args: str) -> str:
    return _git_bytes(cwd, *args).decode("utf-8", "surrogateescape")


def _git_bytes(cwd: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError as e:
        raise SourceError("git is not installed or not on PATH") from e
    if done.returncode != 0:
        err = done.stderr.decode(errors="replace").strip() or f"exit {done.returncode}"
        if args[:1] == ("rev-parse",) and "--verify" in args:
            err = f"unknown revision {args[-1].removesuffix('^{commit}')!r}" + (
                f" ({err})" if err and not err.startswith("exit") else ""
            )
        raise SourceError(f"git {args[0]}: {err}")
    return done.stdout


def head_commit(cwd: Path) -> str | None:
    """HEAD's commit when `cwd` is in a git repository that has one, else None."""
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", "HEAD"], cwd=cwd, capture_output=True
    )
    return done.stdout.decode().strip() or None if done.returncode == 0 else None
