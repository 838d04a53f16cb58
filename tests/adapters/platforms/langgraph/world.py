"""The langgraph world of the conformance suite: the real adapter and `langgraph-sdk` against a
real `langgraph dev` server (in-memory runtime), whose `greeter` graph answers with the
instructions of the definition it runs. Behind agentcd's back, the world does what a person
does with the SDK or in Studio: updates the assistant with other instructions, sets an older
version as its latest, or holds a key the server no longer takes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agentcd.adapters.platforms.langgraph import LangGraphPlatform, open_platform
from agentcd.adapters.platforms.langgraph_render import assistant_id
from agentcd.core.definition.model import LangGraphTarget
from tests.adapters.platforms.conformance import AGENT, release_of, write_project
from tests.adapters.platforms.langgraph.server import GREETER, KEY_ENV, Server, session_server


class LangGraphWorld:
    name = "langgraph"

    def __init__(self, root: Path, server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
        self.target = {
            "platform": "langgraph",
            "url": server.url,
            "graph_id": GREETER,
            "api_key_env": KEY_ENV,
            "timeout_s": 20,
        }
        self.root = write_project(root, self.target)
        self.server, self.monkeypatch = server, monkeypatch
        self.sdk = server.client()
        self.graph_assistant = self._graph_assistant()
        self.seen = len(server.runs())  # runs of earlier tests are not this world's

    def _graph_assistant(self) -> str:
        (own,) = self.sdk.assistants.search(graph_id=GREETER, metadata={"created_by": "system"})
        return str(own["assistant_id"])

    def platform_class(self) -> type:
        return LangGraphPlatform

    def _id(self, environment: str) -> str:
        return assistant_id(AGENT, environment)

    def versions(self, environment: str) -> list[str]:
        versions = self.sdk.assistants.get_versions(self._id(environment), limit=1000)
        return [str(v["version"]) for v in reversed(versions)]

    def running(self, environment: str) -> str | None:
        return str(self.sdk.assistants.get(self._id(environment))["version"])

    def hand_edit(self, environment: str) -> None:
        """New instructions saved on the assistant, as a person does with the SDK or in Studio:
        the context alone (what the server recommends); the server makes version N+1."""
        now = self.sdk.assistants.get(self._id(environment))
        document = dict(now["config"]["configurable"])
        document["agent"] = {**document["agent"], "instructions": "Promise a refund to everyone.\n"}
        self.sdk.assistants.update(self._id(environment), context=document)

    def repoint(self, environment: str, version: str) -> None:
        self.sdk.assistants.set_latest(self._id(environment), int(version))

    def deny(self) -> None:
        """The key agentcd holds is no longer the one the server takes (revoked): every call
        is answered 401 by the server's auth handler."""
        self.monkeypatch.setenv(KEY_ENV, "lg-revoked-key")

    def deploy_unrecorded(self, agent: str, environment: str) -> None:
        platform = open_platform(LangGraphTarget.model_validate(self.target), project_dir=self.root)
        platform.apply(platform.render(release_of(self.root, agent, environment)))

    def _runs(self) -> list[dict[str, Any]]:
        return self.server.runs()[self.seen :]

    def invocations(self) -> int:
        return sum(r["assistant_id"] != self.graph_assistant for r in self._runs())

    def candidate_runs(self) -> int:
        return sum(r["assistant_id"] == self.graph_assistant for r in self._runs())


def make_world(
    root: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> LangGraphWorld:
    server = session_server(request)
    server.reset()
    monkeypatch.setenv(KEY_ENV, server.key)
    return LangGraphWorld(root, server, monkeypatch)
