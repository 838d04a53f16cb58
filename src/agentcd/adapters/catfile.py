"""One `git cat-file --batch` process: blob requests written ahead, answers read in order.

Keeping requests in flight lets git inflate the next blobs while the caller parses the last
ones, instead of one round trip per file. The caller bounds the requests in flight (`WINDOW`):
their bytes then stay far below any pipe buffer, so writing a request never blocks, even
while git waits for its answers to be read.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import IO

from agentcd.adapters.git import start_git
from agentcd.errors import SourceError

WINDOW = 64  # requests in flight: 64 x 41 bytes, below the smallest pipe buffer (4 KiB)


class CatFile:
    """Blob contents by object id, answered in the order they were requested."""

    def __init__(self, cwd: Path) -> None:
        self._proc = start_git(cwd, "cat-file", "--batch")
        self._in_flight: deque[str] = deque()

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    def request(self, oids: list[str]) -> None:
        if not oids:
            return
        assert self._proc.stdin is not None
        self._proc.stdin.write("".join(oid + "\n" for oid in oids).encode())
        self._proc.stdin.flush()
        self._in_flight.extend(oids)

    def receive(self) -> bytes:
        """The contents of the oldest request."""
        assert self._proc.stdout is not None
        oid = self._in_flight.popleft()
        header = self._proc.stdout.readline().split()
        if len(header) != 3:
            self._proc.kill()  # answers may still be queued: this process is unusable
            answer = b" ".join(header).decode(errors="replace") or "nothing"
            raise SourceError(f"git cat-file answered {answer!r} for {oid}")
        return _read_exact(self._proc.stdout, int(header[2]) + 1)[:-1]

    def close(self) -> None:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.close()
        self._proc.stdout.read()  # unread answers would keep git from exiting
        self._proc.stdout.close()
        self._proc.wait()


def _read_exact(stream: IO[bytes], n: int) -> bytes:
    chunks = []
    while n > 0:
        chunk = stream.read(n)
        if not chunk:
            raise SourceError("reading from git: the stream ended early")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)
