"""An in-memory `Tree` for core tests: files and symlinks in dicts, no disk, no git."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path


class MemoryTree:
    """A snapshot made of `files` (path -> bytes) and `links` (path -> target as written);
    `ignored` paths are what git would ignore there."""

    def __init__(
        self,
        files: Mapping[str, bytes | str],
        links: Mapping[str, str] | None = None,
        *,
        label: str = "working tree",
        ignored: frozenset[str] = frozenset(),
    ) -> None:
        self.files = {p: d.encode() if isinstance(d, str) else d for p, d in files.items()}
        self.links = dict(links or {})
        self._label = label
        self._ignored = ignored  # paths (files, links or folders) git would ignore

    @classmethod
    def from_folder(cls, root: Path) -> MemoryTree:
        # What a checkout holds: not the state a run leaves, nor Python's byte-code caches.
        skip = {".agentcd", "__pycache__"}
        paths = (p for p in root.rglob("*") if p.is_file() and not skip & set(p.parts))
        return cls({p.relative_to(root).as_posix(): p.read_bytes() for p in paths})

    @property
    def label(self) -> str:
        return self._label

    @property
    def commit(self) -> str | None:
        return None

    def walk(self, folder: str) -> Iterator[str]:
        prefix = folder + "/" if folder else ""
        return (p for p in sorted([*self.files, *self.links]) if p.startswith(prefix))

    def kind(self, path: str) -> str | None:
        if path in self.links:
            return "link"
        if path in self.files:
            return "file"
        prefix = path + "/" if path else ""
        return "dir" if any(p.startswith(prefix) for p in [*self.files, *self.links]) else None

    def link_target(self, path: str) -> str:
        return self.links[path]

    def size(self, path: str) -> int:
        return len(self.files[path])

    def read(self, path: str) -> bytes:
        return self.files[path]

    def ignored(self, path: str) -> bool:
        parts = path.split("/")
        return any("/".join(parts[:i]) in self._ignored for i in range(1, len(parts) + 1))
