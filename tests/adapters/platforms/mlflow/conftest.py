"""Fixtures of the mlflow tests: a seat on the session's real `mlflow server` (its own prompt
prefix and gateway user), the target and platform on it, and releases to deploy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agentcd.adapters.platforms.mlflow import MlflowPlatform, open_platform
from agentcd.core.definition.canonical import build_artifact
from agentcd.core.definition.digest import artifact_digest
from agentcd.core.definition.model import Agent, Environment, MlflowTarget
from agentcd.core.deploy.release import Release, make_release
from tests.adapters.platforms.mlflow.env import Seat, take_seat

DEFINITION: dict[str, Any] = {
    "apiVersion": "agentcd.dev/v1",
    "kind": "Agent",
    "metadata": {"name": "triage", "description": "Routes support tickets", "owners": ["ops"]},
    "instructions": "Read the ticket {{ ticket }}, then name the queue it belongs in.\n",
    "model": {
        "provider": "openai",
        "id": "gpt-4.1-2025-04-14",
        "parameters": {"temperature": 0.2, "max_tokens": 800, "max_output_tokens": 800},
    },
}


def make_artifact(**changes: Any) -> dict[str, Any]:
    agent = Agent.model_validate({**DEFINITION, **changes})
    skills = {s.name or "skill": {"SKILL.md": "A skill.\n"} for s in agent.skills}
    specs = {t.name: "openapi: 3.1.0\n" for t in agent.tools if t.spec}
    return build_artifact(
        agent, instructions=agent.instructions.text or "", specs=specs, skills=skills
    )


def make_mlflow_release(environment: str = "dev", **changes: Any) -> Release:
    artifact = make_artifact(**changes)
    env = Environment(name=environment, target="mlflow")
    return make_release(
        env, artifact=artifact, artifact_digest=artifact_digest(artifact), commit="0123456789abcdef"
    )


def echo(config: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """The tests' invoker: what it was given, and the question."""
    return {"output": config["template"], "config": config, "asked": request["messages"][-1]}


@pytest.fixture
def seat(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Seat:
    return take_seat(request, monkeypatch)


@pytest.fixture
def target(seat: Seat) -> MlflowTarget:
    invoker = {"python": f"{__name__}:echo"}
    return MlflowTarget(
        platform="mlflow", tracking_uri=seat.gateway.url, naming=seat.naming, invoker=invoker
    )


@pytest.fixture
def platform(target: MlflowTarget) -> MlflowPlatform:
    return open_platform(target, project_dir=Path("."))
