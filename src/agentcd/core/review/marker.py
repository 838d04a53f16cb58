"""The hidden marker that names a sticky comment, and the hosts' comment size limits.

A marker is the first line of every comment agentcd owns:
`<!-- agentcd:plan {"v":1,"pr":42,"head":"9f3c2e1...","run":812} -->`. It carries the
comment's identity (kind, change number, optional environment) and what the comment was
written for (head SHA, run order). No I/O.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

MARKER_VERSION = 1
GITHUB_COMMENT_LIMIT = 65_536
"""GitHub rejects longer issue-comment bodies with HTTP 422 ("Body is too long")."""
GITLAB_NOTE_LIMIT = 1_000_000
"""GitLab's notes API limits a note body to 1,000,000 characters."""
COMMENT_CAP = 60_000
"""Our own cap on a whole comment (marker included), well below both hosts' limits."""

_KIND = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
_ENV = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_SHA = re.compile(r"^[0-9a-f]{7,64}$")
_LINE = re.compile(r"^<!-- agentcd:([a-z][a-z0-9-]*) (\{[^<>]*\}) -->$")


@dataclass(frozen=True, slots=True)
class Marker:
    """A sticky comment's identity (kind, change, env) and what it describes (head, run).

    `run` orders writers: a number that grows with every CI run of the repository (GitHub's
    run id, GitLab's pipeline id), so a late, stale run can tell that a newer one wrote.
    """

    kind: str
    change: int
    head: str
    run: int = 0
    env: str | None = None

    def __post_init__(self) -> None:
        if not _KIND.match(self.kind):
            raise ValueError(f"marker kind {self.kind!r}: lowercase letters, digits and '-'")
        if self.env is not None and not _ENV.match(self.env):
            raise ValueError(f"marker environment {self.env!r}: letters, digits, '.', '_', '-'")
        if not _SHA.match(self.head):
            raise ValueError(f"marker head {self.head!r}: a lowercase hex commit SHA")
        if self.change < 1 or self.run < 0:
            raise ValueError("marker change number must be positive and run not negative")

    def render(self) -> str:
        """The one-line HTML comment; compact JSON with a fixed key order."""
        fields: dict[str, object] = {"v": MARKER_VERSION, "pr": self.change}
        if self.env is not None:
            fields["env"] = self.env
        fields |= {"head": self.head, "run": self.run}
        return f"<!-- agentcd:{self.kind} {json.dumps(fields, separators=(',', ':'))} -->"

    def same_slot(self, other: Marker) -> bool:
        """Both name the same sticky comment (kind, change and environment)."""
        return (self.kind, self.change, self.env) == (other.kind, other.change, other.env)

    def same_content_key(self, other: Marker) -> bool:
        """Equal but for `run`: a rewrite would change nothing a reader sees."""
        return replace(self, run=0) == replace(other, run=0)


def parse_marker(text: str) -> Marker | None:
    """The marker on the first line of a comment body, or None (absent, foreign or malformed)."""
    first = text.split("\n", 1)[0].rstrip("\r")
    match = _LINE.match(first)
    if match is None:
        return None
    try:
        fields = json.loads(match.group(2))
        if not isinstance(fields, dict) or fields.get("v") != MARKER_VERSION:
            return None
        return Marker(
            kind=match.group(1),
            change=_int(fields["pr"]),
            head=str(fields["head"]),
            run=_int(fields.get("run", 0)),
            env=None if fields.get("env") is None else str(fields["env"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


def with_marker(marker: Marker, body: str) -> str:
    """The full comment: the marker line, then the body."""
    return f"{marker.render()}\n{body}"


def body_after_marker(text: str) -> str:
    """A comment's text without its first (marker) line."""
    return text.split("\n", 1)[1] if "\n" in text else ""


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("not an integer")
    return value
