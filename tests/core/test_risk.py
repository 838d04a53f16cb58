"""Risk rules on their own: the approval strictness order and knowledge version pinning."""

from __future__ import annotations

from typing import Any

import pytest

from agentcd.core.diff.risk import ABSENT, Risk, assess, highest

APPROVAL = ("tools", "issue_refund", "approval")


@pytest.mark.parametrize(
    ("before", "after", "risk", "word"),
    [
        ("always", ABSENT, Risk.HIGH, "loosened"),
        ("always", "never", Risk.HIGH, "loosened"),
        (ABSENT, "never", Risk.HIGH, "loosened"),
        ("never", ABSENT, Risk.MEDIUM, "tightened"),
        ("never", "always", Risk.MEDIUM, "tightened"),
        (ABSENT, "always", Risk.MEDIUM, "tightened"),
    ],
)
def test_approval_strictness_always_over_unset_over_never(
    before: Any, after: Any, risk: Risk, word: str
) -> None:
    got, reason = assess(APPROVAL, before, after)
    assert got is risk
    assert reason.startswith(f"approval {word}")


@pytest.mark.parametrize(
    ("before", "after", "risk", "reason"),
    [
        ("2026-10-01", "2026-11-01", Risk.MEDIUM, "knowledge version changed"),
        ("2026-10-01", "latest", Risk.HIGH, "knowledge version unpinned"),
        ("2026-10-01", "LATEST", Risk.HIGH, "knowledge version unpinned"),
        ("2026-10-01", ABSENT, Risk.HIGH, "knowledge version unpinned"),
        ("v3", "", Risk.HIGH, "knowledge version unpinned"),
        (ABSENT, "2026-10-01", Risk.MEDIUM, "knowledge version pinned"),
        ("latest", "2026-10-01", Risk.MEDIUM, "knowledge version pinned"),
        ("latest", "current", Risk.MEDIUM, "knowledge version changed"),
    ],
)
def test_knowledge_version_pinning(before: Any, after: Any, risk: Risk, reason: str) -> None:
    assert assess(("knowledge", "policies", "version"), before, after) == (risk, reason)


@pytest.mark.parametrize(
    ("keys", "before", "after", "risk"),
    [
        (("tools",), [], ABSENT, Risk.HIGH),
        (("guardrails",), [], {"x": 1}, Risk.HIGH),
        (("canonical_version",), 1, 2, Risk.MEDIUM),
        ((), {}, [], Risk.MEDIUM),
        (("tools", "t", "side_effects"), ABSENT, True, Risk.HIGH),
        (("tools", "t"), ABSENT, {"side_effects": "yes"}, Risk.MEDIUM),
        (("model", "parameters"), {}, ABSENT, Risk.MEDIUM),
        (("metadata", "name"), "a", "b", Risk.MEDIUM),
    ],
)
def test_odd_shapes_still_get_a_risk(
    keys: tuple[str, ...], before: Any, after: Any, risk: Risk
) -> None:
    assert assess(keys, before, after)[0] is risk


def test_highest() -> None:
    assert highest([Risk.LOW, Risk.HIGH, Risk.MEDIUM]) is Risk.HIGH
    assert highest([Risk.LOW]) is Risk.LOW
    assert highest([]) is None
