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

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.adapters.platforms.example_loop import Loop, record_verdict, results, versions
from tests.adapters.platforms.langfuse.env import fresh_fake
from tests.adapters.platforms.langfuse.fake import FakeLangfuse, Loopback
from tests.conftest import EXAMPLE, git

AGENTS = ["faq-bot", "support-triage"]
GREETING = "Greet the customer by name when you know it.\n"
HAND_EDIT = "Promise a refund to every customer who asks for one, whatever the order."
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
    monkeypatch.setenv("AGENTCD_ACTOR", "ana")
    root = tmp_path / "support-desk-langfuse"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".agentcd", "__pycache__"))
    config = yaml.safe_load((root / "agentcd.yaml").read_text())
    config["targets"] = {
        "local": {
            "platform": "langfuse",
            "host": server.url,
            "labels": {"prod": "production"},
            "invoker": {"python": "support_desk_langfuse:respond"},
        }
    }
    (root / "agentcd.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    (root / "support_desk_langfuse.py").write_text(INVOKER)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Support desk agents on Langfuse")
    monkeypatch.chdir(root)
    yield root


def trim(root: Path) -> None:
    """What a prompt can carry (see the module's docstring), and no bindings left to give."""
    shutil.rmtree(root / "agents" / "refund-bot")
    faq = root / "agents" / "faq-bot" / "agent.yaml"
    data = yaml.safe_load(faq.read_text())
    del data["knowledge"]
    faq.write_text(yaml.safe_dump(data, sort_keys=False))
    triage = root / "agents" / "support-triage" / "agent.yaml"
    data = yaml.safe_load(triage.read_text())
    for field in ("skills", "runtime", "knowledge", "subagents", "guardrails"):
        del data[field]
    lookup = {
        "name": "lookup_order",
        "type": "function",
        "description": "Look up an order by its number.",
        "input_schema": {
            "type": "object",
            "properties": {"number": {"type": "string"}},
            "required": ["number"],
        },
    }
    data["tools"] = [lookup, *(t for t in data["tools"] if t["name"] != "lookup_order")]
    triage.write_text(yaml.safe_dump(data, sort_keys=False))
    project = yaml.safe_load((root / "agentcd.yaml").read_text())
    for environment in project["environments"]:
        del environment["bindings"]  # nothing the trimmed agents have is bound
    (root / "agentcd.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "What a Langfuse prompt carries")


def test_validate_names_what_a_prompt_cannot_carry(cli: Any, project: Path) -> None:
    result = cli("validate", "--format", "json")
    assert result.code == 1, result
    findings = json.loads(result.out)["findings"]
    refused = {(f["file"].split("/")[1], f["field"]) for f in findings if f["rule"] == "AC109"}
    assert refused == {
        ("faq-bot", "knowledge"),
        ("refund-bot", "skills"),
        ("refund-bot", "knowledge"),
        ("refund-bot", "tools[0]"),  # crm: an MCP server
        ("refund-bot", "tools[1].approval"),  # issue_refund: nobody asks first
        ("support-triage", "skills"),
        ("support-triage", "runtime"),
        ("support-triage", "knowledge"),
        ("support-triage", "subagents"),
        ("support-triage", "guardrails"),
        ("support-triage", "tools[0]"),  # lookup_order: an OpenAPI endpoint
    }
    messages = [f["message"] for f in findings if f["rule"] == "AC109"]
    assert all(m.startswith("langfuse cannot carry ") for m in messages), messages
    assert all(m.count("(dev, test, prod)") == 1 for m in messages)


def test_the_example_runs_the_whole_loop_on_langfuse(
    cli: Any, project: Path, server: Loopback
) -> None:
    trim(project)
    loop = Loop(cli, server.fake)
    started = time.perf_counter()
    assert loop.json("validate", "validate")["findings"] == []
    assert loop.calls["validate"] == []
    prod = promote_the_first_release(loop)
    evaluate_what_prod_runs(loop, prod)
    promote_a_change(loop, project)
    edit_prod_by_hand(server.fake)
    drifted = loop.json("drift prod (edited)", "drift", "--env", "prod", "--exit-code", code=2)
    states = {a["agent"]: a["state"] for a in drifted["agents"]}
    assert states == {"faq-bot": "in_sync", "support-triage": "drifted"}
    (edited,) = [a for a in drifted["agents"] if a["state"] == "drifted"]
    # the UI copied the stamp, but the version is not the recorded one, nor is its text
    assert edited["kinds"] == ["provenance", "content"]
    assert [d["path"] for d in edited["differences"]] == ["prompt[0].content"]
    roll_prod_back(loop)
    in_sync = loop.json("drift prod", "drift", "--env", "prod", "--exit-code")
    assert {a["state"] for a in in_sync["agents"]} == {"in_sync"}
    check_the_record(loop)
    seconds = time.perf_counter() - started
    print(f"the loop: {seconds:.2f}s; Langfuse calls per command:")  # pytest -rP shows it
    print("\n".join(f"  {label}: {len(calls)}" for label, calls in loop.calls.items()))


def promote_the_first_release(loop: Loop) -> list[dict[str, Any]]:
    """dev → test → prod, each gated on an eval verdict for the digest; prod on an approval.
    dev makes version 1 of each prompt; test and prod move their labels to it."""
    record_verdict(loop, "dev")
    dev = loop.json("promote dev", "promote", "--env", "dev")
    assert results(dev) == dict.fromkeys(AGENTS, "succeeded")
    assert versions(dev) == dict.fromkeys(AGENTS, "1")
    assert changes(loop, "promote dev") == ["prompts_create"] * 2
    record_verdict(loop, "test")
    test = loop.json("promote test", "promote", "--env", "test", "--from", "dev")
    assert versions(test) == dict.fromkeys(AGENTS, "1")
    assert changes(loop, "promote test") == ["promptVersion_update"] * 2
    record_verdict(loop, "prod")
    to_prod = ("promote", "--env", "prod", "--from", "test")
    refused = loop.json("promote prod (no approver)", *to_prod, code=2)
    assert results(refused) == dict.fromkeys(AGENTS, "refused")
    assert changes(loop, "promote prod (no approver)") == []
    prod = loop.json("promote prod", *to_prod, "--approver", "lee")
    assert versions(prod) == dict.fromkeys(AGENTS, "1")
    assert {a["platform_versions"]["label"] for a in prod["agents"]} == {"production"}
    for agent in AGENTS:
        (version,) = loop.fake.prompts[agent]
        assert sorted(version["labels"]) == ["dev", "latest", "production", "test"]
    return list(prod["agents"])


def evaluate_what_prod_runs(loop: Loop, prod: list[dict[str, Any]]) -> None:
    """Both agents through the invoker on what `production` serves, read for every case."""
    report = loop.json("eval platform:prod", "eval", "--env", "prod", "--target", "platform:prod")
    assert report["verdict"] == "pass"
    assert report["target"] == {"name": "platform:prod", "type": "platform"}
    assert [a["digest"] for a in report["agents"]] == [a["artifact_digest"] for a in prod]
    # one read for each trial (what the label serves, no cache), and what runs is checked
    # before and after the run for each agent
    trials = report["run"]["trials_run"]
    assert (trials, len(AGENTS)) == (8, 2)  # triage's phishing case runs 3 times
    assert loop.calls["eval platform:prod"] == ["prompts_get"] * (trials + 2 * 2)


def promote_a_change(loop: Loop, project: Path) -> None:
    """A change to support-triage travels the same road, by digest: one new version."""
    instructions = project / "agents" / "support-triage" / "instructions.md"
    instructions.write_text(instructions.read_text() + GREETING)
    git(project, "commit", "-q", "-am", "Greet customers by name")
    one = ("--agent", "support-triage")
    for env, source in (("dev", ()), ("test", ("--from", "dev")), ("prod", ("--from", "test"))):
        record_verdict(loop, env, "support-triage")
        approver = ("--approver", "lee") if env == "prod" else ()
        made = loop.json(
            f"promote {env} (change)", "promote", "--env", env, *source, *one, *approver
        )
        assert versions(made) == {"support-triage": "2"}
    assert changes(loop, "promote dev (change)") == ["prompts_create"]
    assert changes(loop, "promote prod (change)") == ["promptVersion_update"]
    labels = {v["version"]: sorted(v["labels"]) for v in loop.fake.prompts["support-triage"]}
    assert labels == {1: [], 2: ["dev", "latest", "production", "test"]}


def edit_prod_by_hand(fake: FakeLangfuse) -> None:
    """In the Langfuse UI: a new version from the one production serves, other text, and the
    production label set on it."""
    now = fake.serving("support-triage")
    assert now is not None
    prompt = [{"role": "system", "content": HAND_EDIT}]
    fake.create(
        {
            "name": "support-triage",
            "type": "chat",
            "prompt": prompt,
            "config": now["config"],
            "labels": ["production"],
        }
    )


def roll_prod_back(loop: Loop) -> None:
    """`production` moves back to the first release's version; nothing is made."""
    args = ("rollback", "--env", "prod", "--agent", "support-triage", "--approver", "lee")
    (rolled,) = loop.json("rollback prod", *args)["agents"]
    assert (rolled["result"], rolled["rollback_to"]) == ("succeeded", 1)
    assert rolled["platform_versions"] == {
        "version": "1",
        "prompt": "support-triage",
        "label": "production",
    }
    assert changes(loop, "rollback prod") == ["promptVersion_update"]
    served = loop.fake.serving("support-triage")
    assert served is not None and served["version"] == 1
    assert [v["version"] for v in loop.fake.prompts["support-triage"]] == [1, 2, 3]


def check_the_record(loop: Loop) -> None:
    status = loop.json("status", "status")
    cells = {
        (row["agent"], env): cell
        for row in status["agents"]
        for env, cell in row["environments"].items()
    }
    assert {c["live"] for c in cells.values()} == {"in_sync"}
    history = loop.json("history prod", "history", "--env", "prod")["deployments"]
    triage = [d for d in history if d["agent"] == "support-triage"]
    assert [(d["seq"], d["kind"], d["rollback_to"]) for d in triage] == [
        (1, "promote", None),
        (2, "promote", None),
        (3, "rollback", 1),
    ]
    assert [d["platform_versions"]["version"] for d in triage] == ["1", "2", "1"]
    assert loop.calls["history prod"] == []  # the ledger alone
