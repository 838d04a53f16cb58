"""Fixtures of the langfuse tests: the loopback fake (one server a session, a fresh state a
test, no request or reply outside Langfuse's description), the keys in the environment, a
platform on it, and releases of a small triage agent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agentcd.adapters.platforms.langfuse import LangfusePlatform, open_platform
from agentcd.core.definition.canonical import build_artifact
from agentcd.core.definition.digest import artifact_digest
from agentcd.core.definition.model import Agent, Environment, LangfuseTarget
from agentcd.core.deploy.release import Release, make_release
from tests.adapters.platforms.langfuse.env import fresh_fake
from tests.adapters.platforms.langfuse.fake import FakeLangfuse, Loopback

INVOKER = {"python": "tests.adapters.platforms.langfuse.conftest:echo"}
DEFINITION: dict[str, Any] = {
    "apiVersion": "agentcd.dev/v1",
    "kind": "Agent",
    "metadata": {"name": "triage", "description": "Routes support tickets", "owners": ["ops"]},
    "instructions": "Read the ticket, then route it to the right queue.\n",
    "model": {
        "provider": "openai",
        "id": "gpt-4.1-2025-04-14",
        "parameters": {"temperature": 0.2, "max_tokens": 800},
    },
    "tools": [
        {
            "name": "route_ticket",
            "type": "function",
            "description": "Put the ticket in a queue.",
            "input_schema": {
                "type": "object",
                "properties": {"queue": {"type": "string", "enum": ["billing", "refunds"]}},
                "required": ["queue"],
            },
            "side_effects": True,
            "approval": "never",
        }
    ],
}


def echo(config: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """An application on the prompt it is given: its system message and the user's text."""
    return {"output": f"{config['prompt'][0]['content']}|{request['messages'][-1]['content']}"}


def make_release_of(environment: str = "dev", **changes: Any) -> Release:
    agent = Agent.model_validate({**DEFINITION, **changes})
    skills = {s.name or "skill": {"SKILL.md": "A skill.\n"} for s in agent.skills}
    artifact = build_artifact(
        agent, instructions=agent.instructions.text or "", specs={}, skills=skills
    )
    env = Environment(name=environment, target="langfuse")
    return make_release(
        env, artifact=artifact, artifact_digest=artifact_digest(artifact), commit="c0ffee" * 6
    )


def make_target(host: str, **changes: Any) -> LangfuseTarget:
    return LangfuseTarget.model_validate(
        {"platform": "langfuse", "host": host, "invoker": INVOKER, **changes}
    )


@pytest.fixture
def server(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Loopback:
    return fresh_fake(request, monkeypatch)


@pytest.fixture
def langfuse_fake(server: Loopback) -> FakeLangfuse:
    return server.fake


@pytest.fixture
def platform(server: Loopback) -> LangfusePlatform:
    return open_platform(make_target(server.url), project_dir=Path("."))
