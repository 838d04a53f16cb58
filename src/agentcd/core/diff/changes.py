"""Semantic diff of canonical artifacts: change records in definition terms, with risk. No I/O.

deepdiff finds where two artifacts differ; this module decides the granularity (a name-keyed
item added is one record, a list is compared whole, a skill file is one value), reads the
values on both sides, and rates each change with `core.risk`. The change list is empty
exactly when the two artifacts' digests are equal.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from deepdiff import DeepDiff

from agentcd.core.definition.canonical import SET_KEYS, canonical_bytes, canonicalize
from agentcd.core.diff.environments import EnvironmentComparison
from agentcd.core.diff.risk import ABSENT, Keys, Risk, assess, highest

# Collections compared by key, never by index: the key each item is addressed by.
KEYED = {**SET_KEYS, "subagents": "ref"}
TEXT_PATHS = (("instructions",), ("skills", "*", "files", "*"), ("tools", "*", "spec"))
PRUNE_DEPTH = 4  # down to a skill's files: equal subtrees above this are never walked
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


class AgentStatus(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class TextDiff:
    """A unified diff (hunks only, 3 lines of context) of a text value."""

    unified: str
    added: int
    removed: int


@dataclass(frozen=True, slots=True)
class Change:
    """One semantic change. `before` is None when added, `after` is None when removed."""

    kind: ChangeKind
    path: str
    keys: Keys
    before: Any
    after: Any
    risk: Risk
    reason: str
    text_diff: TextDiff | None = None


class Comparable(Protocol):
    """What comparison needs of an agent: `LoadedAgent` and `Bundle` both fit."""

    @property
    def name(self) -> str: ...

    @property
    def digest(self) -> str: ...

    @property
    def artifact(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class AgentDiff:
    """One agent across the two sides; `risk` is the highest of its changes (None: unchanged)."""

    name: str
    status: AgentStatus
    base_digest: str | None
    head_digest: str | None
    risk: Risk | None = None
    reason: str = ""
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a comparison as people name it: 'revision main', 'working tree', a bundle."""

    label: str
    commit: str | None


@dataclass(frozen=True, slots=True)
class DiffReport:
    """The view model every diff renderer takes: both sides and each agent's comparison, and
    for two environments their bindings and live state, kept apart from the artifacts."""

    base: Side
    head: Side
    agents: tuple[AgentDiff, ...]
    environments: EnvironmentComparison | None = None

    @property
    def differs(self) -> bool:
        return any(a.status is not AgentStatus.UNCHANGED for a in self.agents)

    @property
    def risk(self) -> Risk | None:
        return highest([a.risk for a in self.agents if a.risk is not None])

    def with_status(self, status: AgentStatus) -> tuple[AgentDiff, ...]:
        return tuple(a for a in self.agents if a.status is status)


def diff_artifacts(base: Mapping[str, Any], head: Mapping[str, Any]) -> tuple[Change, ...]:
    """Every semantic change from `base` to `head`, highest risk first, then by path."""
    old, new = _keyed(canonicalize(dict(base))), _keyed(canonicalize(dict(head)))
    found = DeepDiff(*_differing(old, new, PRUNE_DEPTH), view="tree", threshold_to_diff_deeper=0)
    paths = _collapse(
        _granular(tuple(level.path(output_format="list")))
        for levels in found.values()
        for level in levels
    )
    changes = (_change(keys, _lookup(old, keys), _lookup(new, keys)) for keys in paths)
    return tuple(sorted(changes, key=lambda c: (-c.risk.rank, c.path)))


def compare_workspaces(
    base_agents: Iterable[Comparable], head_agents: Iterable[Comparable]
) -> tuple[AgentDiff, ...]:
    """Per agent, by name: added, removed, changed or unchanged (equal digests: not diffed)."""
    base = {a.name: a for a in base_agents}
    head = {a.name: a for a in head_agents}
    return tuple(_compare_one(name, base.get(name), head.get(name)) for name in sorted(base | head))


def _compare_one(name: str, old: Comparable | None, new: Comparable | None) -> AgentDiff:
    if old is None and new is not None:
        risk, reason = _new_agent(new.artifact)
        return AgentDiff(name, AgentStatus.ADDED, None, new.digest, risk, reason)
    if new is None and old is not None:
        return AgentDiff(name, AgentStatus.REMOVED, old.digest, None, Risk.MEDIUM, "agent removed")
    assert old is not None and new is not None
    if old.digest == new.digest:
        return AgentDiff(name, AgentStatus.UNCHANGED, old.digest, new.digest)
    changes = diff_artifacts(old.artifact, new.artifact)
    top = changes[0].reason if changes else ""
    worst = highest([c.risk for c in changes])
    return AgentDiff(name, AgentStatus.CHANGED, old.digest, new.digest, worst, top, changes)


