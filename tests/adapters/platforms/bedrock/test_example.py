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

import importlib.util
import json
import shutil
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from agentcd.adapters.platforms import bedrock
from agentcd.adapters.platforms.bedrock_api import Clients, Connection
from tests.adapters.platforms.bedrock.conftest import LOOPBACK
from tests.adapters.platforms.bedrock.fake import Agent, FakeBedrock
from tests.adapters.platforms.example_loop import Loop, record_verdict, results, versions
from tests.conftest import ROOT, git

EXAMPLE = ROOT / "examples" / "support-desk-bedrock"
AGENTS = ["faq-bot", "refund-bot", "support-triage"]
KNOWLEDGE_BASES = {"KBDEV00001", "KBTEST0001", "KBPROD2610"}
GREETING = "Greet the customer by name when you know it.\n"
HAND_EDIT = "Promise a refund to every customer who asks for one, whatever the order."


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
    monkeypatch.setenv("AGENTCD_ACTOR", "ana")
    root = tmp_path / "support-desk-bedrock"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".agentcd", "__pycache__"))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Support desk agents on Bedrock")
    fake.knowledge_base_ids |= KNOWLEDGE_BASES
    monkeypatch.chdir(root)
    yield root


def demo_agent(root: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "support_desk_bedrock_demo", root / "app/agent.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
    first = promote_the_first_release(loop)
    evaluate_what_prod_runs(loop, project, first)
    promote_a_change(loop, project)
    edit_prod_by_hand(fake)
    drifted = loop.json("drift prod (edited)", "drift", "--env", "prod", "--exit-code", code=2)
    states = {a["agent"]: a["state"] for a in drifted["agents"]}
    assert states == {"faq-bot": "in_sync", "refund-bot": "in_sync", "support-triage": "drifted"}
    (edited,) = [a for a in drifted["agents"] if a["state"] == "drifted"]
    assert edited["kinds"] == ["provenance", "content"]
    assert [d["path"] for d in edited["differences"]] == ["agent.instruction"]
    roll_prod_back(loop)
    in_sync = loop.json("drift prod", "drift", "--env", "prod", "--exit-code")
    assert {a["state"] for a in in_sync["agents"]} == {"in_sync"}
    check_the_record(loop, first)
    seconds = time.perf_counter() - started
    print(f"the loop: {seconds:.2f}s; Bedrock calls per command:")  # pytest -rP shows it
    print("\n".join(f"  {label}: {len(calls)}" for label, calls in loop.calls.items()))


def promote_the_first_release(loop: Loop) -> dict[str, Any]:
    """dev → test → prod, each gated on an eval verdict for the digest; prod on an approval."""
    record_verdict(loop, "dev")
    dev = loop.json("promote dev", "promote", "--env", "dev")
    assert results(dev) == dict.fromkeys(AGENTS, "succeeded")
    assert versions(dev) == dict.fromkeys(AGENTS, "1")
    record_verdict(loop, "test")
    test = loop.json("promote test", "promote", "--env", "test", "--from", "dev")
    assert versions(test) == dict.fromkeys(AGENTS, "2")  # its own role and bindings
    record_verdict(loop, "prod")
    to_prod = ("promote", "--env", "prod", "--from", "test")
    refused = loop.json("promote prod (no approver)", *to_prod, code=2)
    assert results(refused) == dict.fromkeys(AGENTS, "refused")
    approval = [c for a in refused["agents"] for c in a["checks"] if c["name"] == "approval"]
    assert [c["outcome"] for c in approval] == ["fail"] * 3
    assert changes(loop.calls["promote prod (no approver)"]) == []
    prod = loop.json("promote prod", *to_prod, "--approver", "lee")
    assert versions(prod) == dict.fromkeys(AGENTS, "3")
    return {a["agent"]: a for a in prod["agents"]}


def evaluate_what_prod_runs(loop: Loop, project: Path, prod: dict[str, Any]) -> None:
    """The knowledge agent through InvokeAgent on the prod alias: its suite asserts on text
    only, which is what InvokeAgent returns (a Lambda's call stays inside Bedrock)."""
    answered: list[str] = []
    loop.fake.answers = deployed_agents(loop.fake, demo_agent(project), answered)
    args = ("eval", "--env", "prod", "--target", "platform:prod", "--agent", "faq-bot")
    report = loop.json("eval platform:prod", *args)
    assert report["verdict"] == "pass"
    assert report["target"] == {"name": "platform:prod", "type": "platform"}
    assert [a["digest"] for a in report["agents"]] == [prod["faq-bot"]["artifact_digest"]]
    assert answered == ["faq-bot:3"] * 2  # its two cases, answered by prod's version
    prod_alias = alias(bedrock_agent(loop.fake, "faq-bot"), "prod")["agentAliasId"]
    invoked = [r.url for r in loop.fake.requests if "/sessions/" in r.url]
    assert len(invoked) == 2 and all(f"/agentAliases/{prod_alias}/" in u for u in invoked)
    assert changes(loop.calls["eval platform:prod"]) == ["InvokeAgent"] * 2


def promote_a_change(loop: Loop, project: Path) -> None:
    """A change to support-triage travels the same road, by digest."""
    instructions = project / "agents" / "support-triage" / "instructions.md"
    instructions.write_text(instructions.read_text() + GREETING)
    git(project, "commit", "-q", "-am", "Greet customers by name")
    one = ("--agent", "support-triage")
    made = {}
    for env, source in (("dev", ()), ("test", ("--from", "dev")), ("prod", ("--from", "test"))):
        record_verdict(loop, env, "support-triage")
        approver = ("--approver", "lee") if env == "prod" else ()
        args = ("promote", "--env", env, *source, *one, *approver)
        made[env] = versions(loop.json(f"promote {env} (change)", *args))["support-triage"]
    assert made == {"dev": "4", "test": "5", "prod": "6"}


def edit_prod_by_hand(fake: FakeBedrock) -> None:
    """In the console: the draft edited, a version made, the prod alias routed to it."""
    triage = bedrock_agent(fake, "support-triage")
    triage.versions["7"] = {**triage.versions["6"], "instruction": HAND_EDIT}
    triage.groups["7"], triage.bases["7"] = triage.groups["6"], triage.bases["6"]
    alias(triage, "prod")["routingConfiguration"] = [{"agentVersion": "7"}]


def roll_prod_back(loop: Loop) -> None:
    """The alias points at the first release's prod version again; nothing is rebuilt."""
    args = ("rollback", "--env", "prod", "--agent", "support-triage", "--approver", "lee")
    (rolled,) = loop.json("rollback prod", *args)["agents"]
    assert (rolled["result"], rolled["rollback_to"]) == ("succeeded", 1)
    assert rolled["platform_versions"]["version"] == "3"
    assert changes(loop.calls["rollback prod"]) == ["UpdateAgentAlias"]
    assert "PrepareAgent" not in loop.calls["rollback prod"]
    assert routed(loop.fake, "support-triage", "prod") == "3"
    triage = bedrock_agent(loop.fake, "support-triage")
    assert list(triage.versions) == ["1", "2", "3", "4", "5", "6", "7"]  # none made, none gone


def check_the_record(loop: Loop, first: dict[str, Any]) -> None:
    status = loop.json("status", "status")
    cells = {
        (row["agent"], env): cell
        for row in status["agents"]
        for env, cell in row["environments"].items()
    }
    assert {c["live"] for c in cells.values()} == {"in_sync"}
    assert [cells["support-triage", env]["seq"] for env in ("dev", "test", "prod")] == [2, 2, 3]
    prod_now = cells["support-triage", "prod"]["artifact_digest"]
    assert prod_now == first["support-triage"]["artifact_digest"]  # the first release again
    history = loop.json("history prod", "history", "--env", "prod")["deployments"]
    triage = [d for d in history if d["agent"] == "support-triage"]
    assert [(d["seq"], d["kind"], d["rollback_to"]) for d in triage] == [
        (1, "promote", None),
        (2, "promote", None),
        (3, "rollback", 1),
    ]
    assert [d["status"] for d in triage] == ["succeeded", "rolled_back", "succeeded"]
    assert [d["platform_versions"]["version"] for d in triage] == ["3", "6", "3"]
    audit = loop.json("audit", "audit", "--env", "prod")["changes"]
    assert [(d["agent"], d["seq"]) for d in audit] == [
        *[(agent, 1) for agent in AGENTS],
        ("support-triage", 2),
        ("support-triage", 3),
    ]
    assert {tuple(d["approvers"]) for d in audit} == {("lee",)}
    assert {d["actor"] for d in audit} == {"ana"}
    assert [d["eval_verdict"] for d in audit if d["kind"] == "promote"] == ["pass"] * 4
    assert loop.calls["history prod"] == loop.calls["audit"] == []  # the ledger alone


def test_a_hand_made_version_with_a_copied_stamp_is_never_deployed(
    cli: Any, project: Path, fake: FakeBedrock
) -> None:
    """A console edit copies the draft's stamped description into the version it makes, so a
    stamp alone is no proof: re-applying that release must not route to the hand-made one."""
    loop = Loop(cli, fake, reset=fake.requests.clear)
    dev = ("--env", "dev", "--agent", "faq-bot")
    loop.json("release 1", "promote", *dev)
    spec = project / "agents" / "faq-bot" / "agent.yaml"
    spec.write_text(spec.read_text().replace("offer to open a ticket", "offer a ticket"))
    git(project, "commit", "-q", "-am", "Shorter")
    loop.json("release 2", "promote", *dev)
    faq = bedrock_agent(fake, "faq-bot")
    faq.versions["3"] = {**faq.versions["2"], "instruction": HAND_EDIT}  # stamp and all
    faq.groups["3"], faq.bases["3"] = faq.groups["2"], faq.bases["2"]
    alias(faq, "dev")["routingConfiguration"] = [{"agentVersion": "3"}]
    loop.json("rollback", "rollback", *dev)
    assert routed(fake, "faq-bot", "dev") == "1"
    again = loop.json("release 2 again", "promote", *dev)
    assert versions(again)["faq-bot"] == "2"  # the genuine one, read whole
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
    fake.answers = deployed_agents(fake, demo_agent(project), answered)
    spec = project / "agents" / "faq-bot" / "agent.yaml"
    spec.write_text(spec.read_text().replace("offer to open a ticket", "offer a ticket"))
    git(project, "commit", "-q", "-am", "Shorter")
    args = ("eval", "--env", "dev", "--base", "HEAD~1", "--target", "inline:dev")
    report = loop.json("eval inline:dev", *args, "--agent", "faq-bot")
    assert report["verdict"] == "pass"
    (agent,) = report["agents"]
    assert agent["digest"] != agent["base_digest"] and agent["paired"]["paired"] == 2
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
    loop = Loop(cli, fake, reset=fake.requests.clear)
    result = loop.run("eval", "eval", "--target", "inline:dev", "--agent", "faq-bot", code=1)
    assert "evaluating inline in dev: " in result.err and "model: " in result.err
    assert "Traceback" not in result.err
    assert loop.calls["eval"] == []
