"""The foundry world of the conformance suite: the real adapter, `azure-ai-projects`,
`DefaultAzureCredential` (workload identity from a federated token file) and the project's
OpenAI client over HTTPS to the loopback fake, which checks every request against Foundry's
OpenAPI description and answers with the instructions of what it runs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agentcd.adapters.platforms.foundry import FoundryPlatform, open_platform
from agentcd.core.definition.model import FoundryTarget
from tests.adapters.platforms.conformance import AGENT, release_of, write_project
from tests.adapters.platforms.foundry.env import attach, new_fake, session_server, workload_identity
from tests.adapters.platforms.foundry.fake import FakeFoundry
from tests.conftest import git

DEPLOYMENT = "gpt-41-greeter"  # the model deployment in the test project


class FoundryWorld:
    name = "foundry"

    def __init__(self, root: Path, endpoint: str, fake: FakeFoundry) -> None:
        self.target = {"platform": "foundry", "endpoint": endpoint}
        self.root = write_project(root, self.target)
        self.fake = fake
        definition = self.root / "agents" / AGENT / "agent.yaml"
        data = yaml.safe_load(definition.read_text())
        data["model"]["overrides"]["foundry"] = DEPLOYMENT
        definition.write_text(yaml.safe_dump(data, sort_keys=False))
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "--amend", "--no-edit")
        fake.answers = lambda definition, messages: str(definition.get("instructions") or "")

    def platform_class(self) -> type:
        return FoundryPlatform

    def versions(self, environment: str) -> list[str]:
        return [v["version"] for v in self.fake.versions.get(AGENT, [])]

    def running(self, environment: str) -> str | None:
        return self.fake.routed(AGENT)

    def hand_edit(self, environment: str) -> None:
        """A version saved in the Foundry portal with new instructions, and routed to."""
        now = next(v for v in self.fake.versions[AGENT] if v["version"] == self.running(""))
        definition = {**now["definition"], "instructions": "Promise a refund to everyone.\n"}
        made = self.fake.add_version(AGENT, definition, now["metadata"], now.get("description"))
        self.repoint(environment, made["version"])

    def repoint(self, environment: str, version: str) -> None:
        self.fake.route(AGENT, version)

    def deny(self) -> None:
        self.fake.deny(403)

    def deploy_unrecorded(self, agent: str, environment: str) -> None:
        platform = open_platform(FoundryTarget.model_validate(self.target), project_dir=self.root)
        platform.apply(platform.render(release_of(self.root, agent, environment)))

    def invocations(self) -> int:
        return self.fake.runs.count("agent")

    def candidate_runs(self) -> int:
        return self.fake.runs.count("inline")


def make_world(
    root: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> FoundryWorld:
    server, bundle = session_server(request.config, root.parent.parent / "foundry-tls")
    fake = new_fake(root.parent.name)
    attach(server, fake)
    home = root.parent / "azure-home"
    home.mkdir()
    endpoint = workload_identity(monkeypatch, server, bundle, fake, home)

    def no_violations() -> None:
        assert fake.violations == [], "requests or replies outside the OpenAPI description"

    request.addfinalizer(no_violations)
    return FoundryWorld(root, endpoint, fake)
