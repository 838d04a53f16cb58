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
import json
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.adapters.platforms import example_loop as example
from tests.adapters.platforms.example_loop import Loop
from tests.adapters.platforms.foundry.env import attach, new_fake, session_server
from tests.adapters.platforms.foundry.fake import FakeFoundry

AGENTS = ["faq-bot", "support-triage"]
# Model deployments named for the snapshot they serve.
DEPLOYMENTS = {
    "faq-bot": "gpt-4.1-mini-2025-04-14",
    "refund-bot": "gpt-4.1-mini-2025-04-14",
    "support-triage": "gpt-4.1-2025-04-14",
}
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
    target = {"platform": "foundry", "endpoint": foundry_env, "naming": "{agent}-{environment}"}
    root = tmp_path / "support-desk-foundry"
    edits = {agent: on_deployment(deployment) for agent, deployment in DEPLOYMENTS.items()}
    message = "Support desk agents on Foundry"
    example.example_project(root, monkeypatch, message, target=("foundry", target), edits=edits)
    foundry_fake.demo = example.demo_agent(root, "support_desk_foundry_demo")
    yield root


def on_deployment(deployment: str) -> Callable[[dict[str, Any]], None]:
    """The change that gives an agent a Foundry model deployment."""

    def change(data: dict[str, Any]) -> None:
        data["model"].setdefault("overrides", {})["foundry"] = deployment

    return change


def test_validate_names_what_a_prompt_agent_cannot_carry(
    cli: Any, project: Path, foundry_fake: DemoFoundry
) -> None:
    findings = example.validate_refuses(Loop(cli, foundry_fake), "foundry")
    assert example.refusals(findings) == {
        *example.NOT_IN_A_PROMPT,
        ("support-triage", "model.parameters.max_output_tokens"),
    }
    assert foundry_fake.calls == []  # rendering asks nothing of Foundry


def test_the_example_runs_the_whole_loop_on_foundry(
    cli: Any, project: Path, foundry_fake: DemoFoundry
) -> None:
    example.trim_to_a_prompt(
        project, "What a Foundry prompt agent carries", "model.parameters.max_output_tokens"
    )
    loop = Loop(cli, foundry_fake)
    started = time.perf_counter()
    assert loop.json("validate", "validate")["findings"] == []
    assert loop.calls["validate"] == []
    prod = promote_through_prod(loop)
    evaluate_what_prod_runs(loop, prod)
    promote_a_change(loop, project)
    edit_prod_by_hand(foundry_fake)
    # the portal copied the marks, but the version is not the recorded one, nor is its text
    path = "definition.instructions"
    edited = example.drift_after_the_hand_edit(loop, AGENTS, "support-triage", path)
    assert edited["live"]["version"] == "3"
    assert loop.calls["drift prod (edited)"] == READ_ALL
    roll_triage_back(loop)
    example.back_in_sync(loop)
    check_the_record(loop)
    example.print_calls(loop, started, "Foundry")


def promote_through_prod(loop: Loop) -> dict[str, Any]:
    """The first release: each environment's agent is made with its first version, which its
    selector routes to. Returns prod's report."""
    first = ["token", *[GET_AGENT, CREATE, GET_AGENT] * len(AGENTS)]  # 404, made, routed
    reports = example.promote_the_first_release(loop, AGENTS)
    assert example.versions(reports["promote dev"]) == dict.fromkeys(AGENTS, "1")
    assert loop.calls["promote dev"] == first
    assert example.versions(reports["promote test"]) == dict.fromkeys(
        AGENTS, "1"
    )  # test's own agent
    assert loop.calls["promote test"] == first
    assert loop.calls["promote prod (no approver)"] == []
    prod = reports["promote prod"]
    assert example.versions(prod) == dict.fromkeys(AGENTS, "1")
    assert {a["platform_versions"]["agent"] for a in prod["agents"]} == {
        "faq-bot-prod",
        "support-triage-prod",
    }
    assert loop.calls["promote prod"] == first
    fake = loop.fake
    assert sorted(fake.agents) == sorted(f"{a}-{e}" for a in AGENTS for e in example.ENVIRONMENTS)
    assert {routed(fake, a, e) for a in AGENTS for e in example.ENVIRONMENTS} == {"1"}
    (triage,) = fake.versions["support-triage-prod"]
    assert triage["definition"]["model"] == "gpt-4.1-2025-04-14"
    assert triage["definition"]["temperature"] == 0.2
    assert [t["name"] for t in triage["definition"]["tools"]] == ["lookup_order", "route_ticket"]
    assert triage["metadata"]["agentcd_agent"] == "support-triage"
    return dict(prod)


def evaluate_what_prod_runs(loop: Loop, prod: dict[str, Any]) -> None:
    """Both agents through the Responses API on the version prod's selector routes to: the
    function calls the demo makes are what triage's suite asserts, its counts what the token
    budget checks."""
    fake = loop.fake
    report = example.eval_what_prod_runs(loop, prod)
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
    example.greet_by_name(project)
    promoted = example.promote_the_change(loop, "support-triage")
    # the versions read whole, none of them this release (the SDK asks for the page after the
    # last), then a version made and the selector moved
    again = ["token", GET_AGENT, LIST_VERSIONS, LIST_VERSIONS, CREATE, GET_AGENT, PATCH]
    for env in example.ENVIRONMENTS:
        assert example.versions(promoted[env]) == {"support-triage": "2"}
        assert loop.calls[f"promote {env} (change)"] == again
        assert made(loop.fake, "support-triage", env) == ["1", "2"]
        assert routed(loop.fake, "support-triage", env) == "2"
    assert {routed(loop.fake, "faq-bot", env) for env in example.ENVIRONMENTS} == {"1"}


def edit_prod_by_hand(fake: FakeFoundry) -> None:
    """In the Foundry portal: a new version of prod's agent from the one it runs (its metadata
    copied), other instructions, and the selector routed to it."""
    name = "support-triage-prod"
    now = next(v for v in fake.versions[name] if v["version"] == fake.routed(name))
    definition = {**now["definition"], "instructions": example.HAND_EDIT}
    version = fake.add_version(name, definition, now["metadata"], now.get("description"))
    fake.route(name, version["version"])


def roll_triage_back(loop: Loop) -> None:
    """The selector routes to the first release's version again; nothing is made."""
    rolled = example.roll_prod_back(loop, "support-triage")
    assert rolled["platform_versions"] == {"version": "1", "agent": "support-triage-prod"}
    # the recorded version read whole, then the agent and its selector re-pointed
    assert loop.calls["rollback prod"] == ["token", GET_VERSION, GET_AGENT, PATCH]
    assert routed(loop.fake, "support-triage", "prod") == "1"
    assert made(loop.fake, "support-triage", "prod") == ["1", "2", "3"]  # none made, none gone


def check_the_record(loop: Loop) -> None:
    status = example.live_everywhere(loop)
    assert set(status) == {(a, e) for a in AGENTS for e in example.ENVIRONMENTS}
    assert loop.calls["status"] == READ_ALL * len(
        example.ENVIRONMENTS
    )  # a platform per environment
    history = example.rollback_recorded(loop, "support-triage", "1", "2")
    triage = [d for d in history["deployments"] if d["agent"] == "support-triage"]
    assert triage[2]["note"] == "rollback to #1; re-pointed to version 1"
