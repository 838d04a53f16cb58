"""The support-desk example on LangGraph Platform: its whole loop through agentcd's real entry
point against the real `langgraph dev` server, whose `support-desk` graph runs the example's
demo agent on the definition each assistant carries (so what answers is what runs there).

The example's targets become one langgraph target (one assistant per agent and environment,
named `{agent}-{environment}`). support-triage pins a runtime (openai-agents), which an
assistant cannot carry: validate refuses it by field, and the loop runs with the pin removed
(on LangGraph the graph's code is the runtime). Then: the eval gate and promotions dev → test
→ prod (prod needs an approver), an eval of what prod runs, a change travelling the same road,
a hand edit found as drift, the rollback that sets the recorded version latest again, and the
record.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentcd.adapters.platforms import langgraph
from agentcd.adapters.platforms.langgraph_api import Connection
from agentcd.adapters.platforms.langgraph_render import assistant_id
from tests.adapters.platforms import example_loop as example
from tests.adapters.platforms.example_loop import Loop
from tests.adapters.platforms.langgraph.conftest import Counted
from tests.adapters.platforms.langgraph.server import DESK, KEY_ENV, Server

AGENTS = ["faq-bot", "refund-bot", "support-triage"]
READS = ("assistants.get", "assistants.get_versions", "assistants.search")


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    made: list[str] = []
    real = langgraph.connect

    def connect(connection: Connection) -> Any:
        return Counted(real(connection), made)

    monkeypatch.setattr(langgraph, "connect", connect)
    return made


@pytest.fixture
def project(tmp_path: Path, server: Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    target = {"platform": "langgraph", "url": server.url, "graph_id": DESK, "api_key_env": KEY_ENV}
    root = tmp_path / "support-desk"
    message = "Support desk agents on LangGraph Platform"
    yield example.example_project(root, monkeypatch, message, target=("desk", target))


def loop_of(cli: Any, calls: list[str]) -> Loop:
    """The loop over the adapter's SDK calls (`calls`)."""
    return Loop(cli, calls=lambda: calls)


def changes(made: list[str]) -> list[str]:
    """The calls that change something on the server (every other one reads)."""
    return [c for c in made if c not in READS and c != "runs.wait"]


def test_the_runtime_pin_is_refused_by_validate_before_anything_reaches_the_server(
    cli: Any, project: Path, calls: list[str]
) -> None:
    (finding,) = example.validate_refuses(loop_of(cli, calls), "langgraph")
    assert (finding["rule"], finding["file"], finding["field"]) == (
        "AC109",
        "agents/support-triage/agent.yaml",
        "runtime",
    )
    assert "langgraph cannot carry support-triage's runtime (dev, test, prod)" in finding["message"]


def test_the_langgraph_example_runs_the_whole_loop(
    cli: Any, project: Path, server: Server, calls: list[str]
) -> None:
    loop = loop_of(cli, calls)
    started = time.perf_counter()
    message = "support-triage runs in the graph: no runtime pin"
    example.trim(project, message, drop={"support-triage": ["runtime"]})
    assert loop.json("validate", "validate")["findings"] == []
    first = promote_through_prod(loop)
    evaluate_what_prod_runs(loop, server, first)
    promote_a_change(loop, project)
    edit_prod_by_hand(server)
    path = "configurable.agent.instructions"
    example.drift_after_the_hand_edit(loop, AGENTS, "support-triage", path)
    roll_triage_back(loop, server)
    example.back_in_sync(loop)
    check_the_record(loop, first)
    example.print_calls(loop, started, "SDK")


def promote_through_prod(loop: Loop) -> dict[str, Any]:
    """The first release: each agent has its own assistant in each environment, version 1
    everywhere. Returns prod's report."""
    reports = example.promote_the_first_release(loop, AGENTS)
    assert example.versions(reports["promote dev"]) == dict.fromkeys(AGENTS, "1")
    assert loop.calls["promote dev"] == ["assistants.create"] * 3
    assert example.versions(reports["promote test"]) == dict.fromkeys(AGENTS, "1")
    assert changes(loop.calls["promote prod (no approver)"]) == []
    assert example.versions(reports["promote prod"]) == dict.fromkeys(AGENTS, "1")
    return dict(reports["promote prod"])


