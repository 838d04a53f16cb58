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

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from agentcd.adapters.platforms import langgraph
from agentcd.adapters.platforms.langgraph_api import Connection
from agentcd.adapters.platforms.langgraph_render import assistant_id
from tests.adapters.platforms.bedrock.test_example import record_verdict, results, versions
from tests.adapters.platforms.langgraph.conftest import Counted
from tests.adapters.platforms.langgraph.server import DESK, KEY_ENV, Server
from tests.conftest import EXAMPLE, git

AGENTS = ["faq-bot", "refund-bot", "support-triage"]
GREETING = "Greet the customer by name when you know it.\n"
HAND_EDIT = "Promise a refund to every customer who asks for one, whatever the order."
READS = ("assistants.get", "assistants.get_versions", "assistants.search")


class Loop:
    """The CLI with the adapter's SDK calls kept under each command's label."""

    def __init__(self, cli: Any, calls: list[str]) -> None:
        self.cli, self._calls = cli, calls
        self.calls: dict[str, list[str]] = {}

    def run(self, label: str, *args: str, code: int = 0) -> Any:
        self._calls.clear()
        result = self.cli(*args)
        self.calls[label] = list(self._calls)
        assert result.code == code, (label, result)
        return result

    def json(self, label: str, *args: str, code: int = 0) -> Any:
        return json.loads(self.run(label, *args, "--format", "json", code=code).out)


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
    monkeypatch.setenv("AGENTCD_ACTOR", "ana")
    root = tmp_path / "support-desk"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".agentcd", "__pycache__"))
    config = yaml.safe_load((root / "agentcd.yaml").read_text())
    for environment in config["environments"]:
        environment["target"] = "desk"
    target = {"platform": "langgraph", "url": server.url, "graph_id": DESK, "api_key_env": KEY_ENV}
    config["targets"] = {"desk": target}
    (root / "agentcd.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Support desk agents on LangGraph Platform")
    monkeypatch.chdir(root)
    yield root


def drop_the_runtime_pin(root: Path) -> None:
    spec = root / "agents" / "support-triage" / "agent.yaml"
    lines = spec.read_text().splitlines(keepends=True)
    spec.write_text("".join(line for line in lines if not line.startswith("runtime:")))
    git(root, "commit", "-q", "-am", "support-triage runs in the graph: no runtime pin")


def changes(made: list[str]) -> list[str]:
    """The calls that change something on the server (every other one reads)."""
    return [c for c in made if c not in READS and c != "runs.wait"]


def test_the_runtime_pin_is_refused_by_validate_before_anything_reaches_the_server(
    cli: Any, project: Path, calls: list[str]
) -> None:
    loop = Loop(cli, calls)
    report = loop.json("validate", "validate", code=1)
    (finding,) = report["findings"]
    assert (finding["rule"], finding["file"], finding["field"]) == (
        "AC109",
        "agents/support-triage/agent.yaml",
        "runtime",
    )
    assert "langgraph cannot carry support-triage's runtime (dev, test, prod)" in finding["message"]
    assert loop.calls["validate"] == []


def test_the_langgraph_example_runs_the_whole_loop(
    cli: Any, project: Path, server: Server, calls: list[str]
) -> None:
    loop = Loop(cli, calls)
    started = time.perf_counter()
    drop_the_runtime_pin(project)
    assert loop.json("validate", "validate")["findings"] == []
    first = promote_the_first_release(loop)
    evaluate_what_prod_runs(loop, server, first)
    promote_a_change(loop, project)
    edit_prod_by_hand(server)
    drifted = loop.json("drift prod (edited)", "drift", "--env", "prod", "--exit-code", code=2)
    states = {a["agent"]: a["state"] for a in drifted["agents"]}
    assert states == {"faq-bot": "in_sync", "refund-bot": "in_sync", "support-triage": "drifted"}
    (edited,) = [a for a in drifted["agents"] if a["state"] == "drifted"]
    assert edited["kinds"] == ["provenance", "content"]
    assert [d["path"] for d in edited["differences"]] == ["configurable.agent.instructions"]
    roll_prod_back(loop, server)
    in_sync = loop.json("drift prod", "drift", "--env", "prod", "--exit-code")
    assert {a["state"] for a in in_sync["agents"]} == {"in_sync"}
    check_the_record(loop, first)
    seconds = time.perf_counter() - started
    print(f"the loop: {seconds:.2f}s; SDK calls per command:")  # pytest -rP shows it
    print("\n".join(f"  {label}: {len(made)}" for label, made in loop.calls.items()))


