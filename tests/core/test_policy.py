"""Policy rules over a loaded workspace: each rule firing and not firing, on the example."""

from __future__ import annotations

import base64
import random
import shutil
import string
from pathlib import Path

import pytest

from agentcd.adapters.source import WorkTree
from agentcd.core.definition.load import load_workspace
from agentcd.core.policy.rules import Finding, Rule, Severity, check_workspace
from tests.conftest import EXAMPLE

TRIAGE = "agents/support-triage/agent.yaml"
REFUND = "agents/refund-bot/agent.yaml"
FAQ = "agents/faq-bot/agent.yaml"
PROJECT = "agentcd.yaml"
E, W = Severity.ERROR, Severity.WARNING


def rand(n: int, seed: int) -> str:
    """Credentials are assembled at run time: no literal token sits in the repository."""
    rng = random.Random(seed)
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))


GITHUB = "gh" + "p_" + rand(36, 1)
SLACK = "xo" + "xb-" + rand(30, 2)
RANDOM = rand(40, 3)
OPENAI = "sk-" + "proj-" + rand(48, 4)
DB_URL = f"postgres://orders:{rand(18, 6)}@db.internal:5432/orders"
SLACK_HOOK = (
    f"https://hooks.slack.com/services/T{rand(8, 7).upper()}/B{rand(8, 8).upper()}/{rand(24, 9)}"
)
BASIC = "Basic " + base64.b64encode(f"svc:{rand(20, 10)}".encode()).decode()
AWS_SECRET = rand(30, 11) + "/" + rand(9, 12)
JWT = ".".join(
    base64.urlsafe_b64encode(part.encode()).decode().rstrip("=")
    for part in ('{"alg":"RS256","typ":"JWT"}', '{"sub":"triage","aud":"crm"}', rand(40, 13))
)

# (file, old text, new text): applied to a copy of examples/support-desk.
Edit = tuple[str, str, str]
NO_STRICT = (PROJECT, ", pinned_models: required}", "}")  # every environment


def load(tmp_path: Path, *edits: Edit) -> tuple[Finding, ...]:
    root = tmp_path / "project"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".agentcd"))
    for file, old, new in edits:
        path = root / file
        text = path.read_text(encoding="utf-8")
        assert text.count(old) >= 1, f"{old!r} not in {file}"
        path.write_text(text.replace(old, new), encoding="utf-8")
    return check_workspace(load_workspace(WorkTree(root)))


def test_the_example_is_clean(tmp_path: Path) -> None:
    assert load(tmp_path) == ()


