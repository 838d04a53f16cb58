"""The langfuse world of the conformance suite: the real adapter and the `langfuse` SDK's REST
client over HTTP to the loopback fake, which keeps Langfuse's label semantics and checks every
request against Langfuse's OpenAPI description. Langfuse runs no agent: the target's invoker
(`respond` below) answers with the system message of the version it is given, so what answers
is what the label serves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agentcd.adapters.platforms.langfuse import LangfusePlatform, open_platform
from agentcd.core.definition.model import LangfuseTarget
from tests.adapters.platforms.conformance import AGENT, count_runs, release_of, write_project
from tests.adapters.platforms.langfuse.env import fresh_fake
from tests.adapters.platforms.langfuse.fake import FakeLangfuse

INVOKER = {"python": "tests.adapters.platforms.langfuse.world:respond"}


def respond(config: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """The application: it would send the prompt's messages and the user's to `config.model`."""
    return {"output": config["prompt"][0]["content"]}


class LangfuseWorld:
    name = "langfuse"

    def __init__(
        self, root: Path, host: str, fake: FakeLangfuse, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.target = {"platform": "langfuse", "host": host, "invoker": INVOKER}
        self.root = write_project(root, self.target)
        self.fake = fake
        self.calls = count_runs(monkeypatch, LangfusePlatform)

    def platform_class(self) -> type:
        return LangfusePlatform

    def versions(self, environment: str) -> list[str]:
        return [str(v["version"]) for v in self.fake.prompts.get(AGENT, [])]

    def running(self, environment: str) -> str | None:
        serving = self.fake.serving(AGENT, environment)
        return None if serving is None else str(serving["version"])

    def hand_edit(self, environment: str) -> None:
        """A new version made in the Langfuse UI from the one that runs (its config copied,
        stamp and all), with other text and the environment's label."""
        now = self.fake.serving(AGENT, environment) or {}
        prompt = [{"role": "system", "content": "Promise a refund to everyone.\n"}]
        self.fake.create(
            {
                "name": AGENT,
                "type": "chat",
                "prompt": prompt,
                "config": now.get("config"),
                "labels": [environment],
            }
        )

    def repoint(self, environment: str, version: str) -> None:
        self.fake.relabel(AGENT, int(version), [environment])

    def deny(self) -> None:
        self.fake.deny()

    def deploy_unrecorded(self, agent: str, environment: str) -> None:
        target = LangfuseTarget.model_validate(self.target)
        platform = open_platform(target, project_dir=self.root)
        platform.apply(platform.render(release_of(self.root, agent, environment)))

    def invocations(self) -> int:
        return self.calls["invoke"]

    def candidate_runs(self) -> int:
        return self.calls["invoke_candidate"]


def make_world(
    root: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> LangfuseWorld:
    server = fresh_fake(request, monkeypatch)
    return LangfuseWorld(root, server.url, server.fake, monkeypatch)
