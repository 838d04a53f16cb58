"""The support-desk example (`examples/support-desk`) on Azure AI Foundry Agent Service, its loop
through agentcd's real entry point with `azure-ai-projects`, `DefaultAzureCredential`
(workload identity) and the project's OpenAI client over HTTPS to the loopback fake, which
checks every request against Foundry's OpenAPI description.

The fake serves one project, so the example's environments share one foundry target whose
agents are named `{agent}-{environment}`: each environment has its own Foundry agent, versions
and version selector. Each agent names a model deployment (`model.overrides.foundry`) called
after the snapshot it serves, since `pinned_models` checks that name. The fake's Responses API
runs the example's demo agent on the definition of the version it is asked for (instructions
and function tools) and answers with the demo's text, function calls and token counts, so what
answers is what the environment runs, never the working tree.

A prompt agent carries a model deployment, instructions, temperature and top_p, and function
tools the caller runs: not skills, a runtime pin, OpenAPI or MCP tools, knowledge, sub-agents,
guardrails, a token limit or an approval step. So `validate` first refuses the example as it
is, naming each field. The loop then runs on a trimmed copy: faq-bot without its knowledge
base (the demo agent answers from its own table), support-triage with `lookup_order` as a
function and without its token limit, skills, runtime, knowledge, sub-agents and guardrails,
and no refund-bot (its decisions need the CRM over MCP and the refund-policy skill). On that
copy: the eval gate and promotions dev → test → prod (prod needs an approver), an eval of what
prod runs, a change travelling the same road, a version saved in the Foundry portal and routed
to found as drift, the rollback that re-points the version selector, and the record.
"""

from __future__ import annotations

import collections
import importlib.util
import json
import secrets
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from tests.adapters.platforms.example_loop import (
    Loop,
    cells,
    lookup_as_function,
    record,
    record_verdict,
    refusals,
    results,
    versions,
)
from tests.adapters.platforms.foundry.env import attach, new_fake, session_server
from tests.adapters.platforms.foundry.fake import FakeFoundry
from tests.conftest import EXAMPLE, git

AGENTS = ["faq-bot", "support-triage"]
ENVIRONMENTS = ("dev", "test", "prod")
# Model deployments named for the snapshot they serve.
DEPLOYMENTS = {
    "faq-bot": "gpt-4.1-mini-2025-04-14",
    "refund-bot": "gpt-4.1-mini-2025-04-14",
    "support-triage": "gpt-4.1-2025-04-14",
}
GREETING = "Greet the customer by name when you know it.\n"
HAND_EDIT = "Promise a refund to every customer who asks for one, whatever the order."
# The fake's operation names (operationIds of the description)
CREATE = "Agents_createAgentVersion_Agents_createAgentVersionFromCode"
PATCH = "Agents_patchAgentObject"
GET_AGENT, GET_VERSION = "Agents_getAgent", "Agents_getAgentVersion"
LIST_AGENTS, LIST_VERSIONS = "Agents_listAgents", "Agents_listAgentVersions"
RESPOND = "createResponse"
# What a command that reads every agent asks: the agents (the SDK asks for the page after the
# last one, ignoring `has_more`), then per agent the selector and the version it routes to.
READ_ALL = ["token", LIST_AGENTS, LIST_AGENTS, *[GET_AGENT, GET_VERSION] * len(AGENTS)]


@dataclass
class DemoFoundry(FakeFoundry):
    """The fake whose Responses API runs the demo agent on the referenced version's definition:
    its text as an output message, the tools it calls as function calls before it, its counts
    as `usage`. `answered` gets `foundry-agent:version` for each answer, `reported` the tokens."""

    demo: ModuleType | None = None
    answered: list[str] = field(default_factory=list)
    reported: int = 0

    def _createResponse(self, params: dict[str, str], data: Any, query: str) -> tuple[int, Any]:
        reference = data.get("agent_reference") or {}
        name = reference.get("name", "")
        demo: dict[str, Any] = {}

        def answer(definition: Mapping[str, Any], messages: list[Mapping[str, Any]]) -> str:
            assert self.demo is not None
            demo.update(self.demo.respond(demo_request(name, definition, messages)))
            return str(demo["output"])

        self.answers = answer
        status, reply = super()._createResponse(params, data, query)
        if status == 200:
            self.answered.append(f"{name}:{reference.get('version')}")
            reply["output"][:0] = [function_call(c) for c in demo["tool_calls"]]
            reply["usage"] = usage(demo["usage"])
            self.reported += reply["usage"]["total_tokens"]
        return status, reply


