"""The plan comment: golden files per scenario, and the structure of the rendered HTML."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agentcd.core.review.marker import COMMENT_CAP, GITHUB_COMMENT_LIMIT, parse_marker
from agentcd.render.review.markdown import CommentOptions
from tests.render.markdown_structure import check_inert, check_structure
from tests.render.plan_scenarios import (
    HEAD_SHA,
    Scenario,
    comment,
    digest_of,
    edited,
    eval_agent,
    eval_report,
    example_files,
)

TRIAGE = "agents/support-triage/agent.yaml"
TRIAGE_TEXT = "agents/support-triage/instructions.md"
REFUND = "agents/refund-bot/agent.yaml"
FAQ = "agents/faq-bot/agent.yaml"
CALLBACK = """
## Long queues

If the queue is longer than 20 minutes, offer a callback instead of waiting.
Ask for the best phone number and a time window, and confirm both back.
Never promise a callback within less than one hour.
When the customer declines, give them the current waiting time.
"""


def one_agent_changed() -> Scenario:
    head = edited(
        example_files(),
        {
            TRIAGE: [("temperature: 0.2", "temperature: 0.3")],
            TRIAGE_TEXT: [("", CALLBACK)],
        },
    )
    outcomes = [(f"case-{n}", "pass", "pass") for n in range(47)]
    outcomes += [("late-delivery", "pass", "fail"), ("angry", "fail", "fail")]
    outcomes += [("refund-mixup", "pass", "pass")]
    triage = eval_agent("support-triage", digest_of(head, "support-triage"), outcomes=outcomes)
    return Scenario(head=head, evals=eval_report("test", [triage]))


def more_agents(files: dict[str, bytes], names: list[str]) -> dict[str, bytes]:
    out = dict(files)
    for name in names:
        text = files[FAQ].decode().replace("name: faq-bot", f"name: {name}")
        out[f"agents/{name}/agent.yaml"] = text.encode()
        out[f"agents/{name}/evals/faq.yaml"] = files["agents/faq-bot/evals/faq.yaml"]
    return out


def many_agents() -> Scenario:
    extra = ["billing-faq", "returns-faq", "shipping-faq", "store-hours"]
    base = more_agents(example_files(), extra)
    head = more_agents(example_files(), [*extra[:3], "summarizer"])
    head = edited(
        head,
        {
            "agents/billing-faq/agent.yaml": [("temperature: 0.3", "temperature: 0.1")],
            "agents/returns-faq/agent.yaml": [('version: "2026-10-01"', 'version: "2026-11-15"')],
            "agents/shipping-faq/agent.yaml": [
                ("owners: [team-support]", "owners: [team-logistics]")
            ],
            REFUND: [("Refunds over 500 EUR", "Refunds over 300 EUR")],
        },
    )
    deployed = {
        name: ("dev", "test", "prod") for name in ["faq-bot", "refund-bot", "support-triage"]
    }
    deployed |= {
        "billing-faq": ("dev", "test"),
        "returns-faq": ("dev",),
        "store-hours": ("dev", "test", "prod"),
    }
    return Scenario(base=base, head=head, deployed=deployed)


def high_risk() -> Scenario:
    tool = """  - name: issue_credit
    type: function
    description: Give store credit.
    side_effects: true