FIRING: list[tuple[str, list[Edit], tuple[Rule, Severity, str, str, int | None]]] = [
    (
        "floating id, pinned models required",
        [(REFUND, "id: gpt-4.1-mini-2025-04-14", "id: gpt-4.1-mini")],
        (Rule.FLOATING_MODEL, E, REFUND, "model.id", None),
    ),
    (
        "floating id, pinned models optional",
        [(REFUND, "id: gpt-4.1-mini-2025-04-14", "id: latest"), NO_STRICT],
        (Rule.FLOATING_MODEL, W, REFUND, "model.id", None),
    ),
    (
        "floating override",
        [(TRIAGE, "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5")],
        (Rule.FLOATING_MODEL, E, TRIAGE, "model.overrides.bedrock", None),
    ),
    (
        "key in an instructions file",
        [("agents/support-triage/instructions.md", "Never ask", f"Use {GITHUB}.\nNever ask")],
        (Rule.SECRET_SHAPE, E, "agents/support-triage/instructions.md", "instructions", 11),
    ),
    (
        "key in inline instructions",
        [(FAQ, "say so and offer", f"say so ({OPENAI}) and offer")],
        (Rule.SECRET_SHAPE, E, FAQ, "instructions.text", None),
    ),
    (
        "key in a skill file",
        [("agents/support-triage/skills/escalation/SKILL.md", "# Escalation", SLACK)],
        (
            Rule.SECRET_SHAPE,
            E,
            "agents/support-triage/skills/escalation/SKILL.md",
            "skills[1]",
            5,
        ),
    ),
    (
        "key in a tool spec",
        [("agents/support-triage/tools/orders.yaml", 'version: "1.2.0"', f"x-key: {GITHUB}")],
        (Rule.SECRET_SHAPE, E, "agents/support-triage/tools/orders.yaml", "tools[0].spec", 2),
    ),
    (
        "key in a binding value",
        [(PROJECT, "policies_kb: kb-dev", f"policies_kb: {{url: kb, token: {SLACK}}}")],
        (Rule.SECRET_SHAPE, E, PROJECT, "environments[0].bindings.policies_kb.token", None),
    ),
    (
        "random binding value",
        [(PROJECT, "policies_kb: kb-test", f"policies_kb: {RANDOM}")],
        (Rule.SECRET_RANDOM, E, PROJECT, "environments[1].bindings.policies_kb", None),
    ),
    (
        "random value under a key named like a credential",
        [(TRIAGE, "type: policy,", f"type: policy, config: {{api_key: {RANDOM}}},")],
        (Rule.SECRET_RANDOM, E, TRIAGE, "guardrails[0].config.api_key", None),
    ),
    (
        "key in an eval suite",
        [("agents/faq-bot/evals/faq.yaml", "How long", f"{GITHUB} How long")],
        (Rule.SECRET_SHAPE, E, "agents/faq-bot/evals/faq.yaml", "cases[0].input", None),
    ),
    (
        "password in a binding URL",
        [(PROJECT, "orders_api: http://127.0.0.1:8081/orders", f"orders_api: {DB_URL}")],
        (Rule.SECRET_SHAPE, E, PROJECT, "environments[0].bindings.orders_api", None),
    ),
    (
        "webhook URL in a binding mapping",
        [(PROJECT, "policies_kb: kb-dev", f"policies_kb: {{url: kb, alerts: {SLACK_HOOK}}}")],
        (Rule.SECRET_SHAPE, E, PROJECT, "environments[0].bindings.policies_kb.alerts", None),
    ),
    (
        "basic credentials in a header",
        [
            (
                TRIAGE,
                "type: policy,",
                f"type: policy, config: {{headers: {{Authorization: '{BASIC}'}}}},",
            )
        ],
        (Rule.SECRET_SHAPE, E, TRIAGE, "guardrails[0].config.headers.Authorization", None),
    ),
    (
        "a random token after an auth scheme in a header",
        [
            (
                TRIAGE,
                "type: policy,",
                f"type: policy, config: {{headers: {{X-Auth: 'Token {RANDOM}'}}}},",
            )
        ],
        (Rule.SECRET_RANDOM, E, TRIAGE, "guardrails[0].config.headers.X-Auth", None),
    ),
    (
        "cloud key in a skill file",
        [
            (
                "agents/support-triage/skills/escalation/SKILL.md",
                "# Escalation",
                f"# Escalation\n\naws_secret_access_key = {AWS_SECRET}",
            )
        ],
        (
            Rule.SECRET_SHAPE,
            E,
            "agents/support-triage/skills/escalation/SKILL.md",
            "skills[1]",
            7,
        ),
    ),
    (
        "JWT in instructions",
        [("agents/support-triage/instructions.md", "Never ask", f"Send {JWT}.\nNever ask")],
        (Rule.SECRET_SHAPE, E, "agents/support-triage/instructions.md", "instructions", 11),
    ),
    (
        "side effects without approval",
        [(REFUND, "    approval: always\n", "")],
        (Rule.UNAPPROVED_SIDE_EFFECTS, W, REFUND, "tools[1].approval", None),
    ),
    (
        "no owner",
        [(FAQ, "  owners: [team-support]\n", "")],
        (Rule.NO_OWNER, W, FAQ, "metadata.owners", None),
    ),
    (
        "no eval suite",
        [(FAQ, "evals: [evals/faq.yaml]\n", "")],
        (Rule.NO_EVALS, W, FAQ, "evals", None),
    ),
    (
        "binding without a value in one environment",
        [(PROJECT, "      policies_kb: kb-test\n", "")],
        (Rule.MISSING_BINDING, E, PROJECT, "environments[1].bindings.policies_kb", None),
    ),
    (
        "binding value no agent uses",
        [(PROJECT, "      policies_kb: kb-dev\n", "      policies_kb: kb-dev\n      old: x\n")],
        (Rule.UNUSED_BINDING, W, PROJECT, "environments[0].bindings.old", None),
    ),
]


@pytest.mark.parametrize(("edits", "expected"), [c[1:] for c in FIRING], ids=[c[0] for c in FIRING])
def test_rule_fires(
    tmp_path: Path, edits: list[Edit], expected: tuple[Rule, Severity, str, str, int | None]
) -> None:
    findings = load(tmp_path, *edits)
    assert [(f.rule, f.severity, f.file, f.field, f.line) for f in findings] == [expected]


