"""Risk rules: how much a reviewer should worry about one change to an agent's artifact. No I/O.

A change is given by its path in the keyed artifact (name-keyed collections addressed by
name) and the values before and after (`ABSENT` where the field or item does not exist).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum, StrEnum
from typing import Any


class Risk(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return {Risk.HIGH: 3, Risk.MEDIUM: 2, Risk.LOW: 1}[self]


class Absent(Enum):
    """The other side of an addition or a removal."""

    ABSENT = "absent"


ABSENT = Absent.ABSENT
Keys = tuple[str, ...]
Verdict = tuple[Risk, str]

# Knowledge versions that name no snapshot: the source can change under the agent.
FLOATING_VERSIONS = frozenset({"", "*", "latest", "current", "head", "main", "master", "live"})
_COLLECTIONS = frozenset({"tools", "knowledge", "guardrails", "subagents", "skills"})
_APPROVAL_STRICTNESS = {"always": 2, None: 1, "never": 0}


def assess(keys: Keys, before: Any, after: Any) -> Verdict:
    """The risk of one change and a short reason a person can read."""
    if not keys:
        return Risk.MEDIUM, "artifact changed"
    if len(keys) == 1 and keys[0] in _COLLECTIONS:
        # Canonical artifacts always hold every collection; a whole one going is suspect.
        return Risk.HIGH, f"{keys[0]} {_verb(before, after)} as a whole"
    rule = _RULES.get(keys[0], _other)
    return rule(keys[1:], before, after)


def highest(risks: list[Risk]) -> Risk | None:
    return max(risks, key=lambda r: r.rank) if risks else None


def _verb(before: Any, after: Any) -> str:
    return "added" if before is ABSENT else "removed" if after is ABSENT else "changed"


def _tools(rest: Keys, before: Any, after: Any) -> Verdict:
    if len(rest) == 1:
        return _tool_presence(before, after)
    field = rest[1]
    if field == "side_effects":
        return _side_effects(before, after)
    if field == "approval":
        return _approval(before, after)
    if field == "description":
        return Risk.LOW, f"tool description {_verb(before, after)}"
    return Risk.MEDIUM, f"tool {field} {_verb(before, after)}"


def _tool_presence(before: Any, after: Any) -> Verdict:
    if after is ABSENT:
        return Risk.MEDIUM, "tool removed"
    tool = after if isinstance(after, Mapping) else {}
    if tool.get("side_effects") is True:
        approval = tool.get("approval")
        shown = f"approval: {approval}" if approval is not None else "approval unset"
        return Risk.HIGH, f"tool with side effects added ({shown})"
    return Risk.MEDIUM, "tool added without side effects"


def _side_effects(before: Any, after: Any) -> Verdict:
    if after is True and before is not True:
        return Risk.HIGH, "side effects turned on"
    return Risk.MEDIUM, "side effects declaration changed"


def _approval(before: Any, after: Any) -> Verdict:
    old, new = (None if v is ABSENT else v for v in (before, after))
    old_rank, new_rank = (_strictness(v) for v in (old, new))
    shown = f"{old or 'unset'} → {new or 'unset'}"
    if new_rank < old_rank:
        return Risk.HIGH, f"approval loosened ({shown})"
    if new_rank > old_rank:
        return Risk.MEDIUM, f"approval tightened ({shown})"
    return Risk.MEDIUM, f"approval changed ({shown})"


def _strictness(approval: Any) -> int:
    return _APPROVAL_STRICTNESS.get(approval, 1) if isinstance(approval, str) else 1


def _model(rest: Keys, before: Any, after: Any) -> Verdict:
    field = rest[0] if rest else ""
    if field == "id":
        return Risk.HIGH, "model pin changed"
    if field == "provider":
        return Risk.HIGH, "model provider changed"
    if field == "overrides":
        return Risk.HIGH, f"per-platform model pin {_verb(before, after)}"
    if field == "parameters":
        return Risk.MEDIUM, f"model parameter {_verb(before, after)}"
    return Risk.HIGH, "model changed"


def _knowledge(rest: Keys, before: Any, after: Any) -> Verdict:
    if len(rest) == 1:
        if after is ABSENT:
            return Risk.HIGH, "knowledge source removed"
        return Risk.MEDIUM, "knowledge source added"
    if rest[1] == "version":
        return _knowledge_version(before, after)
    if rest[1] == "description":
        return Risk.LOW, f"knowledge description {_verb(before, after)}"
    return Risk.MEDIUM, f"knowledge {rest[1]} {_verb(before, after)}"


def _knowledge_version(before: Any, after: Any) -> Verdict:
    was, now = _pinned(before), _pinned(after)
    if was and not now:
        return Risk.HIGH, "knowledge version unpinned"
    if now and not was:
        return Risk.MEDIUM, "knowledge version pinned"
    return Risk.MEDIUM, "knowledge version changed"


def _pinned(version: Any) -> bool:
    return isinstance(version, str) and version.strip().lower() not in FLOATING_VERSIONS


def _guardrails(rest: Keys, before: Any, after: Any) -> Verdict:
    if len(rest) == 1:
        return (
            (Risk.HIGH, "guardrail removed")
            if after is ABSENT
            else (Risk.MEDIUM, "guardrail added")
        )
    if rest[1] == "description":
        return Risk.LOW, f"guardrail description {_verb(before, after)}"
    return Risk.MEDIUM, "guardrail changed"


def _subagents(rest: Keys, before: Any, after: Any) -> Verdict:
    if len(rest) == 1:
        return (
            (Risk.HIGH, "subagent added") if before is ABSENT else (Risk.MEDIUM, "subagent removed")
        )
    if rest[1] == "description":
        return Risk.LOW, f"subagent description {_verb(before, after)}"
    return Risk.MEDIUM, f"subagent {rest[1]} {_verb(before, after)}"


def _skills(rest: Keys, before: Any, after: Any) -> Verdict:
    if len(rest) >= 3 and rest[1] == "files":
        return Risk.MEDIUM, f"skill file {_verb(before, after)}"
    return Risk.MEDIUM, f"skill {_verb(before, after)}"


def _metadata(rest: Keys, before: Any, after: Any) -> Verdict:
    field = rest[0] if rest else ""
    if field in {"description", "owners", "labels"}:
        return Risk.LOW, f"{field} {_verb(before, after)}"
    return Risk.MEDIUM, f"metadata.{field} {_verb(before, after)}" if field else "metadata changed"


def _other(rest: Keys, before: Any, after: Any) -> Verdict:
    return Risk.MEDIUM, f"definition {_verb(before, after)}"


_RULES: dict[str, Callable[[Keys, Any, Any], Verdict]] = {
    "tools": _tools,
    "model": _model,
    "knowledge": _knowledge,
    "guardrails": _guardrails,
    "subagents": _subagents,
    "skills": _skills,
    "metadata": _metadata,
    "instructions": lambda rest, b, a: (Risk.MEDIUM, "instructions changed"),
    "runtime": lambda rest, b, a: (Risk.MEDIUM, f"runtime {_verb(b, a)}"),
}
