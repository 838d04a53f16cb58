"""Policy findings of a change: what it touches is checked, what it leaves alone is not."""

from __future__ import annotations

from agentcd.core.review.findings import base_findings, change_findings
from agentcd.core.review.plan import changed_agents
from tests.render.plan_scenarios import edited, example_files, snapshot

TRIAGE = "agents/support-triage/agent.yaml"
TRIAGE_TEXT = "agents/support-triage/instructions.md"
FAQ = "agents/faq-bot/agent.yaml"
KEY = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789AB"


def findings(base_files, head_files):  # type: ignore[no-untyped-def]
    base, head = snapshot(base_files, "a" * 40), snapshot(head_files, "b" * 40)
    changed = changed_agents(base, head)
    found = change_findings(head.workspace, base.workspace, changed)
    return found, base_findings(base.workspace, changed, found)


def rules(found) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(f.rule.value, f.file) for f in found}


def test_agents_the_change_leaves_alone_are_not_checked() -> None:
    base = edited(example_files(), {FAQ: [("owners: [team-support]", "owners: []")]})
    head = edited(base, {TRIAGE: [("temperature: 0.2", "temperature: 0.3")]})
    found, _ = findings(base, head)
    assert ("AC105", FAQ) not in rules(found)  # faq-bot has no owner, but is unchanged
    assert not [f for f in found if f.file.startswith("agents/faq-bot/")]


def test_secrets_only_in_texts_the_change_modified() -> None:
    secret = f"\nUse the key {KEY} for the CRM.\n"
    base = edited(example_files(), {TRIAGE_TEXT: [("", secret)]})
    unchanged_text = edited(base, {TRIAGE: [("temperature: 0.2", "temperature: 0.3")]})
    assert ("AC102", TRIAGE_TEXT) not in rules(findings(base, unchanged_text)[0])
    modified_text = edited(example_files(), {TRIAGE_TEXT: [("", secret)]})
    found, old = findings(example_files(), modified_text)
    assert ("AC102", TRIAGE_TEXT) in rules(found)
    assert ("AC102", TRIAGE_TEXT) not in rules(old)  # so it is marked new


def test_a_secret_already_on_the_base_is_old() -> None:
    base = edited(example_files(), {TRIAGE_TEXT: [("", f"\nkey {KEY}\n")]})
    head = edited(base, {TRIAGE_TEXT: [("Keep answers short", "Keep answers brief")]})
    found, old = findings(base, head)
    assert ("AC102", TRIAGE_TEXT) in rules(found) and ("AC102", TRIAGE_TEXT) in rules(old)


def test_an_unused_binding_is_one_no_agent_uses() -> None:
    project = "agentcd.yaml"
    head = edited(
        example_files(),
        {
            TRIAGE: [("temperature: 0.2", "temperature: 0.3")],
            project: [("policies_kb: kb-dev", "policies_kb: kb-dev\n      spare: x")],
        },
    )
    fields = {f.field for f in findings(example_files(), head)[0] if f.rule.value == "AC108"}
    # crm_mcp is used only by refund-bot (unchanged): not reported as unused
    assert fields == {"environments[0].bindings.spare"}