"""
    head = edited(
        example_files(),
        {
            REFUND: [
                ("approval: always", "approval: never"),
                ("id: gpt-4.1-mini-2025-04-14", "id: gpt-4.1-2025-04-14"),
            ],
            TRIAGE: [("knowledge:\n", tool + "knowledge:\n")],
        },
    )
    return Scenario(head=head)


def drift_in_prod() -> Scenario:
    head = edited(
        example_files(),
        {
            TRIAGE: [("temperature: 0.2", "temperature: 0.3")],
            FAQ: [("temperature: 0.3", "temperature: 0.4")],
        },
    )
    edited_live = {"instructions": "Always offer a 10% discount.", "model": {"temperature": 0.9}}
    return Scenario(
        head=head,
        drifted={("support-triage", "prod"): edited_live},
        unrecorded={("faq-bot", "prod"): "sha256:" + "7" * 64},
        unreadable={"test": "reading .agentcd/deployed/test: permission denied"},
    )


def ledger_unreadable() -> Scenario:
    head = edited(example_files(), {TRIAGE: [("temperature: 0.2", "temperature: 0.3")]})
    problem = "opening the ledger .agentcd/ledger.db: file is not a database"
    return Scenario(head=head, ledger_problem=problem)


def failed_eval() -> Scenario:
    head = edited(example_files(), {TRIAGE_TEXT: [("Keep answers short", "Keep answers long")]})
    outcomes = [(f"case-{n:02d}", "pass", "pass") for n in range(14)]
    outcomes += [(f"regression-{n:02d}", "fail", "pass") for n in range(13)]
    outcomes += [("still-broken", "fail", "fail"), ("flaky", "error", "pass")]
    triage = eval_agent(
        "support-triage",
        digest_of(head, "support-triage"),
        verdict="fail",
        outcomes=outcomes,
        reasons=["pass rate 50% (14/28), min 90%", "13 new failures, max 0"],
    )
    stale = eval_agent("support-triage", "sha256:" + "c" * 64, outcomes=outcomes[:3])
    return Scenario(head=head, evals=eval_report("test", [triage]) + eval_report("prod", [stale]))


def truncated() -> Scenario:
    names = [f"queue-{n:02d}" for n in range(12)]
    base = more_agents(example_files(), names)
    paragraph = "Answer in the customer's language and keep a friendly tone. " * 3
    long_text = "".join(f"  {n}. {paragraph}\n" for n in range(80))
    head = edited(
        base,
        {f"agents/{n}/agent.yaml": [("opening hours from the policies", long_text)] for n in names},
    )
    return Scenario(base=base, head=head)


HOSTILE_TEXT = """
<script>alert("pwned")</script> </details> <!-- agentcd:plan {"v":1,"pr":42,"head":"0"} -->
```
::error::injected
```
Ping @octo-org/admins and @kim | ~~struck~~ [link](javascript:alert(1))
"""


def hostile() -> Scenario:
    head = edited(
        example_files(),
        {
            TRIAGE_TEXT: [("", HOSTILE_TEXT)],
            TRIAGE: [
                ("max_output_tokens: 800", 'max_output_tokens: 800, stop: "</details>```@kim|"')
            ],
            "agents/evil/agent.yaml": [
                (
                    "",
                    'apiVersion: agentcd.dev/v1\nkind: Agent\nmetadata: {name: "<b>@admins</b>"}\n',
                )
            ],
        },
    )
    outcomes = [("`</details>`@kim", "fail", "pass"), ("ok", "pass", "pass")]
    triage = eval_agent(
        "support-triage",
        digest_of(head, "support-triage"),
        verdict="fail",
        outcomes=outcomes,
        reasons=["<img src=x onerror=alert(1)> @kim"],
    )
    return Scenario(head=head, evals=eval_report("test", [triage]))


SCENARIOS: dict[str, Callable[[], Scenario]] = {
    "one_agent_changed": one_agent_changed,
    "many_agents": many_agents,
    "high_risk": high_risk,
    "drift_in_prod": drift_in_prod,
    "ledger_unreadable": ledger_unreadable,
    "failed_eval": failed_eval,
    "hostile": hostile,
}
TRUNCATED_LIMIT = 16_000


def rendered(name: str) -> str:
    if name == "truncated":
        return comment(truncated().view(), CommentOptions(limit=TRUNCATED_LIMIT))
    return comment(SCENARIOS[name]().view())


ALL = [*SCENARIOS, "truncated"]


@pytest.mark.parametrize("name", ALL)
def test_golden(name: str, golden) -> None:  # type: ignore[no-untyped-def]
    golden(f"plan/{name}.md", rendered(name))


@pytest.mark.parametrize("name", ALL)
def test_renders_to_well_formed_html(name: str) -> None:
    text = rendered(name)
    assert parse_marker(text) is not None
    check_structure(text)


@pytest.mark.parametrize("name", ALL)
def test_user_text_is_inert(name: str) -> None:
    check_inert(rendered(name))


def test_hostile_text_shows_literally() -> None:
    text = rendered("hostile")
    assert "&lt;script&gt;" not in text  # inside the diff fence it stays raw, and inert
    assert "'&lt;b&gt;@\u200dadmins&lt;/b&gt;' is not valid" in text
    assert "&lt;img src=x onerror=alert(1)&gt; @\u200dkim" in text
    assert "````diff\n" in text  # the fence outruns the backticks inside the diff


def test_truncation_keeps_headline_matrix_and_footer() -> None:
    full = comment(truncated().view(), CommentOptions(limit=10_000_000))
    cut = rendered("truncated")
    assert len(full) > 3 * TRUNCATED_LIMIT
    assert len(cut.split("\n", 1)[1]) <= TRUNCATED_LIMIT
    for kept in ("## agentcd plan", "| [queue-11](#12-queue-11)", "12 agents change · gate"):
        assert kept in cut
    assert "shortened to fit" in cut and "job summary" in cut
    assert cut.rstrip().endswith(full.rstrip().rsplit("\n", 1)[1])  # the footer line


def test_a_huge_change_still_fits_github() -> None:
    view = truncated().view()
    text = comment(view)
    assert len(text) <= COMMENT_CAP < GITHUB_COMMENT_LIMIT
    check_structure(text)


def test_the_head_is_in_the_marker() -> None:
    marker = parse_marker(rendered("one_agent_changed"))
    assert marker is not None and marker.head == HEAD_SHA and marker.change == 42