def _new_agent(artifact: Mapping[str, Any]) -> tuple[Risk, str]:
    """A new agent is as risky as what it can do: act on the world, or hand work on."""
    acting = [
        str(t.get("name")) for t in artifact.get("tools", []) if t.get("side_effects") is True
    ]
    if acting:
        return Risk.HIGH, f"new agent with side-effect tools ({', '.join(acting)})"
    if artifact.get("subagents"):
        return Risk.HIGH, "new agent with subagents"
    return Risk.MEDIUM, "new agent"


def _differing(old: Any, new: Any, depth: int) -> tuple[Any, Any]:
    """Both trees without the subtrees whose canonical bytes are equal: deepdiff walks every
    node it is given, and most of two versions of an agent is the same."""
    if depth == 0 or not (isinstance(old, dict) and isinstance(new, dict)):
        return old, new
    kept_old: dict[str, Any] = {}
    kept_new: dict[str, Any] = {}
    for key in sorted(old.keys() | new.keys()):
        if key in old and key in new:
            if canonical_bytes(old[key]) != canonical_bytes(new[key]):
                kept_old[key], kept_new[key] = _differing(old[key], new[key], depth - 1)
            continue
        if key in old:
            kept_old[key] = old[key]
        if key in new:
            kept_new[key] = new[key]
    return kept_old, kept_new


def _keyed(artifact: Mapping[str, Any]) -> dict[str, Any]:
    """Name-keyed lists as mappings, so items are matched by key, never by position."""
    out = dict(artifact)
    for field, key in KEYED.items():
        items = out.get(field)
        if isinstance(items, list) and all(isinstance(i, dict) and key in i for i in items):
            out[field] = _by_key(items, key)
    return out


def _by_key(items: Sequence[dict[str, Any]], key: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        name = str(item[key])
        while name in out:  # duplicates never pass validation; keep them visible anyway
            name += "#"
        out[name] = item
    return out


def _granular(path: tuple[Any, ...]) -> Keys:
    """The path a change is reported at: a list whole, a skill file as one value."""
    keys: list[str] = []
    for part in path:
        if not isinstance(part, str):
            break  # a list index: the list is one value
        keys.append(part)
    if len(keys) > 4 and keys[0] == "skills" and keys[2] == "files":
        del keys[4:]
    return tuple(keys)


def _collapse(paths: Iterable[Keys]) -> list[Keys]:
    """Distinct paths, dropping any that lies inside another reported path."""
    unique = sorted(set(paths))
    kept: list[Keys] = []
    for keys in unique:
        if not kept or keys[: len(kept[-1])] != kept[-1]:
            kept.append(keys)
    return kept


def _lookup(tree: Any, keys: Keys) -> Any:
    node = tree
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return ABSENT
        node = node[key]
    return node


def _change(keys: Keys, before: Any, after: Any) -> Change:
    kind = (
        ChangeKind.ADDED
        if before is ABSENT
        else ChangeKind.REMOVED
        if after is ABSENT
        else ChangeKind.CHANGED
    )
    risk, reason = assess(keys, before, after)
    return Change(
        kind=kind,
        path=format_path(keys),
        keys=keys,
        before=None if before is ABSENT else _plain(before),
        after=None if after is ABSENT else _plain(after),
        risk=risk,
        reason=reason,
        text_diff=_text_diff(keys, before, after),
    )


def _plain(value: Any) -> Any:
    """A copy with mapping keys sorted, so values read the same whatever their source."""
    if isinstance(value, dict):
        return {k: _plain(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def format_path(keys: Keys) -> str:
    """`("tools", "issue_refund", "approval")` -> `tools[issue_refund].approval`."""
    out = ""
    for i, key in enumerate(keys):
        by_name = (i == 1 and keys[0] in KEYED) or (i == 3 and keys[:3:2] == ("skills", "files"))
        if by_name or not _PLAIN_KEY.match(key):
            out += f"[{key}]"
        else:
            out += f".{key}" if out else key
    return out or "(artifact)"


def _text_diff(keys: Keys, before: Any, after: Any) -> TextDiff | None:
    texts = [("" if v is ABSENT else v) for v in (before, after)]
    if not any(_matches(keys, p) for p in TEXT_PATHS) or not all(isinstance(t, str) for t in texts):
        return None
    return unified_diff(texts[0], texts[1])


def _matches(keys: Keys, pattern: tuple[str, ...]) -> bool:
    return len(keys) == len(pattern) and all(
        p in ("*", k) for k, p in zip(keys, pattern, strict=True)
    )


def unified_diff(before: str, after: str) -> TextDiff:
    """Hunks of a unified diff (no file header lines) with the added and removed line counts."""
    lines = list(difflib.unified_diff(_lines(before), _lines(after), n=3, lineterm=""))[2:]
    added = sum(1 for line in lines if line.startswith("+"))
    removed = sum(1 for line in lines if line.startswith("-"))
    return TextDiff(unified="".join(f"{line}\n" for line in lines), added=added, removed=removed)


def _lines(text: str) -> list[str]:
    return text.removesuffix("\n").split("\n") if text else []