QUIET: list[tuple[str, list[Edit]]] = [
    ("side effects, approval never", [(REFUND, "approval: always", "approval: never")]),
    (
        "no side effects, no approval",
        [(REFUND, "side_effects: true\n    approval: always\n", "side_effects: false\n")],
    ),
    (
        "env var reference",
        [(TRIAGE, "type: policy,", "type: policy, config: {token: $CRM_TOKEN},")],
    ),
    ("URL binding", [(PROJECT, "policies_kb: kb-dev", "policies_kb: https://kb.example.com/a/b")]),
    (
        "uuid binding",
        [(PROJECT, "policies_kb: kb-dev", "policies_kb: 3f2b8c1e-9a4d-4c2b-8e1f-0a9b8c7d6e5f")],
    ),
    ("platform id binding", [(PROJECT, "policies_kb: kb-dev", f"policies_kb: vs_{rand(24, 5)}")]),
    (
        "placeholder key",
        [(FAQ, "say so and", "say so (sk-" + "proj-xxxxxxxxxxxxxxxxxxxxxxxx) and")],
    ),
    (
        "random value outside credential places",
        [(FAQ, "name: faq-bot", f"name: faq-bot\n  labels: {{build: {RANDOM}}}")],
    ),
    (
        "references in a binding URL and a header",
        [
            (
                PROJECT,
                "orders_api: http://127.0.0.1:8081/orders",
                "orders_api: postgres://app:${DB_PASSWORD}@db/orders",
            ),
            (
                TRIAGE,
                "type: policy,",
                "type: policy, config: {headers: {Authorization: 'Bearer {{ secrets.crm }}'}},",
            ),
        ],
    ),
    (
        "ids, digests and prose",
        [
            (PROJECT, "policies_kb: kb-dev", "policies_kb: 3f2b8c1e-9a4d-4c2b-8e1f-0a9b8c7d6e5f"),
            (FAQ, "say so and", "say so (basic information: sha256:" + "ab" * 32 + ") and"),
        ],
    ),
    (
        "dated override",
        [(TRIAGE, "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-3-5-sonnet@20240620")],
    ),
]


@pytest.mark.parametrize("edits", [c[1] for c in QUIET], ids=[c[0] for c in QUIET])
def test_rule_stays_quiet(tmp_path: Path, edits: list[Edit]) -> None:
    assert load(tmp_path, *edits) == ()


def test_secret_messages_show_only_a_masked_prefix(tmp_path: Path) -> None:
    findings = load(
        tmp_path,
        ("agents/support-triage/instructions.md", "Never ask", f"Use {GITHUB}.\nNever ask"),
        (PROJECT, "policies_kb: kb-test", f"policies_kb: {RANDOM}"),
    )
    messages = {f.rule: f.message for f in findings}
    assert "GitHub token" in messages[Rule.SECRET_SHAPE]
    assert "ghp_…" in messages[Rule.SECRET_SHAPE]
    assert GITHUB[4:12] not in messages[Rule.SECRET_SHAPE]
    assert f"{RANDOM[:3]}… (40 characters)" in messages[Rule.SECRET_RANDOM]
    assert RANDOM[3:11] not in messages[Rule.SECRET_RANDOM]


def test_missing_binding_names_environment_agents_and_binding(tmp_path: Path) -> None:
    (finding,) = load(tmp_path, (PROJECT, "      policies_kb: kb-prod-2026-10\n", ""))
    assert finding.field == "environments[2].bindings.policies_kb"
    assert "environment 'prod'" in finding.message
    assert "binding 'policies_kb'" in finding.message
    for agent in ("faq-bot", "refund-bot", "support-triage"):
        assert agent in finding.message
    assert f"{REFUND}: knowledge[0].binding" in finding.message


def test_floating_model_error_names_the_strict_environments(tmp_path: Path) -> None:
    (finding,) = load(tmp_path, (FAQ, "id: gpt-4.1-mini-2025-04-14", "id: gpt-4o"))
    assert "'gpt-4o'" in finding.message
    assert "environments test, prod require pinned models" in finding.message


def test_findings_are_sorted_by_file_then_field(tmp_path: Path) -> None:
    findings = load(
        tmp_path,
        (FAQ, "evals: [evals/faq.yaml]\n", ""),
        (FAQ, "  owners: [team-support]\n", ""),
        (PROJECT, "      policies_kb: kb-test\n", ""),
    )
    assert [(f.file, f.field) for f in findings] == [
        (PROJECT, "environments[1].bindings.policies_kb"),
        (FAQ, "evals"),
        (FAQ, "metadata.owners"),
    ]
