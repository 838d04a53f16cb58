"""`core.load` on real files: what a loaded project holds, and every refusal's exact message."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentcd.adapters.source import WorkTree
from agentcd.core.definition.canonical import CANONICAL_VERSION, normalize_text
from agentcd.core.definition.load import load_workspace
from agentcd.errors import DefinitionError
from tests.core.refusal_cases import EXAMPLE, REFUSALS, Refusal, copy_example, symlink, write


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_example(tmp_path / "project")


@pytest.mark.parametrize("case", REFUSALS, ids=lambda c: c.id)
def test_load_refuses_with_an_exact_message(case: Refusal, project: Path) -> None:
    case.edit(project)
    with pytest.raises(DefinitionError) as e:
        load_workspace(WorkTree(project))
    assert str(e.value) == case.message.format(root=project)


def test_the_example_loads_every_agent_sorted_by_name(project: Path) -> None:
    ws = load_workspace(WorkTree(project))
    assert [a.name for a in ws.agents] == ["faq-bot", "refund-bot", "support-triage"]
    assert [a.path for a in ws.agents] == [
        "agents/faq-bot/agent.yaml",
        "agents/refund-bot/agent.yaml",
        "agents/support-triage/agent.yaml",
    ]
    assert [e.name for e in ws.project.environments] == ["dev", "test", "prod"]
    assert (ws.label, ws.commit) == ("working tree", None)


def test_the_artifact_inlines_every_referenced_file(project: Path) -> None:
    triage = load_workspace(WorkTree(project)).agent("support-triage")
    assert triage is not None
    art = triage.artifact
    folder = EXAMPLE / "agents" / "support-triage"
    assert art["canonical_version"] == CANONICAL_VERSION
    assert art["instructions"] == (folder / "instructions.md").read_text(encoding="utf-8")
    assert art["tools"][0]["spec"] == (folder / "tools" / "orders.yaml").read_text(encoding="utf-8")
    assert [s["name"] for s in art["skills"]] == ["escalation", "refund-policy"]
    skill_md = (folder / "skills" / "escalation" / "SKILL.md").read_text(encoding="utf-8")
    assert art["skills"][0]["files"] == {"SKILL.md": skill_md}
    assert "evals" not in art
    assert [s.path for s in triage.suites] == ["agents/support-triage/evals/triage.yaml"]
    assert triage.suites[0].digest.startswith("sha256:")


def test_inline_instructions_are_normalized(project: Path) -> None:
    faq = load_workspace(WorkTree(project)).agent("faq-bot")
    assert faq is not None
    assert faq.artifact["instructions"] == (
        "Answer questions about shipping times, returns and opening hours from the policies\n"
        "knowledge base. If the answer is not there, say so and offer to open a ticket.\n"
    )


def test_binary_skill_files_are_kept_as_base64(project: Path) -> None:
    write("agents/refund-bot/skills/refund-policy/table.bin", b"\x00\x01\xff")(project)
    refund = load_workspace(WorkTree(project)).agent("refund-bot")
    assert refund is not None
    assert refund.artifact["skills"][0]["files"]["table.bin"] == {"base64": "AAH/"}


def test_symlinks_inside_the_project_are_followed(project: Path) -> None:
    before = load_workspace(WorkTree(project)).agent("support-triage")
    folder = project / "agents" / "support-triage"
    os.rename(folder / "instructions.md", project / "shared-instructions.md")
    symlink("agents/support-triage/instructions.md", "../../shared-instructions.md")(project)
    os.rename(folder / "skills", project / "skills")
    symlink("agents/support-triage/skills", "../../skills")(project)
    after = load_workspace(WorkTree(project)).agent("support-triage")
    assert before is not None and after is not None
    assert after.digest == before.digest


def test_a_symlinked_agent_file_matched_by_a_glob_is_loaded_once(project: Path) -> None:
    before = load_workspace(WorkTree(project)).agent("faq-bot")
    folder = project / "agents" / "faq-bot"
    (folder / "agent.yaml").rename(folder / "definition.yaml")
    symlink("agents/faq-bot/agent.yaml", "definition.yaml")(project)
    text = (project / "agentcd.yaml").read_text(encoding="utf-8")
    text = text.replace(
        '"agents/*/agent.yaml"', '"agents/*/agent.yaml", "agents/*/definition.yaml"'
    )
    (project / "agentcd.yaml").write_text(text, encoding="utf-8")
    ws = load_workspace(WorkTree(project))
    faq = ws.agent("faq-bot")
    assert [a.name for a in ws.agents] == ["faq-bot", "refund-bot", "support-triage"]
    assert before is not None and faq is not None
    assert (faq.path, faq.digest) == ("agents/faq-bot/definition.yaml", before.digest)


def test_the_same_file_matched_by_two_globs_is_loaded_once(project: Path) -> None:
    text = (project / "agentcd.yaml").read_text(encoding="utf-8")
    text = text.replace(
        'agents: ["agents/*/agent.yaml"]',
        'agents: ["agents/*/agent.yaml", "agents/faq-bot/*.yaml"]',
    )
    (project / "agentcd.yaml").write_text(text, encoding="utf-8")
    ws = load_workspace(WorkTree(project))
    assert [a.name for a in ws.agents] == ["faq-bot", "refund-bot", "support-triage"]


def test_crlf_and_bom_in_every_file_change_no_digest(project: Path) -> None:
    before = {a.name: a.digest for a in load_workspace(WorkTree(project)).agents}
    for path in project.rglob("*"):
        if path.is_file():
            data = path.read_bytes().replace(b"\n", b"\r\n")
            path.write_bytes(b"\xef\xbb\xbf" + data + b"\r\n\r\n")
    after = {a.name: a.digest for a in load_workspace(WorkTree(project)).agents}
    assert after == before


def test_normalize_text_is_what_files_become(project: Path) -> None:
    raw = (project / "agents/support-triage/instructions.md").read_text(encoding="utf-8")
    assert normalize_text(raw + "\n\n\n") == raw