def demo_request(
    name: str, definition: Mapping[str, Any], messages: list[Mapping[str, Any]]
) -> dict[str, Any]:
    """The demo agent's request on a Foundry definition: the agent is the Foundry agent's name
    without its environment, its tools the definition's functions."""
    tools = [
        {"name": t["name"], "input_schema": t.get("parameters") or {}}
        for t in definition.get("tools", [])
    ]
    artifact = {
        "metadata": {"name": name.rsplit("-", 1)[0]},
        "instructions": definition.get("instructions") or "",
        "tools": tools,
    }
    return {"artifact": artifact, "messages": [dict(m) for m in messages]}


def function_call(call: Mapping[str, Any]) -> dict[str, Any]:
    """A Responses API `function_call` output item."""
    return {
        "type": "function_call",
        "id": f"fc_{secrets.token_hex(4)}",
        "call_id": f"call_{secrets.token_hex(4)}",
        "name": call["name"],
        "arguments": json.dumps(call["arguments"]),
        "status": "completed",
    }


def usage(counted: Mapping[str, int]) -> dict[str, Any]:
    """A Responses API `usage` object of the demo's counts."""
    given, made = counted["input_tokens"], counted["output_tokens"]
    return {
        "input_tokens": given,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": made,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": given + made,
    }


