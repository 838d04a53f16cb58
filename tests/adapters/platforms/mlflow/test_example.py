"""The support-desk example on MLflow, through agentcd's real entry point and a real `mlflow
server`: first what the prompt registry cannot carry, refused by validate and named; then the
whole loop on what it can.

A prompt version holds a text and a model configuration. Of the example's agents, refund-bot
and support-triage need tools (and skills, sub-agents, a runtime, a guardrail) that only an
application can run, and faq-bot's knowledge base is retrieved by the application, not stored
with the prompt. So the loop runs on a trimmed copy: faq-bot alone, without its knowledge
entry (the demo agent's shipping answer is its own). Validate, the eval gate and promotions
dev → test → prod (prod needs an approver; the three aliases point at one version, the same
deployment digest), an eval of what prod serves through the invoker, a change travelling the
same road, a hand edit in MLflow found as drift, the rollback that points the prod alias back,
and the record. The invoker (`app/mlflow_prompt.py`, written into the copy) runs the example's
demo agent on the template of the version it is given, so what answers is what the alias
serves, never the working tree.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.adapters.platforms.mlflow.env import Seat, take_seat
from tests.conftest import EXAMPLE, git

AGENT = "faq-bot"
GREETING = "Greet the customer by name when you know it.\n"
HAND_EDIT = "Promise a refund to every customer who asks for one, whatever the order.\n"
INVOKER = '''"""The mlflow target's invoker: the demo agent on the prompt version it is given."""

from app.agent import respond


def respond_prompt(config, request):
    agent = config["name"].rsplit(".", 1)[-1]  # the tests' prompts are <prefix>.<agent>
    artifact = {"metadata": {"name": agent}, "instructions": config["template"]}
    return respond({**request, "artifact": artifact})
