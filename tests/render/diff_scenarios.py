"""Diff reports for the renderer tests, built from small hand-written artifacts.

The artifacts are written out here (not loaded from the example project) so the golden files
change only when the diff or its rendering changes.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from agentcd.core.definition.bundle import Bundle, make_bundle
from agentcd.core.deploy.drift import DriftState
from agentcd.core.diff.changes import DiffReport, Side, compare_workspaces
from agentcd.core.diff.environments import EnvironmentSide, LiveNote, compare_environments

COMMIT_A = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"
COMMIT_B = "9f3c2e1d0c9b8a7f6e5d4c3b2a19f8e7d6c5b4a3"

INSTRUCTIONS = """\
# Support triage

You are the first line of support for an online shop. For every ticket:

1. Read the whole message before answering.
2. When a customer asks about delivery, look up the order first.
3. Route the ticket to one of: billing, delivery, technical, refunds.

Keep answers short and friendly.
Never ask for a password or a full card number.
"""


def triage() -> dict[str, Any]:
    return {
        "apiVersion": "agentcd.dev/v1",
        "kind": "Agent",
        "canonical_version": 1,
        "metadata": {
            "name": "support-triage",
            "description": "Routes inbound support tickets.",
            "owners": ["team-support"],
            "labels": {"tier": "customer-facing"},
        },
        "instructions": INSTRUCTIONS,
        "model": {
            "provider": "openai",
            "id": "gpt-4.1-2025-04-14",
            "parameters": {"temperature": 0.2, "max_output_tokens": 800},
            "overrides": {},
        },
        "runtime": {"framework": "openai-agents", "version": "==0.4.2"},
        "skills": [
            {"name": "escalation", "files": {"SKILL.md": "---\nname: escalation\n---\nEscalate.\n"}}
        ],
        "tools": [
            {
                "name": "lookup_order",
                "type": "function",
                "description": "Look up an order.",
                "input_schema": {"type": "object", "properties": {"order": {"type": "string"}}},
                "side_effects": False,
            }
        ],
        "knowledge": [
            {
                "name": "policies",
                "type": "vector_store",
                "binding": "policies_kb",
                "version": "2026-10-01",
            }
        ],
        "subagents": [],
        "guardrails": [],
    }


def refund_bot() -> dict[str, Any]:
    return {
        "apiVersion": "agentcd.dev/v1",
        "kind": "Agent",
        "canonical_version": 1,
        "metadata": {
            "name": "refund-bot",
            "description": "Issues refunds.",
            "owners": [],
            "labels": {},
        },
        "instructions": "Handle refund requests within policy.\n",
        "model": {
            "provider": "openai",
            "id": "gpt-4.1-mini-2025-04-14",
            "parameters": {},
            "overrides": {},
        },
        "runtime": {},
        "skills": [],
        "tools": [
            {
                "name": "issue_refund",
                "type": "function",
                "description": "Issue a refund.",
                "side_effects": True,
                "approval": "always",
            }
        ],
        "knowledge": [],
        "subagents": [],
        "guardrails": [],
    }


def faq_bot() -> dict[str, Any]:
    artifact = refund_bot()
    artifact["metadata"] = {
        "name": "faq-bot",
        "description": "Answers FAQs.",
        "owners": [],
        "labels": {},
    }
    artifact["tools"] = []
    artifact["instructions"] = "Answer questions about shipping.\n"
    return artifact


def changed(artifact: dict[str, Any], edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    out = copy.deepcopy(artifact)
    edit(out)
    return out


def bundles(*artifacts: dict[str, Any]) -> list[Bundle]:
    return [
        make_bundle(name=a["metadata"]["name"], artifact=a, commit=None, path="") for a in artifacts
    ]


def report(
    base: list[dict[str, Any]],
    head: list[dict[str, Any]],
    *,
    base_side: Side | None = None,
    head_side: Side | None = None,
) -> DiffReport:
    return DiffReport(
        base=base_side or Side("revision main", COMMIT_A),
        head=head_side or Side("working tree", COMMIT_B),
        agents=compare_workspaces(bundles(*base), bundles(*head)),
    )


def one_agent_changed() -> DiffReport:
    def edit(a: dict[str, Any]) -> None:
        a["instructions"] = INSTRUCTIONS.replace(
            "Keep answers short and friendly.",
            "Keep answers short and friendly; use the customer's name.\n"
            "If the queue is longer than 20 minutes, offer a callback.",
        )
        a["model"]["parameters"]["temperature"] = 0.3

    return report([triage(), faq_bot()], [changed(triage(), edit), faq_bot()])


def high_risk() -> DiffReport:
    def edit(a: dict[str, Any]) -> None:
        a["tools"].append(
            {
                "name": "delete_account",
                "type": "function",
                "description": "Delete the customer's account.",
                "side_effects": True,
                "approval": "never",
            }
        )
        a["model"]["id"] = "gpt-5-2025-08-07"
        a["metadata"]["description"] = "Issues refunds and closes accounts."

    return report([refund_bot()], [changed(refund_bot(), edit)])


def added_and_removed() -> DiffReport:
    old = changed(faq_bot(), lambda a: a["metadata"].update(name="legacy-faq"))
    return report([faq_bot(), old], [faq_bot(), refund_bot()])


HOSTILE_INSTRUCTIONS = "".join(f"Rule {i}: answer politely.\n" for i in range(1, 15))


def hostile() -> DiffReport:
    def before(a: dict[str, Any]) -> None:
        a["instructions"] = HOSTILE_INSTRUCTIONS

    def after(a: dict[str, Any]) -> None:
        a["instructions"] = (
            "<script>alert('x')</script> <!-- hidden -->\n"
            + HOSTILE_INSTRUCTIONS.replace("Rule 7: answer politely.\n", "Rule 7: ping @org/team\n")
            + "```\n</details>\n````js\nclose();\n```\n"
        )
        a["metadata"]["description"] = "<b>bold</b> @octocat *stars* | pipe `tick` [link](x)"
        a["skills"][0]["files"]["<img src=x onerror=alert(1)>.md"] = "@everyone look\n"

    side = Side("revision feat/`x`<b>@org/team", COMMIT_A)
    return report([changed(triage(), before)], [changed(triage(), after)], base_side=side)


def environments() -> DiffReport:
    """prod against test: an artifact change, an agent only in test, bindings, live state."""

    def edit(a: dict[str, Any]) -> None:
        a["instructions"] += "Greet the customer by name when you know it.\n"
        a["model"]["parameters"]["temperature"] = 0.3

    artifacts = report(
        [triage(), faq_bot()],
        [changed(triage(), edit), faq_bot(), refund_bot()],
        base_side=Side("environment prod", COMMIT_A),
        head_side=Side("environment test", None),
    )
    prod_bindings, test_bindings = (
        {
            "support-triage": {
                "orders_api": "https://orders.example.com",
                "policies_kb": "kb-prod",
            },
            "faq-bot": {"policies_kb": "kb-shared"},
        },
        {
            "support-triage": {
                "orders_api": "https://orders.test.example.com/?q=a|b",
                "policies_kb": "kb-test",
                "crm_mcp": "https://crm.test.example.com/mcp",
            },
            "faq-bot": {"policies_kb": "kb-shared"},
            "refund-bot": {"crm_mcp": "https://crm.test.example.com/mcp"},
        },
    )
    prod = EnvironmentSide(
        "prod",
        (
            LiveNote("faq-bot", DriftState.IN_SYNC),
            LiveNote(
                "support-triage", DriftState.DRIFTED, ("changed on the platform: instructions",)
            ),
        ),
    )
    test = EnvironmentSide(
        "test",
        (
            LiveNote("faq-bot", DriftState.IN_SYNC),
            LiveNote("refund-bot", DriftState.UNKNOWN, ("refund-bot.json: permission denied",)),
            LiveNote("support-triage", DriftState.IN_SYNC),
        ),
    )
    comparison = compare_environments(
        prod, test, base_bindings=prod_bindings, head_bindings=test_bindings
    )
    return replace(artifacts, environments=comparison)


SCENARIOS: dict[str, Callable[[], DiffReport]] = {
    "environments": environments,
    "one_agent_changed": one_agent_changed,
    "high_risk": high_risk,
    "added_and_removed": added_and_removed,
    "hostile": hostile,
}
