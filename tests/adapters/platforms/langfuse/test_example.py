"""The support-desk example (`examples/support-desk`) on Langfuse, its loop through agentcd's
real entry point with the `langfuse` SDK's REST client over HTTP to the loopback fake.

A prompt store carries instructions, a model and function definitions, not skills, MCP or
OpenAPI connections, knowledge bases, sub-agents or guardrails; so `validate` first refuses the
example as it is, naming each field. The loop then runs on a trimmed copy: faq-bot without its
knowledge base (the demo agent answers from its own table), support-triage with `lookup_order`
as a function the application runs and none of skills, runtime, knowledge, sub-agents and
guardrails, and no refund-bot (its decisions need the CRM over MCP and the refund-policy
skill, which no prompt can stand for). On that copy: the eval gate and promotions dev → test
→ prod (prod needs an approver, and maps to Langfuse's `production`, the label an unlabelled
fetch serves), an eval of what prod runs through the target's invoker, a change travelling
the same road, a person's new version in the Langfuse UI found as drift, the rollback that
moves the label back, and the record.

One prompt version serves every environment its content was promoted to: promoting to test
and prod moves their labels to the version dev made, and makes none.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.adapters.platforms import example_loop as example
from tests.adapters.platforms.example_loop import Loop
from tests.adapters.platforms.langfuse.env import fresh_fake
from tests.adapters.platforms.langfuse.fake import FakeLangfuse, Loopback

AGENTS = ["faq-bot", "support-triage"]
CHANGES = ("prompts_create", "promptVersion_update")
# The application: the example's demo agent on the prompt version it is given.
INVOKER = '''"""The application on Langfuse: the demo agent run on a prompt version's content."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "support_desk_langfuse_demo", Path(__file__).parent / "app" / "agent.py"
)
demo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(demo)


def respond(config, request):
    tools = [
        {"name": t["function"]["name"], "input_schema": t["function"]["parameters"]}
        for t in config["config"].get("tools", [])
    ]
    artifact = {
        "metadata": {"name": config["name"]},
        "instructions": config["prompt"][0]["content"],
        "tools": tools,
    }
    return demo.respond({**request, "artifact": artifact})
'''


def changes(loop: Loop, label: str) -> list[str]:
    """The calls of a command that change something on Langfuse."""
    return [c for c in loop.calls[label] if c in CHANGES]


@pytest.fixture
def server(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Loopback:
    return fresh_fake(request, monkeypatch)


@pytest.fixture
def project(tmp_path: Path, server: Loopback, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The example as it is, its one target made a Langfuse project."""
    target = {
        "platform": "langfuse",
        "host": server.url,
        "labels": {"prod": "production"},
        "invoker": {"python": "support_desk_langfuse:respond"},
    }
    root = tmp_path / "support-desk-langfuse"
    message = "Support desk agents on Langfuse"
    files = {"support_desk_langfuse.py": INVOKER}
    yield example.example_project(root, monkeypatch, message, target=("local", target), files=files)


def test_validate_names_what_a_prompt_cannot_carry(
    cli: Any, project: Path, server: Loopback
) -> None:
    findings = example.validate_refuses(Loop(cli, server.fake), "langfuse")
    assert example.refusals(findings) == example.NOT_IN_A_PROMPT


def test_the_example_runs_the_whole_loop_on_langfuse(
    cli: Any, project: Path, server: Loopback
) -> None:
    example.trim_to_a_prompt(project, "What a Langfuse prompt carries")
    loop = Loop(cli, server.fake)
    started = time.perf_counter()
    assert loop.json("validate", "validate")["findings"] == []
    assert loop.calls["validate"] == []
    prod = promote_through_prod(loop)
    evaluate_what_prod_runs(loop, prod)
    promote_a_change(loop, project)
    edit_prod_by_hand(server.fake)
    # the UI copied the stamp, but the version is not the recorded one, nor is its text
    example.drift_after_the_hand_edit(loop, AGENTS, "support-triage", "prompt[0].content")
    roll_triage_back(loop)
    example.back_in_sync(loop)
    example.live_everywhere(loop)
    example.rollback_recorded(loop, "support-triage", "1", "2")
    example.print_calls(loop, started, "Langfuse")


def promote_through_prod(loop: Loop) -> dict[str, Any]:
    """The first release: dev makes version 1 of each prompt; test and prod move their labels
    to it. Returns prod's report."""
    reports = example.promote_the_first_release(loop, AGENTS)
    assert example.versions(reports["promote dev"]) == dict.fromkeys(AGENTS, "1")
    assert changes(loop, "promote dev") == ["prompts_create"] * 2
    assert example.versions(reports["promote test"]) == dict.fromkeys(AGENTS, "1")
    assert changes(loop, "promote test") == ["promptVersion_update"] * 2
    assert changes(loop, "promote prod (no approver)") == []
    prod = reports["promote prod"]
    assert example.versions(prod) == dict.fromkeys(AGENTS, "1")
    assert {a["platform_versions"]["label"] for a in prod["agents"]} == {"production"}
    for agent in AGENTS:
        (version,) = loop.fake.prompts[agent]
        assert sorted(version["labels"]) == ["dev", "latest", "production", "test"]
    return dict(prod)


def evaluate_what_prod_runs(loop: Loop, prod: dict[str, Any]) -> None:
    """Both agents through the invoker on what `production` serves, read for every case."""
    report = example.eval_what_prod_runs(loop, prod)
    # one read for each trial (what the label serves, no cache), and what runs is checked
    # before and after the run for each agent
    trials = report["run"]["trials_run"]
    assert (trials, len(AGENTS)) == (8, 2)  # triage's phishing case runs 3 times
    assert loop.calls["eval platform:prod"] == ["prompts_get"] * (trials + 2 * 2)


def promote_a_change(loop: Loop, project: Path) -> None:
    """A change to support-triage travels the same road, by digest: one new version."""
    example.greet_by_name(project)
    made = example.promote_the_change(loop, "support-triage")
    assert {env: example.versions(report) for env, report in made.items()} == {
        env: {"support-triage": "2"} for env in ("dev", "test", "prod")
    }
    assert changes(loop, "promote dev (change)") == ["prompts_create"]
    assert changes(loop, "promote prod (change)") == ["promptVersion_update"]
    labels = {v["version"]: sorted(v["labels"]) for v in loop.fake.prompts["support-triage"]}
    assert labels == {1: [], 2: ["dev", "latest", "production", "test"]}


def edit_prod_by_hand(fake: FakeLangfuse) -> None:
    """In the Langfuse UI: a new version from the one production serves, other text, and the
    production label set on it."""
    now = fake.serving("support-triage")
    assert now is not None
    prompt = [{"role": "system", "content": example.HAND_EDIT}]
    fake.create(
        {
            "name": "support-triage",
            "type": "chat",
            "prompt": prompt,
            "config": now["config"],
            "labels": ["production"],
        }
    )


def roll_triage_back(loop: Loop) -> None:
    """`production` moves back to the first release's version; nothing is made."""
    rolled = example.roll_prod_back(loop, "support-triage")
    assert rolled["platform_versions"] == {
        "version": "1",
        "prompt": "support-triage",
        "label": "production",
    }
    assert changes(loop, "rollback prod") == ["promptVersion_update"]
    served = loop.fake.serving("support-triage")
    assert served is not None and served["version"] == 1
    assert [v["version"] for v in loop.fake.prompts["support-triage"]] == [1, 2, 3]