'''
CREATE = "POST /api/2.0/mlflow/model-versions/create"
SET_ALIAS = "POST /api/2.0/mlflow/registered-models/alias"


class Loop:
    """The CLI, each command's MLflow calls (through the gateway) kept under a label."""

    def __init__(self, cli: Any, seat: Seat) -> None:
        self.cli, self.seat = cli, seat
        self.calls: dict[str, list[str]] = {}

    def json(self, label: str, *args: str, code: int = 0) -> Any:
        before = len(self.seat.calls())
        result = self.cli(*args, "--format", "json")
        self.calls[label] = self.seat.calls()[before:]
        assert result.code == code, (label, result)
        return json.loads(result.out)


@pytest.fixture
def seat(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Seat:
    monkeypatch.setenv("AGENTCD_ACTOR", "ana")
    return take_seat(request, monkeypatch)


@pytest.fixture
def project(tmp_path: Path, seat: Seat, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example as it is, its one target made an mlflow target."""
    root = tmp_path / "support-desk-mlflow"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".agentcd", "__pycache__"))
    config = yaml.safe_load((root / "agentcd.yaml").read_text())
    config["targets"] = {
        "local": {
            "platform": "mlflow",
            "tracking_uri": seat.gateway.url,
            "naming": seat.naming,
            "invoker": {"python": "app.mlflow_prompt:respond_prompt"},
        }
    }
    (root / "agentcd.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    (root / "app" / "mlflow_prompt.py").write_text(INVOKER)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Support desk agents on MLflow")
    monkeypatch.chdir(root)
    return root


def test_validate_names_every_field_a_prompt_registry_cannot_carry(
    cli: Any, project: Path, seat: Seat
) -> None:
    loop = Loop(cli, seat)
    report = loop.json("validate", "validate", code=1)
    found = {(f["file"], f["field"]) for f in report["findings"] if f["rule"] == "AC109"}
    faq, refund, triage = (
        f"agents/{a}/agent.yaml" for a in ("faq-bot", "refund-bot", "support-triage")
    )
    assert found == {
        (faq, "knowledge[0]"),
        (refund, "tools[0]"),  # crm (mcp)
        (refund, "tools[1]"),  # issue_refund (function)
        (refund, "knowledge[0]"),
        (refund, "skills"),
        (triage, "tools[0]"),  # lookup_order
        (triage, "tools[1]"),  # route_ticket
        (triage, "knowledge[0]"),
        (triage, "skills"),
        (triage, "subagents"),
        (triage, "guardrails[0]"),
        (triage, "runtime"),
    }
    (knowledge,) = [
        f for f in report["findings"] if (f["file"], f["field"]) == (faq, "knowledge[0]")
    ]
    assert knowledge["message"] == (
        "mlflow cannot carry faq-bot's knowledge[policies] (dev, test, prod): a prompt version "
        "holds no knowledge source; the application that loads the prompt retrieves it"
    )
    assert loop.calls["validate"] == []  # rendering asks nothing of the server


def test_the_mlflow_example_runs_the_whole_loop(cli: Any, project: Path, seat: Seat) -> None:
    trim(project)
    loop = Loop(cli, seat)
    started = time.perf_counter()
    assert loop.json("validate", "validate")["findings"] == []
    promote_the_first_release(loop)
    evaluate_what_prod_serves(loop)
    promote_a_change(loop, project)
    edit_prod_by_hand(seat)
    drifted = loop.json("drift prod (edited)", "drift", "--env", "prod", "--exit-code", code=2)
    (edited,) = drifted["agents"]
    assert (edited["state"], edited["kinds"]) == ("drifted", ["provenance", "content"])
    assert [d["path"] for d in edited["differences"]] == ["template"]
    roll_prod_back(loop, seat)
    in_sync = loop.json("drift prod", "drift", "--env", "prod", "--exit-code")
    assert [(a["state"], a["live"]["version"]) for a in in_sync["agents"]] == [("in_sync", "1")]
    check_the_record(loop)
    seconds = time.perf_counter() - started
    print(f"the loop: {seconds:.2f}s; MLflow calls per command:")  # pytest -rP shows it
    print("\n".join(f"  {label}: {len(calls)}" for label, calls in loop.calls.items()))


def trim(project: Path) -> None:
    """Only what a prompt version carries: faq-bot, without its knowledge entry (and so
    without the bindings nothing uses any more)."""
    for agent in ("refund-bot", "support-triage"):
        shutil.rmtree(project / "agents" / agent)
    config = yaml.safe_load((project / "agentcd.yaml").read_text())
    for environment in config["environments"]:
        del environment["bindings"]
    (project / "agentcd.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    spec = project / "agents" / AGENT / "agent.yaml"
    data = yaml.safe_load(spec.read_text())
    del data["knowledge"]
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "Only what a prompt registry carries")


def promote_the_first_release(loop: Loop) -> None:
    """dev → test → prod, each gated on an eval verdict for the digest; prod on an approval.
    A prompt has no bindings: one deployment digest, one version, three aliases."""
    record_verdict(loop, "dev")
    dev = loop.json("promote dev", "promote", "--env", "dev")
    assert [(a["result"], a["platform_versions"]["version"]) for a in dev["agents"]] == [
        ("succeeded", "1")
    ]
    assert loop.calls["promote dev"].count(CREATE) == 1
    record_verdict(loop, "test")
    test = loop.json("promote test", "promote", "--env", "test", "--from", "dev")
    assert [a["platform_versions"] for a in test["agents"]] == [
        {"version": "1", "prompt": f"{loop.seat.prefix}{AGENT}", "alias": "test"}
    ]
    assert CREATE not in loop.calls["promote test"]
    record_verdict(loop, "prod")
    to_prod = ("promote", "--env", "prod", "--from", "test")
    refused = loop.json("promote prod (no approver)", *to_prod, code=2)
    assert [a["result"] for a in refused["agents"]] == ["refused"]
    assert SET_ALIAS not in loop.calls["promote prod (no approver)"]
    prod = loop.json("promote prod", *to_prod, "--approver", "lee")
    assert [a["platform_versions"]["version"] for a in prod["agents"]] == ["1"]
    assert (
        loop.calls["promote prod"].count(SET_ALIAS) == 1
        and CREATE not in loop.calls["promote prod"]
    )


def record_verdict(loop: Loop, env: str) -> None:
    """The pre-deploy gate: the demo target on the working tree's artifact, offline."""
    label = f"eval {env}"
    assert loop.json(label, "eval", "--env", env, "--record")["verdict"] == "pass"
    assert loop.calls[label] == []  # nothing asked of MLflow


def evaluate_what_prod_serves(loop: Loop) -> None:
    """faq-bot's suite through the invoker on the version prod's alias serves (read from the
    server for each case)."""
    args = ("eval", "--env", "prod", "--target", "platform:prod")
    report = loop.json("eval platform:prod", *args)
    assert report["verdict"] == "pass"
    assert report["target"] == {"name": "platform:prod", "type": "platform"}
    reads = loop.calls["eval platform:prod"]
    assert reads and all(call.startswith("GET ") for call in reads)  # read, nothing changed


def promote_a_change(loop: Loop, project: Path) -> None:
    spec = project / "agents" / AGENT / "agent.yaml"
    data = yaml.safe_load(spec.read_text())
    data["instructions"] += GREETING
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    git(project, "commit", "-q", "-am", "Greet customers by name")
    made = {}
    for env, source in (("dev", ()), ("test", ("--from", "dev")), ("prod", ("--from", "test"))):
        loop.json(f"eval {env} (change)", "eval", "--env", env, "--record")
        approver = ("--approver", "lee") if env == "prod" else ()
        report = loop.json(f"promote {env} (change)", "promote", "--env", env, *source, *approver)
        made[env] = report["agents"][0]["platform_versions"]["version"]
    assert made == {"dev": "2", "test": "2", "prod": "2"}


def edit_prod_by_hand(seat: Seat) -> None:
    """In the MLflow UI: a new version with other text (the model config and tags copied),
    and the prod alias moved to it."""
    name = f"{seat.prefix}{AGENT}"
    now = seat.admin.get_prompt_version_by_alias(name, "prod")
    made = seat.admin.create_prompt_version(
        name, HAND_EDIT, tags=dict(now.tags), model_config=now.model_config
    )
    seat.admin.set_prompt_alias(name, "prod", made.version)


def roll_prod_back(loop: Loop, seat: Seat) -> None:
    """The prod alias points at the first release's version again; nothing is registered."""
    args = ("rollback", "--env", "prod", "--approver", "lee")
    (rolled,) = loop.json("rollback prod", *args)["agents"]
    assert (rolled["result"], rolled["rollback_to"]) == ("succeeded", 1)
    assert rolled["platform_versions"]["version"] == "1"
    assert CREATE not in loop.calls["rollback prod"]
    assert loop.calls["rollback prod"].count(SET_ALIAS) == 1
    name = f"{seat.prefix}{AGENT}"
    assert seat.admin.get_prompt_version_by_alias(name, "prod").version == 1
    assert [v.version for v in seat.admin.search_prompt_versions(name)] == [3, 2, 1]


def check_the_record(loop: Loop) -> None:
    history = loop.json("history prod", "history", "--env", "prod")["deployments"]
    assert [(d["seq"], d["kind"], d["rollback_to"]) for d in history] == [
        (1, "promote", None),
        (2, "promote", None),
        (3, "rollback", 1),
    ]
    assert [d["status"] for d in history] == ["succeeded", "rolled_back", "succeeded"]
    assert [d["platform_versions"]["version"] for d in history] == ["1", "2", "1"]
    status = loop.json("status", "status")
    (row,) = status["agents"]
    assert {env: cell["live"] for env, cell in row["environments"].items()} == {
        "dev": "in_sync",
        "test": "in_sync",
        "prod": "in_sync",
    }
    assert loop.calls["history prod"] == []  # the ledger alone