def promote_the_first_release(loop: Loop) -> dict[str, Any]:
    """dev → test → prod, each gated on an eval verdict for the digest; prod on an approval.
    Each agent has its own assistant in each environment: version 1 everywhere."""
    record_verdict(loop, "dev")
    dev = loop.json("promote dev", "promote", "--env", "dev")
    assert results(dev) == dict.fromkeys(AGENTS, "succeeded")
    assert versions(dev) == dict.fromkeys(AGENTS, "1")
    assert loop.calls["promote dev"] == ["assistants.create"] * 3
    record_verdict(loop, "test")
    test = loop.json("promote test", "promote", "--env", "test", "--from", "dev")
    assert versions(test) == dict.fromkeys(AGENTS, "1")
    record_verdict(loop, "prod")
    to_prod = ("promote", "--env", "prod", "--from", "test")
    refused = loop.json("promote prod (no approver)", *to_prod, code=2)
    assert results(refused) == dict.fromkeys(AGENTS, "refused")
    assert changes(loop.calls["promote prod (no approver)"]) == []
    prod = loop.json("promote prod", *to_prod, "--approver", "lee")
    assert versions(prod) == dict.fromkeys(AGENTS, "1")
    return {a["agent"]: a for a in prod["agents"]}


def evaluate_what_prod_runs(loop: Loop, server: Server, prod: dict[str, Any]) -> None:
    """The knowledge agent, run on its prod assistant: its suite asserts on text only."""
    seen = len(server.runs())
    args = ("eval", "--env", "prod", "--target", "platform:prod", "--agent", "faq-bot")
    report = loop.json("eval platform:prod", *args)
    assert report["verdict"] == "pass"
    assert [a["digest"] for a in report["agents"]] == [prod["faq-bot"]["artifact_digest"]]
    ran = {"graph": DESK, "assistant_id": assistant_id("faq-bot", "prod")}
    assert server.runs()[seen:] == [ran, ran]  # its two cases, answered by prod's assistant
    read, run = "assistants.get", "runs.wait"  # what prod runs, read before and after
    assert loop.calls["eval platform:prod"] == [read, run, run, read]


def promote_a_change(loop: Loop, project: Path) -> None:
    """A change to support-triage travels the same road, by digest: version 2 in each."""
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
    assert made == {"dev": "2", "test": "2", "prod": "2"}
    update = ["assistants.create", "assistants.get_versions", "assistants.update"]
    assert loop.calls["promote prod (change)"] == update  # no marked version: N+1


def edit_prod_by_hand(server: Server) -> None:
    """In Studio or with the SDK: other instructions saved on the prod assistant (version 3)."""
    triage = assistant_id("support-triage", "prod")
    now = server.client().assistants.get(triage)
    document = dict(now["config"]["configurable"])
    document["agent"] = {**document["agent"], "instructions": HAND_EDIT}
    server.client().assistants.update(triage, context=document)


def roll_prod_back(loop: Loop, server: Server) -> None:
    """The prod assistant's latest version is the first release's again; nothing is made."""
    args = ("rollback", "--env", "prod", "--agent", "support-triage", "--approver", "lee")
    (rolled,) = loop.json("rollback prod", *args)["agents"]
    assert (rolled["result"], rolled["rollback_to"]) == ("succeeded", 1)
    assert rolled["platform_versions"]["version"] == "1"
    assert rolled["detail"] == "re-pointed to version 1"
    assert changes(loop.calls["rollback prod"]) == ["assistants.set_latest"]
    triage = assistant_id("support-triage", "prod")
    assert server.client().assistants.get(triage)["version"] == 1
    versions_there = server.client().assistants.get_versions(triage)
    assert [v["version"] for v in versions_there] == [3, 2, 1]  # none made, none gone


def check_the_record(loop: Loop, first: dict[str, Any]) -> None:
    status = loop.json("status", "status")
    cells = {
        (row["agent"], env): cell
        for row in status["agents"]
        for env, cell in row["environments"].items()
    }
    assert {c["live"] for c in cells.values()} == {"in_sync"}
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
    assert [d["platform_versions"]["version"] for d in triage] == ["1", "2", "1"]
    assert loop.calls["history prod"] == []  # the ledger alone


def test_a_change_is_evaluated_on_the_server_before_it_is_deployed(
    cli: Any, project: Path, server: Server, calls: list[str]
) -> None:
    """`--target inline:dev`: both sides run by the graph itself with dev's bindings, paired,
    before any deployment; no assistant is made."""
    loop = Loop(cli, calls)
    spec = project / "agents" / "faq-bot" / "agent.yaml"
    spec.write_text(spec.read_text().replace("offer to open a ticket", "offer a ticket"))
    git(project, "commit", "-q", "-am", "Shorter")
    seen = len(server.runs())
    args = ("eval", "--env", "dev", "--base", "HEAD~1", "--target", "inline:dev")
    report = loop.json("eval inline:dev", *args, "--agent", "faq-bot")
    assert report["verdict"] == "pass"
    (agent,) = report["agents"]
    assert agent["digest"] != agent["base_digest"] and agent["paired"]["paired"] == 2
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
    loop = Loop(cli, calls)
    args = ("eval", "--target", "inline:dev", "--agent", "support-triage")
    result = loop.run("eval", *args, code=1)
    assert "evaluating inline in dev: " in result.err and "runtime: " in result.err
    assert "Traceback" not in result.err
    assert loop.calls["eval"] == []
