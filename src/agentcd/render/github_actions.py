"""GitHub Actions job outputs: the step summary, step outputs, annotations and masks.

Formatting is pure (`format_*`), the writers only append to the files the runner names.
Escaping follows actions/toolkit (packages/core/src/command.ts and file-command.ts).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from agentcd.errors import AgentcdError
from agentcd.render.inert import terminal

MAX_ANNOTATIONS = 10
"""GitHub shows at most 10 annotations of each level per step."""
SUMMARY_LIMIT = 1024 * 1024
"""A step summary over 1 MiB fails to upload."""
_OUTPUT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"


@dataclass(frozen=True, slots=True)
class Annotation:
    """One `::error file=...,line=...::message` line."""

    message: str
    level: Level = Level.ERROR
    file: str | None = None
    line: int | None = None
    end_line: int | None = None
    col: int | None = None
    title: str | None = None


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_annotation(note: Annotation) -> str:
    props = (
        ("file", note.file),
        ("line", note.line),
        ("endLine", note.end_line),
        ("col", note.col),
        ("title", note.title),
    )
    # The toolkit's escaping keeps CR and LF; every other control is shown (`render.inert`).
    joined = ",".join(f"{k}={escape_property(str(v))}" for k, v in props if v is not None)
    line = f"::{note.level.value}{' ' if joined else ''}{joined}::{escape_data(note.message)}"
    return terminal(line)


def format_annotations(notes: Iterable[Annotation]) -> tuple[str, ...]:
    """At most `MAX_ANNOTATIONS` per level; one notice says how many more were left out."""
    kept: list[str] = []
    seen: dict[Level, int] = {}
    for note in notes:
        seen[note.level] = seen.get(note.level, 0) + 1
        if seen[note.level] <= MAX_ANNOTATIONS:
            kept.append(format_annotation(note))
    dropped = sum(max(0, n - MAX_ANNOTATIONS) for n in seen.values())
    if dropped:
        kept.append(f"::notice::{dropped} more findings are listed in the job summary")
    return tuple(kept)


def format_mask(secret: str) -> str:
    """`::add-mask::`, so the runner hides `secret` in every later log line."""
    return f"::add-mask::{escape_data(secret)}"


def format_outputs(outputs: Mapping[str, str], delimiter: str) -> str:
    """`name<<DELIM` blocks, safe for any value (multi-line included)."""
    lines = []
    for name, value in outputs.items():
        if not _OUTPUT_NAME.match(name):
            raise AgentcdError(f"writing step outputs: {name!r} is not a valid output name")
        if delimiter in value or delimiter in name:
            raise AgentcdError(f"writing step outputs: {name}: value contains the delimiter")
        lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    return "".join(lines)


def write_outputs(path: Path, outputs: Mapping[str, str]) -> None:
    """Append outputs to `$GITHUB_OUTPUT` with a random, unguessable delimiter."""
    text = format_outputs(outputs, f"ghadelimiter_{uuid.uuid4()}")
    with path.open("a", encoding="utf-8", newline="\n") as f:
        f.write(text)


def append_summary(path: Path, markdown: str) -> None:
    """Append Markdown to `$GITHUB_STEP_SUMMARY`, refusing to pass the 1 MiB upload limit."""
    size = path.stat().st_size if path.exists() else 0
    added = len(markdown.encode("utf-8")) + 1
    if size + added > SUMMARY_LIMIT:
        raise AgentcdError(
            f"writing the job summary {path.name}: {size + added:,} bytes would pass GitHub's "
            f"limit of {SUMMARY_LIMIT:,} bytes per step"
        )
    with path.open("a", encoding="utf-8", newline="\n") as f:
        f.write(markdown if markdown.endswith("\n") else markdown + "\n")


def fence_commands(text: str) -> str:
    """Wrap untrusted text so a line starting with `::` in it is not a workflow command."""
    token = f"agentcd-{uuid.uuid4().hex}"
    return f"::stop-commands::{token}\n{text.rstrip(chr(10))}\n::{token}::\n"
