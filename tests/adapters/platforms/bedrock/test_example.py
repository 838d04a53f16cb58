"""The Bedrock variant of the support-desk example (`examples/support-desk-bedrock`), its whole
loop through agentcd's real entry point with the in-process fake behind the real boto3 clients:
validate, the eval gate and promotions dev → test → prod (prod needs an approver), an eval of
what prod runs through InvokeAgent, a change travelling the same road, a hand edit on Bedrock
found as drift, the rollback that re-points the prod alias, and the record.

The fake plays the deployed agents for InvokeAgent: it runs the example's demo agent on the
configuration of the version the alias routes to (its instruction and action groups), so what
answers is what Bedrock would run, never the working tree.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from agentcd.adapters.platforms import bedrock
from agentcd.adapters.platforms.bedrock_api import Clients, Connection
from tests.adapters.platforms import example_loop as example
from tests.adapters.platforms.bedrock.conftest import LOOPBACK
from tests.adapters.platforms.bedrock.fake import Agent, FakeBedrock
from tests.adapters.platforms.example_loop import Loop
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "support-desk-bedrock"
AGENTS = ["faq-bot", "refund-bot", "support-triage"]
KNOWLEDGE_BASES = {"KBDEV00001", "KBTEST0001", "KBPROD2610"}
DEMO = "support_desk_bedrock_demo"


@pytest.fixture
def project(
    tmp_path: Path, aws_env: None, fake: FakeBedrock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    real = bedrock.connect

    def connect(connection: Connection) -> Clients:
        clients = real(connection)
        fake.attach(clients.agent, clients.runtime)
        return Clients(clients.agent, clients.runtime, sleep=lambda seconds: None)

    monkeypatch.setattr(bedrock, "connect", connect)
    # The example names no endpoint (AWS's own); were the fake ever detached, loopback it is.
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_AGENT", LOOPBACK)
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME", LOOPBACK)
    root = tmp_path / "support-desk-bedrock"
    example.example_project(root, monkeypatch, "Support desk agents on Bedrock", example=EXAMPLE)
    fake.knowledge_base_ids |= KNOWLEDGE_BASES
    yield root


def deployed_agents(fake: FakeBedrock, demo: ModuleType, answered: list[str]) -> Any:
    """The fake's InvokeAgent and InvokeInlineAgent answers: the demo agent on the routed
    version's configuration, or on the one sent inline (`answered` gets `agent:version`)."""

    def answer(running: dict[str, Any], text: str) -> Iterable[dict[str, Any]]:
        answered.append(f"{running['agent_name']}:{running['version']}")
        artifact = {
            "metadata": {"name": running["agent_name"]},
            "instructions": running["instruction"],
            "tools": [{"name": g["actionGroupName"]} for g in running["groups"].values()],
        }
        request = {"artifact": artifact, "messages": [{"role": "user", "content": text}]}
        yield {"chunk": {"bytes": demo.respond(request)["output"].encode()}}

    return answer


def bedrock_agent(fake: FakeBedrock, name: str) -> Agent:
    return next(a for a in fake.agents.values() if a.fields["agentName"] == name)


def alias(agent: Agent, environment: str) -> dict[str, Any]:
    return next(a for a in agent.aliases.values() if a["agentAliasName"] == environment)


def routed(fake: FakeBedrock, name: str, environment: str) -> str:
    routing = alias(bedrock_agent(fake, name), environment)["routingConfiguration"]
    return str(routing[0]["agentVersion"])


def changes(calls: list[str]) -> list[str]:
    """The calls that change something on Bedrock (every other one is a Get or a List)."""
    return [c for c in calls if not c.startswith(("Get", "List"))]


def test_the_bedrock_example_runs_the_whole_loop(
    cli: Any, project: Path, fake: FakeBedrock
) -> None:
    loop = Loop(cli, fake, reset=fake.requests.clear)
    started = time.perf_counter()
    assert loop.json("validate", "validate")["findings"] == []
    first = promote_through_prod(loop)
    evaluate_what_prod_runs(loop, project, first)
    example.greet_by_name(project)
    made = example.promote_the_change(loop, "support-triage")
    assert {env: example.versions(made[env])["support-triage"] for env in made} == {
        "dev": "4",
        "test": "5",
        "prod": "6",
    }
    edit_prod_by_hand(fake)
    example.drift_after_the_hand_edit(loop, AGENTS, "support-triage", "agent.instruction")
    roll_triage_back(loop)
    example.back_in_sync(loop)
    check_the_record(loop, first)
    example.print_calls(loop, started, "Bedrock")


def promote_through_prod(loop: Loop) -> dict[str, Any]:
    """The first release: each environment its own version (its own role and bindings), prod
    refused without an approver before anything on Bedrock changes. Returns prod's report."""
    reports = example.promote_the_first_release(loop, AGENTS)
    assert example.versions(reports["promote dev"]) == dict.fromkeys(AGENTS, "1")
    assert example.versions(reports["promote test"]) == dict.fromkeys(AGENTS, "2")
    refused = reports["promote prod (no approver)"]
    approval = [c for a in refused["agents"] for c in a["checks"] if c["name"] == "approval"]
    assert [c["outcome"] for c in approval] == ["fail"] * 3
    assert changes(loop.calls["promote prod (no approver)"]) == []
    assert example.versions(reports["promote prod"]) == dict.fromkeys(AGENTS, "3")
    return dict(reports["promote prod"])


