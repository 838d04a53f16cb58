"""Fixtures of the langgraph tests: the session's real `langgraph dev` server (emptied of
assistants before each test), the adapter on it with the session's API key, and releases
built from a definition through agentcd's own schema and canonical form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agentcd.adapters.platforms.langgraph import LangGraphPlatform, open_platform
from agentcd.adapters.platforms.langgraph_api import Connection, connect
from agentcd.core.definition.canonical import build_artifact
from agentcd.core.definition.digest import artifact_digest
from agentcd.core.definition.model import Agent, Environment, LangGraphTarget
from agentcd.core.deploy.release import Release, make_release
from tests.adapters.platforms.langgraph.server import GREETER, KEY_ENV, Server, session_server

INSTRUCTIONS = "Greet the customer warmly, then route the ticket.\n"
DEFINITION: dict[str, Any] = {
    "apiVersion": "agentcd.dev/v1",
    "kind": "Agent",
    "metadata": {"name": "triage", "description": "Routes support tickets", "owners": ["ops"]},
    "instructions": INSTRUCTIONS,
    "model": {"provider": "openai", "id": "gpt-4.1-2025-04-14", "parameters": {"temperature": 0}},
    "tools": [
        {
            "name": "lookup_order",
            "type": "openapi",
            "description": "Look up an order by its number.",
            "spec": {"file": "tools/orders.yaml"},
            "binding": "orders_api",
        },
        {
            "name": "route_ticket",
            "type": "function",
            "input_schema": {"type": "object", "properties": {"queue": {"type": "string"}}},
            "side_effects": True,
            "approval": "always",
        },
    ],
    "knowledge": [{"name": "policies", "type": "vector_store", "binding": "policies_kb"}],
}
BINDINGS = {"orders_api": "https://orders.dev.example.com", "policies_kb": "kb-dev"}


def make_artifact(**changes: Any) -> dict[str, Any]:
    agent = Agent.model_validate({**DEFINITION, **changes})
    skills = {s.name or "skill": {"SKILL.md": "A skill.\n"} for s in agent.skills}
    specs = {t.name: "openapi: 3.1.0\n" for t in agent.tools if t.spec}
    return build_artifact(
        agent, instructions=agent.instructions.text or "", specs=specs, skills=skills
    )


def make_langgraph_release(environment: str = "dev", **changes: Any) -> Release:
    artifact = make_artifact(**changes)
    env = Environment(name=environment, target="lg", bindings=BINDINGS)
    return make_release(
        env, artifact=artifact, artifact_digest=artifact_digest(artifact), commit=None
    )


def make_target(server: Server, **settings: Any) -> LangGraphTarget:
    fields = {
        "platform": "langgraph",
        "url": server.url,
        "graph_id": GREETER,
        "api_key_env": KEY_ENV,
    }
    return LangGraphTarget.model_validate({**fields, **settings})


@pytest.fixture
def server(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Server:
    """The session's server with no assistant but its own, and its key where targets look."""
    started = session_server(request)
    started.reset()
    monkeypatch.setenv(KEY_ENV, started.key)
    return started


@pytest.fixture
def platform(server: Server) -> LangGraphPlatform:
    return open_platform(make_target(server, timeout_s=20), project_dir=Path("."))


class Counted:
    """The SDK client with every call it makes kept by name (`assistants.create`, ...)."""

    def __init__(self, client: Any, calls: list[str], *, replace: dict[str, Any] | None = None):
        self._client, self.calls, self._replace = client, calls, replace or {}

    def __getattr__(self, group: str) -> Any:
        real = getattr(self._client, group)
        calls, replace = self.calls, self._replace

        class Group:
            def __getattr__(self, method: str) -> Any:
                name = f"{group}.{method}"
                function = replace.get(name) or getattr(real, method)

                def counted(*args: Any, **kwargs: Any) -> Any:
                    calls.append(name)
                    return function(*args, **kwargs)

                return counted

        return Group()


def counted_platform(
    server: Server, calls: list[str], *, replace: dict[str, Any] | None = None, **settings: Any
) -> LangGraphPlatform:
    """The adapter as `open_platform` makes it, its SDK client counted (and, for a fault,
    some of its calls replaced)."""
    target = make_target(server, **settings)
    connection = Connection(
        url=target.url, api_key_env=target.api_key_env, timeout_s=target.timeout_s
    )
    return LangGraphPlatform(
        lambda: Counted(connect(connection), calls, replace=replace),
        graph_id=target.graph_id,
        naming=target.naming,
        timeout_s=target.timeout_s,
    )
