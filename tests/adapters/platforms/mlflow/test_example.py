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

import time
from pathlib import Path
from typing import Any

import pytest

from tests.adapters.platforms import example_loop as example
from tests.adapters.platforms.example_loop import Loop
from tests.adapters.platforms.mlflow.env import Seat, take_seat
from tests.conftest import git

AGENT = "faq-bot"
INVOKER = '''"""The mlflow target's invoker: the demo agent on the prompt version it is given."""

from app.agent import respond


def respond_prompt(config, request):
    agent = config["name"].rsplit(".", 1)[-1]  # the tests' prompts are <prefix>.<agent>
    artifact = {"metadata": {"name": agent}, "instructions": config["template"]}
    return respond({**request, "artifact": artifact})
'''
CREATE = "POST /api/2.0/mlflow/model-versions/create"
SET_ALIAS = "POST /api/2.0/mlflow/registered-models/alias"


@pytest.fixture
def seat(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Seat:
    return take_seat(request, monkeypatch)


@pytest.fixture
def project(tmp_path: Path, seat: Seat, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example as it is, its one target made an mlflow target."""
    target = {
        "platform": "mlflow",
        "tracking_uri": seat.gateway.url,
        "naming": seat.naming,
        "invoker": {"python": "app.mlflow_prompt:respond_prompt"},
    }
    root = tmp_path / "support-desk-mlflow"
    files = {"app/mlflow_prompt.py": INVOKER}
    message = "Support desk agents on MLflow"
    return example.example_project(
        root, monkeypatch, message, target=("local", target), files=files
    )


def loop_of(cli: Any, seat: Seat) -> Loop:
    """The loop over the seat's MLflow calls (through the gateway)."""
    return Loop(cli, calls=seat.calls)


def test_validate_names_every_field_a_prompt_registry_cannot_carry(
    cli: Any, project: Path, seat: Seat
) -> None:
    findings = example.validate_refuses(loop_of(cli, seat), "mlflow")
    assert example.refusals(findings) == {
        ("faq-bot", "knowledge[0]"),
        ("refund-bot", "tools[0]"),  # crm (mcp)
        ("refund-bot", "tools[1]"),  # issue_refund (function)
        ("refund-bot", "knowledge[0]"),
        ("refund-bot", "skills"),
        ("support-triage", "tools[0]"),  # lookup_order
        ("support-triage", "tools[1]"),  # route_ticket
        ("support-triage", "knowledge[0]"),
        ("support-triage", "skills"),
        ("support-triage", "subagents"),
        ("support-triage", "guardrails[0]"),
        ("support-triage", "runtime"),
    }
    faq = "agents/faq-bot/agent.yaml"
    (knowledge,) = [f for f in findings if (f["file"], f["field"]) == (faq, "knowledge[0]")]
    assert knowledge["message"] == (
        "mlflow cannot carry faq-bot's knowledge[policies] (dev, test, prod): a prompt version "
        "holds no knowledge source; the application that loads the prompt retrieves it"
    )


def test_the_mlflow_example_runs_the_whole_loop(cli: Any, project: Path, seat: Seat) -> None:
    trim_to_a_prompt(project)
    loop = loop_of(cli, seat)
    started = time.perf_counter()
    assert loop.json("validate", "validate")["findings"] == []
    prod = promote_through_prod(loop, seat)
    evaluate_what_prod_serves(loop, prod)
    promote_a_change(loop, project)
    edit_prod_by_hand(seat)
    example.drift_after_the_hand_edit(loop, [], AGENT, "template")
    roll_faq_back(loop, seat)
    in_sync = example.back_in_sync(loop)
    assert [(a["state"], a["live"]["version"]) for a in in_sync["agents"]] == [("in_sync", "1")]
    check_the_record(loop)
    example.print_calls(loop, started, "MLflow")


def trim_to_a_prompt(project: Path) -> None:
    """Only what a prompt version carries: faq-bot, without its knowledge entry (and so
    without the bindings nothing uses any more)."""
    example.trim(
        project,
        "Only what a prompt registry carries",
        remove=["refund-bot", "support-triage"],
        drop={AGENT: ["knowledge"]},
        unbind=True,
    )


def promote_through_prod(loop: Loop, seat: Seat) -> dict[str, Any]:
    """The first release. A prompt has no bindings: one deployment digest, one version, three
    aliases. Returns prod's report."""
    reports = example.promote_the_first_release(loop, [AGENT])
    assert [a["platform_versions"]["version"] for a in reports["promote dev"]["agents"]] == ["1"]
    assert loop.calls["promote dev"].count(CREATE) == 1
    assert [a["platform_versions"] for a in reports["promote test"]["agents"]] == [
        {"version": "1", "prompt": f"{seat.prefix}{AGENT}", "alias": "test"}
    ]
    assert CREATE not in loop.calls["promote test"]
    assert SET_ALIAS not in loop.calls["promote prod (no approver)"]
    prod = reports["promote prod"]
    assert [a["platform_versions"]["version"] for a in prod["agents"]] == ["1"]
    assert (
        loop.calls["promote prod"].count(SET_ALIAS) == 1
        and CREATE not in loop.calls["promote prod"]
    )
    return dict(prod)


def evaluate_what_prod_serves(loop: Loop, prod: dict[str, Any]) -> None:
    """faq-bot's suite through the invoker on the version prod's alias serves (read from the
    server for each case)."""
    example.eval_what_prod_runs(loop, prod)
    reads = loop.calls["eval platform:prod"]
    assert reads and all(call.startswith("GET ") for call in reads)  # read, nothing changed


def promote_a_change(loop: Loop, project: Path) -> None:
    """A change to faq-bot's instructions travels the same road, by digest: version 2."""

    def greet(data: dict[str, Any]) -> None:
        data["instructions"] += example.GREETING

    example.edit_agent(project, AGENT, greet)
    git(project, "commit", "-q", "-am", "Greet customers by name")
    made = example.promote_the_change(loop, AGENT)
    assert {env: example.versions(report) for env, report in made.items()} == {
        env: {AGENT: "2"} for env in ("dev", "test", "prod")
    }


def edit_prod_by_hand(seat: Seat) -> None:
    """In the MLflow UI: a new version with other text (the model config and tags copied),
    and the prod alias moved to it."""
    name = f"{seat.prefix}{AGENT}"
    now = seat.admin.get_prompt_version_by_alias(name, "prod")
    made = seat.admin.create_prompt_version(
        name, f"{example.HAND_EDIT}\n", tags=dict(now.tags), model_config=now.model_config
    )
    seat.admin.set_prompt_alias(name, "prod", made.version)


def roll_faq_back(loop: Loop, seat: Seat) -> None:
    """The prod alias points at the first release's version again; nothing is registered."""
    rolled = example.roll_prod_back(loop, AGENT)
    assert rolled["platform_versions"]["version"] == "1"
    assert CREATE not in loop.calls["rollback prod"]
    assert loop.calls["rollback prod"].count(SET_ALIAS) == 1
    name = f"{seat.prefix}{AGENT}"
    assert seat.admin.get_prompt_version_by_alias(name, "prod").version == 1
    assert [v.version for v in seat.admin.search_prompt_versions(name)] == [3, 2, 1]


def check_the_record(loop: Loop) -> None:
    history = example.rollback_recorded(loop, AGENT, "1", "2")
    assert {d["agent"] for d in history["deployments"]} == {AGENT}
    status = example.live_everywhere(loop)
    assert set(status) == {(AGENT, env) for env in ("dev", "test", "prod")}
