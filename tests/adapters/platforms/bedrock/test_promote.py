"""The commands on a project whose target is Bedrock, through agentcd's real entry point: promote,
drift and rollback work on the existing `Platform` protocol, and the calls one promote of one
agent makes are counted (bench/bedrock_promote.py prints them with timings)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from agentcd.adapters.platforms import bedrock
from agentcd.adapters.platforms.bedrock_api import Clients, Connection
from tests.adapters.platforms.bedrock.conftest import (
    BINDINGS,
    DEFINITION,
    INSTRUCTIONS,
    LOOPBACK,
    ORDERS_SPEC,
    ROLE,
)
from tests.adapters.platforms.bedrock.fake import FakeBedrock
from tests.adapters.platforms.bedrock.test_apply import CHANGED_PROMOTE, FIRST_PROMOTE
from tests.adapters.platforms.bedrock.test_read_live import READ
from tests.conftest import git

PROJECT = {
    "apiVersion": "agentcd.dev/v1",
    "kind": "Project",
    "environments": [
        {"name": "dev", "target": "aws", "bindings": BINDINGS["dev"]},
        {"name": "prod", "target": "aws", "bindings": BINDINGS["prod"]},
    ],
    "targets": {
        "aws": {
            "platform": "bedrock",
            "region": "us-east-1",
            "roles": {"dev": ROLE.format("dev"), "prod": ROLE.format("prod")},
            "endpoint_url": LOOPBACK,
            "runtime_endpoint_url": LOOPBACK,
        }
    },
}


def write_project(root: Path) -> Path:
    agent = root / "agents" / "triage"
    agent.mkdir(parents=True)
    (root / "agentcd.yaml").write_text(yaml.safe_dump(PROJECT, sort_keys=False))
    definition = {**DEFINITION, "instructions": {"file": "instructions.md"}}
    (agent / "agent.yaml").write_text(yaml.safe_dump(definition, sort_keys=False))
    (agent / "instructions.md").write_text(INSTRUCTIONS)
    (agent / "orders.yaml").write_text(ORDERS_SPEC)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "A Bedrock agent")
    return root


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
    monkeypatch.setenv("AGENTCD_ACTOR", "ana")
    root = write_project(tmp_path / "repo")
    monkeypatch.chdir(root)
    yield root


def change(project: Path) -> None:
    text = project / "agents" / "triage" / "instructions.md"
    text.write_text(INSTRUCTIONS + "Greet the customer by name.\n")
    git(project, "commit", "-q", "-am", "Greet customers by name")


def promote(cli: Any, environment: str) -> dict[str, Any]:
    result = cli("promote", "--env", environment, "--format", "json")
    assert result.code == 0, result
    (agent,) = json.loads(result.out)["agents"]
    return dict(agent)


def test_promote_drift_and_rollback_on_bedrock(cli: Any, project: Path, fake: FakeBedrock) -> None:
    first = promote(cli, "dev")
    assert (first["result"], first["platform_versions"]["version"]) == ("succeeded", "1")
    assert fake.calls.count("CreateAgentAlias") == 1
    assert cli("drift", "--env", "dev", "--exit-code").code == 0
    fake.calls.clear()
    assert promote(cli, "dev")["result"] == "unchanged"
    assert "UpdateAgentAlias" not in fake.calls
    assert promote(cli, "prod")["platform_versions"]["version"] == "2"

    change(project)
    assert promote(cli, "dev")["platform_versions"]["version"] == "3"
    fake.calls.clear()
    result = cli("rollback", "--env", "dev", "--format", "json")
    assert result.code == 0, result
    (rolled,) = json.loads(result.out)["agents"]
    assert rolled["platform_versions"]["version"] == "1"  # its version again, none made
    assert "PrepareAgent" not in fake.calls and "UpdateAgent" not in fake.calls
    assert cli("drift", "--env", "dev", "--exit-code").code == 0
    assert list(next(iter(fake.agents.values())).versions) == ["1", "2", "3"]


def test_a_hand_edit_on_bedrock_is_drift(cli: Any, project: Path, fake: FakeBedrock) -> None:
    promote(cli, "dev")
    agent = next(iter(fake.agents.values()))
    alias = next(a for a in agent.aliases.values() if a["agentAliasName"] == "dev")
    agent.versions["2"] = {**agent.versions["1"], "instruction": "Promise a refund. " * 4}
    agent.groups["2"], agent.bases["2"] = agent.groups["1"], agent.bases["1"]
    alias["routingConfiguration"] = [{"agentVersion": "2"}]  # re-pointed in the console
    result = cli("drift", "--env", "dev", "--format", "json", "--exit-code")
    assert result.code == 2, result
    (drift,) = json.loads(result.out)["agents"]
    assert drift["state"] == "drifted"
    assert drift["kinds"] == ["provenance", "content"]
    assert [d["path"] for d in drift["differences"]] == ["agent.instruction"]


def test_unreadable_bedrock_is_unknown_never_in_sync(
    cli: Any, project: Path, fake: FakeBedrock
) -> None:
    promote(cli, "dev")
    fake.fail("GetAgentVersion", "AccessDeniedException", 403)
    result = cli("drift", "--env", "dev", "--format", "json", "--exit-code")
    assert result.code == 2, result
    assert json.loads(result.out)["agents"][0]["state"] == "unknown"


def test_the_calls_of_one_promote(cli: Any, project: Path, fake: FakeBedrock) -> None:
    """What one promote of one agent (two tools, one knowledge base) asks of Bedrock."""
    promote(cli, "dev")
    first, fake.calls[:] = list(fake.calls), []
    promote(cli, "dev")
    unchanged, fake.calls[:] = list(fake.calls), []
    change(project)
    promote(cli, "dev")
    changed = list(fake.calls)
    assert first == FIRST_PROMOTE  # nothing recorded: nothing live to read
    assert unchanged == ["ListAgents", *READ]  # what runs is read, and is the release
    assert changed == ["ListAgents", *CHANGED_PROMOTE]


def test_a_definition_bedrock_cannot_carry_stops_the_promote_before_anything_is_recorded(
    cli: Any, project: Path, fake: FakeBedrock
) -> None:
    spec = project / "agents" / "triage" / "agent.yaml"
    definition = yaml.safe_load(spec.read_text())
    definition["model"]["parameters"] = {"temperature": 0.2}
    spec.write_text(yaml.safe_dump(definition, sort_keys=False))
    git(project, "commit", "-q", "-am", "Cooler")
    result = cli("promote", "--env", "dev")
    assert result.code == 1, result
    assert "rendering triage for Bedrock (dev): model.parameters: Bedrock Agents set" in result.err
    assert fake.calls == []
    assert json.loads(cli("history", "--env", "dev", "--format", "json").out)["deployments"] == []


def test_validate_finds_what_bedrock_cannot_carry_before_merge(
    cli: Any, project: Path, fake: FakeBedrock
) -> None:
    assert cli("validate").code == 0
    spec = project / "agents" / "triage" / "agent.yaml"
    definition = yaml.safe_load(spec.read_text())
    definition["model"]["parameters"] = {"temperature": 0.2}
    definition["tools"][0]["input_schema"]["properties"]["when"] = {"type": "object"}
    spec.write_text(yaml.safe_dump(definition, sort_keys=False))
    settings = yaml.safe_load((project / "agentcd.yaml").read_text())
    del settings["targets"]["aws"]["roles"]["prod"]
    (project / "agentcd.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
    result = cli("validate", "--format", "json")
    assert result.code == 1, result
    found = [f for f in json.loads(result.out)["findings"] if f["rule"] == "AC109"]
    assert [(f["file"], f["field"]) for f in found] == [
        ("agentcd.yaml", "targets.aws.roles"),
        ("agents/triage/agent.yaml", "model.parameters"),
        ("agents/triage/agent.yaml", "tools[0].input_schema.properties.when"),
    ]
    assert all(f["line"] for f in found)  # each on the line of its field
    assert found[0]["message"] == (
        "the bedrock target's roles, for triage (prod): no agent resource role for environment prod"
    )
    assert "(dev, prod): Bedrock parameters are one of string" in found[2]["message"]
    assert fake.calls == []  # rendering only: no call to AWS
