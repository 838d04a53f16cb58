"""Fixtures of the foundry tests: a throwaway CA, the HTTPS fake on 127.0.0.1 (one server a
session, a fresh fake state a test), and the environment of a CI job with workload identity
(a federated token file, the client and tenant, the authority host on the fake), so the real
`DefaultAzureCredential` gets the bearer token the fake checks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentcd.adapters.platforms.foundry import FoundryPlatform, open_platform
from agentcd.core.definition.canonical import build_artifact
from agentcd.core.definition.digest import artifact_digest
from agentcd.core.definition.model import Agent, Environment, FoundryTarget
from agentcd.core.deploy.release import Release, make_release
from tests.adapters.platforms.foundry.env import attach, new_fake, session_server, workload_identity
from tests.adapters.platforms.foundry.fake import FakeFoundry


@pytest.fixture
def foundry_fake(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FakeFoundry]:
    """A fresh fake behind the session's server; no request may leave the description."""
    server, _ = session_server(request.config, tmp_path.parent.parent / "foundry-tls")
    state = new_fake(tmp_path.name)
    attach(server, state)
    yield state
    assert state.violations == [], "requests or replies outside the OpenAPI description"


@pytest.fixture
def foundry_env(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    foundry_fake: FakeFoundry,
    tmp_path: Path,
) -> str:
    """A CI job's workload identity pointed at the fake; returns the project endpoint."""
    server, bundle = session_server(request.config, tmp_path.parent.parent / "foundry-tls")
    return workload_identity(monkeypatch, server, bundle, foundry_fake, tmp_path)


DEFINITION: dict[str, Any] = {
    "apiVersion": "agentcd.dev/v1",
    "kind": "Agent",
    "metadata": {"name": "triage", "description": "Routes support tickets", "owners": ["ops"]},
    "instructions": "Read the ticket, then route it to the right queue.\n",
    "model": {
        "provider": "openai",
        "id": "gpt-4.1-2025-04-14",
        "parameters": {"temperature": 0.2},
        "overrides": {"foundry": "gpt-41-prod"},
    },
    "tools": [
        {
            "name": "escalate",
            "type": "function",
            "description": "Hand the ticket to a person, most urgent first.",
            "input_schema": {
                "required": ["priority"],
                "type": "object",
                "properties": {"priority": {"type": "integer", "minimum": 1, "maximum": 3}},
            },
        }
    ],
}


def make_artifact(**changes: Any) -> dict[str, Any]:
    agent = Agent.model_validate({**DEFINITION, **changes})
    skills = {s.name or "skill": {"SKILL.md": "A skill.\n"} for s in agent.skills}
    specs = {t.name: "openapi: 3.1.0\n" for t in agent.tools if t.spec}
    text = agent.instructions.text or ""
    return build_artifact(agent, instructions=text, specs=specs, skills=skills)


def make_foundry_release(environment: str = "dev", **changes: Any) -> Release:
    artifact = make_artifact(**changes)
    env = Environment(name=environment, target="foundry")
    return make_release(
        env, artifact=artifact, artifact_digest=artifact_digest(artifact), commit=None
    )


@pytest.fixture
def platform(foundry_env: str) -> FoundryPlatform:
    target = FoundryTarget.model_validate({"platform": "foundry", "endpoint": foundry_env})
    return open_platform(target, project_dir=Path("."))