def demo_agent(root: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "support_desk_foundry_demo", root / "app" / "agent.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def changes(loop: Loop, label: str) -> list[str]:
    """The calls of a command that change something on Foundry."""
    return [c for c in loop.calls[label] if c in (CREATE, PATCH)]


def routed(fake: FakeFoundry, agent: str, environment: str) -> str | None:
    return fake.routed(f"{agent}-{environment}")


def made(fake: FakeFoundry, agent: str, environment: str) -> list[str]:
    return [v["version"] for v in fake.versions[f"{agent}-{environment}"]]


@pytest.fixture
def foundry_fake(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DemoFoundry]:
    """The folder's fake (`foundry_env` puts the workload identity on it), playing the demo
    agent; no request may leave the description."""
    server, _ = session_server(request.config, tmp_path.parent.parent / "foundry-tls")
    state = DemoFoundry(federated_token=new_fake(tmp_path.name).federated_token)
    attach(server, state)
    yield state
    assert state.violations == [], "requests or replies outside the OpenAPI description"


@pytest.fixture
def project(
    tmp_path: Path, foundry_env: str, foundry_fake: DemoFoundry, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """The example as it is, its environments one foundry target on the fake's project, each
    agent given a model deployment."""
    monkeypatch.setenv("AGENTCD_ACTOR", "ana")
    root = tmp_path / "support-desk-foundry"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".agentcd", "__pycache__"))
    config = yaml.safe_load((root / "agentcd.yaml").read_text())
    for environment in config["environments"]:
        environment["target"] = "foundry"
    target = {"platform": "foundry", "endpoint": foundry_env, "naming": "{agent}-{environment}"}
    config["targets"] = {"foundry": target}
    (root / "agentcd.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    for agent, deployment in DEPLOYMENTS.items():
        edit(root, agent, on_deployment(deployment))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Support desk agents on Foundry")
    foundry_fake.demo = demo_agent(root)
    monkeypatch.chdir(root)
    yield root


def edit(root: Path, agent: str, change: Callable[[dict[str, Any]], Any]) -> None:
    path = root / "agents" / agent / "agent.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def on_deployment(deployment: str) -> Callable[[dict[str, Any]], None]:
    """The change that gives an agent a Foundry model deployment."""

    def change(data: dict[str, Any]) -> None:
        data["model"].setdefault("overrides", {})["foundry"] = deployment

    return change


def trim(root: Path) -> None:
    """What a prompt agent carries (see the module's docstring), and no bindings left to give."""
    shutil.rmtree(root / "agents" / "refund-bot")
    edit(root, "faq-bot", lambda data: data.pop("knowledge"))
    edit(root, "support-triage", trim_triage)
    project = yaml.safe_load((root / "agentcd.yaml").read_text())
    for environment in project["environments"]:
        del environment["bindings"]  # nothing the trimmed agents have is bound
    (root / "agentcd.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "What a Foundry prompt agent carries")


def trim_triage(data: dict[str, Any]) -> None:
    for name in ("skills", "runtime", "knowledge", "subagents", "guardrails"):
        del data[name]
    del data["model"]["parameters"]["max_output_tokens"]
    lookup_as_function(data)


def test_validate_names_what_a_prompt_agent_cannot_carry(
    cli: Any, project: Path, foundry_fake: DemoFoundry
) -> None:
    result = cli("validate", "--format", "json")
    assert result.code == 1, result
    findings = json.loads(result.out)["findings"]
    assert refusals(findings) == {
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
        ("support-triage", "model.parameters.max_output_tokens"),
    }
    assert {f["rule"] for f in findings} == {"AC109"}  # nothing else is wrong
    messages = [f["message"] for f in findings]
    assert all(m.startswith("foundry cannot carry ") for m in messages), messages
    assert all(m.count("(dev, test, prod)") == 1 for m in messages)
    assert foundry_fake.calls == []  # rendering asks nothing of Foundry


def test_the_example_runs_the_whole_loop_on_foundry(
    cli: Any, project: Path, foundry_fake: DemoFoundry
) -> None:
    trim(project)
    loop = Loop(cli, foundry_fake)
    started = time.perf_counter()
    assert loop.json("validate", "validate")["findings"] == []
    assert loop.calls["validate"] == []
    prod = promote_the_first_release(loop)
    evaluate_what_prod_runs(loop, prod)
    promote_a_change(loop, project)
    edit_prod_by_hand(foundry_fake)
    drifted = loop.json("drift prod (edited)", "drift", "--env", "prod", "--exit-code", code=2)
    states = {a["agent"]: a["state"] for a in drifted["agents"]}
    assert states == {"faq-bot": "in_sync", "support-triage": "drifted"}
    (edited,) = [a for a in drifted["agents"] if a["state"] == "drifted"]
    # the portal copied the marks, but the version is not the recorded one, nor is its text
    assert edited["kinds"] == ["provenance", "content"]
    assert edited["live"]["version"] == "3"
    assert [d["path"] for d in edited["differences"]] == ["definition.instructions"]
    assert loop.calls["drift prod (edited)"] == READ_ALL
    roll_prod_back(loop)
    in_sync = loop.json("drift prod", "drift", "--env", "prod", "--exit-code")
    assert {a["state"] for a in in_sync["agents"]} == {"in_sync"}
    check_the_record(loop)
    seconds = time.perf_counter() - started
    print(f"the loop: {seconds:.2f}s; Foundry calls per command:")  # pytest -rP shows it
    print("\n".join(f"  {label}: {len(calls)}" for label, calls in loop.calls.items()))


def promote_the_first_release(loop: Loop) -> list[dict[str, Any]]:
    """dev → test → prod, each gated on an eval verdict for the digest; prod on an approval.
    Each environment's agent is made with its first version, which its selector routes to."""
    first = ["token", *[GET_AGENT, CREATE, GET_AGENT] * len(AGENTS)]  # 404, made, routed
    record_verdict(loop, "dev")
    dev = loop.json("promote dev", "promote", "--env", "dev")
    assert results(dev) == dict.fromkeys(AGENTS, "succeeded")
    assert versions(dev) == dict.fromkeys(AGENTS, "1")
    assert loop.calls["promote dev"] == first
    record_verdict(loop, "test")
    test = loop.json("promote test", "promote", "--env", "test", "--from", "dev")
    assert versions(test) == dict.fromkeys(AGENTS, "1")  # test's own agent
    assert loop.calls["promote test"] == first
    record_verdict(loop, "prod")
    to_prod = ("promote", "--env", "prod", "--from", "test")
    refused = loop.json("promote prod (no approver)", *to_prod, code=2)
    assert results(refused) == dict.fromkeys(AGENTS, "refused")
    assert loop.calls["promote prod (no approver)"] == []
    prod = loop.json("promote prod", *to_prod, "--approver", "lee")
    assert versions(prod) == dict.fromkeys(AGENTS, "1")
    assert {a["platform_versions"]["agent"] for a in prod["agents"]} == {
        "faq-bot-prod",
        "support-triage-prod",
    }
    assert loop.calls["promote prod"] == first
    fake = loop.fake
    assert sorted(fake.agents) == sorted(f"{a}-{e}" for a in AGENTS for e in ENVIRONMENTS)
    assert {routed(fake, a, e) for a in AGENTS for e in ENVIRONMENTS} == {"1"}
    (triage,) = fake.versions["support-triage-prod"]
    assert triage["definition"]["model"] == "gpt-4.1-2025-04-14"
    assert triage["definition"]["temperature"] == 0.2
    assert [t["name"] for t in triage["definition"]["tools"]] == ["lookup_order", "route_ticket"]
    assert triage["metadata"]["agentcd_agent"] == "support-triage"
    return list(prod["agents"])


def evaluate_what_prod_runs(loop: Loop, prod: list[dict[str, Any]]) -> None:
    """Both agents through the Responses API on the version prod's selector routes to: the
    function calls the demo makes are what triage's suite asserts, its counts what the token
    budget checks."""
    fake = loop.fake
    report = loop.json("eval platform:prod", "eval", "--env", "prod", "--target", "platform:prod")
    assert report["verdict"] == "pass"
    assert report["target"] == {"name": "platform:prod", "type": "platform"}
    assert [a["digest"] for a in report["agents"]] == [a["artifact_digest"] for a in prod]
    trials = report["run"]["trials_run"]
    assert trials == 8  # triage's phishing case runs 3 times
    assert collections.Counter(fake.answered) == {
        "faq-bot-prod:1": 2,
        "support-triage-prod:1": 6,
    }
    assert report["run"]["tokens"] == fake.reported > 0
    # what runs is read before and after the run for each agent; each trial reads the selector
    # and answers (trials run side by side, so their calls interleave)
    calls = loop.calls["eval platform:prod"]
    read = [GET_AGENT, GET_VERSION] * len(AGENTS)
    assert calls[: 1 + len(read)] == ["token", *read]
    assert calls[-len(read) :] == read
    assert collections.Counter(calls[1 + len(read) : -len(read)]) == {
        GET_AGENT: trials,
        RESPOND: trials,
    }


def promote_a_change(loop: Loop, project: Path) -> None:
    """A change to support-triage travels the same road, by digest: a second version in each
    environment's agent, the selector moved to it."""
    instructions = project / "agents" / "support-triage" / "instructions.md"
    instructions.write_text(instructions.read_text() + GREETING)
    git(project, "commit", "-q", "-am", "Greet customers by name")
    one = ("--agent", "support-triage")
    # the versions read whole, none of them this release (the SDK asks for the page after the
    # last), then a version made and the selector moved
    again = ["token", GET_AGENT, LIST_VERSIONS, LIST_VERSIONS, CREATE, GET_AGENT, PATCH]
    for env, source in (("dev", ()), ("test", ("--from", "dev")), ("prod", ("--from", "test"))):
        record_verdict(loop, env, "support-triage")
        approver = ("--approver", "lee") if env == "prod" else ()
        label = f"promote {env} (change)"
        promoted = loop.json(label, "promote", "--env", env, *source, *one, *approver)
        assert versions(promoted) == {"support-triage": "2"}
        assert loop.calls[label] == again
        assert made(loop.fake, "support-triage", env) == ["1", "2"]
        assert routed(loop.fake, "support-triage", env) == "2"
    assert {routed(loop.fake, "faq-bot", env) for env in ENVIRONMENTS} == {"1"}


def edit_prod_by_hand(fake: FakeFoundry) -> None:
    """In the Foundry portal: a new version of prod's agent from the one it runs (its metadata
    copied), other instructions, and the selector routed to it."""
    name = "support-triage-prod"
    now = next(v for v in fake.versions[name] if v["version"] == fake.routed(name))
    definition = {**now["definition"], "instructions": HAND_EDIT}
    version = fake.add_version(name, definition, now["metadata"], now.get("description"))
    fake.route(name, version["version"])


def roll_prod_back(loop: Loop) -> None:
    """The selector routes to the first release's version again; nothing is made."""
    args = ("rollback", "--env", "prod", "--agent", "support-triage", "--approver", "lee")
    (rolled,) = loop.json("rollback prod", *args)["agents"]
    assert (rolled["result"], rolled["rollback_to"]) == ("succeeded", 1)
    assert rolled["platform_versions"] == {"version": "1", "agent": "support-triage-prod"}
    # the recorded version read whole, then the agent and its selector re-pointed
    assert loop.calls["rollback prod"] == ["token", GET_VERSION, GET_AGENT, PATCH]
    assert routed(loop.fake, "support-triage", "prod") == "1"
    assert made(loop.fake, "support-triage", "prod") == ["1", "2", "3"]  # none made, none gone


def check_the_record(loop: Loop) -> None:
    status = cells(loop.json("status", "status"))
    assert set(status) == {(a, e) for a in AGENTS for e in ENVIRONMENTS}
    assert {c["live"] for c in status.values()} == {"in_sync"}
    assert loop.calls["status"] == READ_ALL * len(ENVIRONMENTS)  # a platform per environment
    history = loop.json("history prod", "history", "--env", "prod")
    assert record(history, "support-triage") == [
        (1, "promote", None, "succeeded", "1"),
        (2, "promote", None, "rolled_back", "2"),
        (3, "rollback", 1, "succeeded", "1"),
    ]
    triage = [d for d in history["deployments"] if d["agent"] == "support-triage"]
    assert triage[2]["note"] == "rollback to #1; re-pointed to version 1"
    assert loop.calls["history prod"] == []  # the ledger alone