def evaluate_what_prod_runs(loop: Loop, project: Path, prod: dict[str, Any]) -> None:
    """The knowledge agent through InvokeAgent on the prod alias: its suite asserts on text
    only, which is what InvokeAgent returns (a Lambda's call stays inside Bedrock)."""
    answered: list[str] = []
    loop.fake.answers = deployed_agents(loop.fake, example.demo_agent(project, DEMO), answered)
    example.eval_what_prod_runs(loop, prod, "faq-bot")
    assert answered == ["faq-bot:3"] * 2  # its two cases, answered by prod's version
    prod_alias = alias(bedrock_agent(loop.fake, "faq-bot"), "prod")["agentAliasId"]
    invoked = [r.url for r in loop.fake.requests if "/sessions/" in r.url]
    assert len(invoked) == 2 and all(f"/agentAliases/{prod_alias}/" in u for u in invoked)
    assert changes(loop.calls["eval platform:prod"]) == ["InvokeAgent"] * 2


def edit_prod_by_hand(fake: FakeBedrock) -> None:
    """In the console: the draft edited, a version made, the prod alias routed to it."""
    triage = bedrock_agent(fake, "support-triage")
    triage.versions["7"] = {**triage.versions["6"], "instruction": example.HAND_EDIT}
    triage.groups["7"], triage.bases["7"] = triage.groups["6"], triage.bases["6"]
    alias(triage, "prod")["routingConfiguration"] = [{"agentVersion": "7"}]


def roll_triage_back(loop: Loop) -> None:
    """The alias points at the first release's prod version again; nothing is rebuilt."""
    rolled = example.roll_prod_back(loop, "support-triage")
    assert rolled["platform_versions"]["version"] == "3"
    assert changes(loop.calls["rollback prod"]) == ["UpdateAgentAlias"]
    assert "PrepareAgent" not in loop.calls["rollback prod"]
    assert routed(loop.fake, "support-triage", "prod") == "3"
    triage = bedrock_agent(loop.fake, "support-triage")
    assert list(triage.versions) == ["1", "2", "3", "4", "5", "6", "7"]  # none made, none gone


def check_the_record(loop: Loop, first: dict[str, Any]) -> None:
    status = example.live_everywhere(loop)
    assert [status["support-triage", env]["seq"] for env in ("dev", "test", "prod")] == [2, 2, 3]
    prod_now = status["support-triage", "prod"]["artifact_digest"]
    (triage,) = [a for a in first["agents"] if a["agent"] == "support-triage"]
    assert prod_now == triage["artifact_digest"]  # the first release again
    example.rollback_recorded(loop, "support-triage", "3", "6")
    audit = loop.json("audit", "audit", "--env", "prod")["changes"]
    assert [(d["agent"], d["seq"]) for d in audit] == [
        *[(agent, 1) for agent in AGENTS],
        ("support-triage", 2),
        ("support-triage", 3),
    ]
    assert {tuple(d["approvers"]) for d in audit} == {("lee",)}
    assert {d["actor"] for d in audit} == {"ana"}
    assert [d["eval_verdict"] for d in audit if d["kind"] == "promote"] == ["pass"] * 4
    assert loop.calls["audit"] == []  # the ledger alone


def test_a_hand_made_version_with_a_copied_stamp_is_never_deployed(
    cli: Any, project: Path, fake: FakeBedrock
) -> None:
    """A console edit copies the draft's stamped description into the version it makes, so a
    stamp alone is no proof: re-applying that release must not route to the hand-made one."""
    loop = Loop(cli, fake, reset=fake.requests.clear)
    dev = ("--env", "dev", "--agent", "faq-bot")
    loop.json("release 1", "promote", *dev)
    example.shorten_faq(project)
    loop.json("release 2", "promote", *dev)
    faq = bedrock_agent(fake, "faq-bot")
    faq.versions["3"] = {**faq.versions["2"], "instruction": example.HAND_EDIT}  # stamp and all
    faq.groups["3"], faq.bases["3"] = faq.groups["2"], faq.bases["2"]
    alias(faq, "dev")["routingConfiguration"] = [{"agentVersion": "3"}]
    loop.json("rollback", "rollback", *dev)
    assert routed(fake, "faq-bot", "dev") == "1"
    again = loop.json("release 2 again", "promote", *dev)
    assert example.versions(again)["faq-bot"] == "2"  # the genuine one, read whole
    assert changes(loop.calls["release 2 again"]) == ["UpdateAgentAlias"]
    assert routed(fake, "faq-bot", "dev") == "2"
    loop.json("drift", "drift", "--env", "dev", "--exit-code")


def test_a_change_is_evaluated_on_bedrock_before_it_is_deployed(
    cli: Any, project: Path, fake: FakeBedrock
) -> None:
    """`--target inline:dev`: both sides through InvokeInlineAgent with dev's bindings, paired,
    before any deployment; nothing on Bedrock is created or changed."""
    loop = Loop(cli, fake, reset=fake.requests.clear)
    answered: list[str] = []
    fake.answers = deployed_agents(fake, example.demo_agent(project, DEMO), answered)
    example.shorten_faq(project)
    example.eval_inline(loop)
    assert answered == ["faq-bot:inline"] * 4  # two cases, once per side
    assert loop.calls["eval inline:dev"] == ["InvokeInlineAgent"] * 4
    assert fake.agents == {}
    sent = [json.loads(r.body) for r in fake.requests]
    assert {s["knowledgeBases"][0]["knowledgeBaseId"] for s in sent} == {"KBDEV00001"}


def test_a_definition_bedrock_cannot_run_is_refused_before_any_inline_trial(
    cli: Any, project: Path, fake: FakeBedrock
) -> None:
    spec = project / "agents" / "faq-bot" / "agent.yaml"
    spec.write_text(spec.read_text().replace("provider: bedrock", "provider: openai"))
    example.inline_refused(Loop(cli, fake, reset=fake.requests.clear), "faq-bot", "model")
