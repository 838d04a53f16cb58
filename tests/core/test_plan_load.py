"""Loading a side for the plan: broken agents are listed, the others still load."""

from __future__ import annotations

import pytest

from agentcd.core.review.snapshot import load_snapshot
from agentcd.errors import DefinitionError
from tests.render.plan_scenarios import SnapshotTree, edited, example_files

REFUND = "agents/refund-bot/agent.yaml"
TRIAGE = "agents/support-triage/agent.yaml"


def load(files: dict[str, bytes]):  # type: ignore[no-untyped-def]
    return load_snapshot(SnapshotTree(files, commit="a" * 40, label="revision x"))


def test_a_valid_project_has_no_invalid_agents() -> None:
    snap = load(example_files())
    assert [a.name for a in snap.workspace.agents] == ["faq-bot", "refund-bot", "support-triage"]
    assert snap.invalid == () and snap.workspace.commit == "a" * 40


@pytest.mark.parametrize(
    ("edits", "invalid", "message", "kept"),
    [
        (
            {REFUND: [("kind: Agent", "kind: Agnet")]},
            {"refund-bot": REFUND},
            "kind",
            ["faq-bot", "support-triage"],  # triage hands off to the broken refund-bot: kept
        ),
        (
            {"agents/copy/agent.yaml": [("", example_files()[REFUND].decode())]},
            {"refund-bot": "agents/refund-bot/agent.yaml"},
            "is also the name of agents/copy/agent.yaml",
            ["faq-bot", "refund-bot", "support-triage"],  # the first one found keeps the name
        ),
        (
            {TRIAGE: [("ref: refund-bot", "ref: nobody")]},
            {"support-triage": TRIAGE},
            "no agent 'nobody'",
            ["faq-bot", "refund-bot"],
        ),
    ],
)
def test_broken_agents_are_listed(
    edits: dict[str, list[tuple[str, str]]], invalid: dict[str, str], message: str, kept: list[str]
) -> None:
    files = edited(example_files(), edits)
    if "agents/copy/agent.yaml" in edits:
        files["agents/copy/skills/refund-policy/SKILL.md"] = files[
            "agents/refund-bot/skills/refund-policy/SKILL.md"
        ]
        files["agents/copy/evals/refunds.yaml"] = files["agents/refund-bot/evals/refunds.yaml"]
    snap = load(files)
    assert {i.name: i.path for i in snap.invalid} == invalid
    assert message in snap.invalid[0].error
    assert [a.name for a in snap.workspace.agents] == kept


def test_a_broken_project_file_is_still_an_error() -> None:
    files = edited(example_files(), {"agentcd.yaml": [("kind: Project", "kind: Projekt")]})
    with pytest.raises(DefinitionError) as raised:
        load(files)
    assert raised.value.path == "agentcd.yaml"