def evaluate_what_prod_runs(loop: Loop, server: Server, prod: dict[str, Any]) -> None:
    """The knowledge agent, run on its prod assistant: its suite asserts on text only."""
    seen = len(server.runs())
    example.eval_what_prod_runs(loop, prod, "faq-bot")
    ran = {"graph": DESK, "assistant_id": assistant_id("faq-bot", "prod")}
    assert server.runs()[seen:] == [ran, ran]  # its two cases, answered by prod's assistant
    read, run = "assistants.get", "runs.wait"  # what prod runs, read before and after
    assert loop.calls["eval platform:prod"] == [read, run, run, read]


def promote_a_change(loop: Loop, project: Path) -> None:
    """A change to support-triage travels the same road, by digest: version 2 in each."""
    example.greet_by_name(project)
    made = example.promote_the_change(loop, "support-triage")
    assert {env: example.versions(made[env])["support-triage"] for env in made} == {
        "dev": "2",
        "test": "2",
        "prod": "2",
    }
    update = ["assistants.create", "assistants.get_versions", "assistants.update"]
    assert loop.calls["promote prod (change)"] == update  # no marked version: N+1


def edit_prod_by_hand(server: Server) -> None:
    """In Studio or with the SDK: other instructions saved on the prod assistant (version 3)."""
    triage = assistant_id("support-triage", "prod")
    now = server.client().assistants.get(triage)
    document = dict(now["config"]["configurable"])
    document["agent"] = {**document["agent"], "instructions": example.HAND_EDIT}
    server.client().assistants.update(triage, context=document)


def roll_triage_back(loop: Loop, server: Server) -> None:
    """The prod assistant's latest version is the first release's again; nothing is made."""
    rolled = example.roll_prod_back(loop, "support-triage")
    assert rolled["platform_versions"]["version"] == "1"
    assert rolled["detail"] == "re-pointed to version 1"
    assert changes(loop.calls["rollback prod"]) == ["assistants.set_latest"]
    triage = assistant_id("support-triage", "prod")
    assert server.client().assistants.get(triage)["version"] == 1
    versions_there = server.client().assistants.get_versions(triage)
    assert [v["version"] for v in versions_there] == [3, 2, 1]  # none made, none gone


def check_the_record(loop: Loop, first: dict[str, Any]) -> None:
    prod_now = example.live_everywhere(loop)["support-triage", "prod"]["artifact_digest"]
    (triage,) = [a for a in first["agents"] if a["agent"] == "support-triage"]
    assert prod_now == triage["artifact_digest"]  # the first release again
    example.rollback_recorded(loop, "support-triage", "1", "2")


def test_a_change_is_evaluated_on_the_server_before_it_is_deployed(
    cli: Any, project: Path, server: Server, calls: list[str]
) -> None:
    """`--target inline:dev`: both sides run by the graph itself with dev's bindings, paired,
    before any deployment; no assistant is made."""
    loop = loop_of(cli, calls)
    example.shorten_faq(project)
    seen = len(server.runs())
    example.eval_inline(loop)
    assert loop.calls["eval inline:dev"] == ["runs.wait"] * 4  # two cases, once per side
    (own,) = server.client().assistants.search(graph_id=DESK, metadata={"created_by": "system"})
    ran = {"graph": DESK, "assistant_id": own["assistant_id"]}
    assert server.runs()[seen:] == [ran] * 4
    assert [a["metadata"].get("created_by") for a in server.client().assistants.search()] == [
        "system",
        "system",
    ]


def test_a_definition_an_assistant_cannot_carry_is_refused_before_any_inline_trial(
    cli: Any, project: Path, calls: list[str]
) -> None:
    example.inline_refused(loop_of(cli, calls), "support-triage", "runtime")
