"""apply, find_version, point, read_live, live_agents and invoke through the real
`azure-ai-projects` client, `DefaultAzureCredential` (workload identity) and the project's
OpenAI client, against the HTTPS fake checked against Foundry's OpenAPI description."""

from __future__ import annotations

from agentcd.adapters.platforms.foundry import FoundryPlatform
from agentcd.core.deploy.drift import Presence
from tests.adapters.platforms.foundry.conftest import make_foundry_release
from tests.adapters.platforms.foundry.fake import FakeFoundry


def test_apply_makes_a_marked_version_and_routes_the_selector_to_it(
    platform: FoundryPlatform, foundry_fake: FakeFoundry
) -> None:
    rendered = platform.render(make_foundry_release())
    assert platform.apply(rendered) == {"version": "1", "agent": "triage"}
    assert foundry_fake.routed("triage") == "1"
    live = platform.read_live("triage", "dev")
    assert live.presence is Presence.PRESENT and live.config == rendered.config
    assert live.deployment_digest == rendered.release.deployment_digest
