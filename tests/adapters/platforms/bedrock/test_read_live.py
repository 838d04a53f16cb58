"""read_live and live_agents on the fake: what the alias runs, normalized like `render`;
anything unreadable is unreadable (drift says unknown), never in sync."""

from __future__ import annotations

import pytest

from agentcd.adapters.platforms.bedrock import BedrockPlatform
from agentcd.core.deploy.drift import Presence, config_digest, diff_configs
from tests.adapters.platforms.bedrock.conftest import (
    INSTRUCTIONS,
    ROLE,
    Connect,
    make_bedrock_release,
)
from tests.adapters.platforms.bedrock.fake import FakeBedrock

READ = [
    "ListAgentAliases",
    "GetAgentVersion",
    "ListAgentActionGroups",
    "GetAgentActionGroup",
    "GetAgentActionGroup",
    "ListAgentKnowledgeBases",
]


def test_what_runs_reads_back_as_rendered(platform: BedrockPlatform, fake: FakeBedrock) -> None:
    release = make_bedrock_release()
    rendered = platform.render(release)
    platform.apply(rendered)
    fake.calls.clear()
    live = platform.read_live("triage", "prod")
    assert (live.presence, live.version, live.deployment_digest) == (
        Presence.PRESENT,
        "1",
        release.deployment_digest,
    )
    assert config_digest(live.config or {}) == config_digest(rendered.config)
    assert fake.calls == READ  # the agent's id was listed once, by apply


def test_a_fresh_run_lists_the_agents_once_more(connect: Connect, fake: FakeBedrock) -> None:
    connect().apply(connect().render(make_bedrock_release()))
    fake.calls.clear()
    assert connect().read_live("triage", "prod").presence is Presence.PRESENT
    assert fake.calls == ["ListAgents", *READ]


def test_a_hand_made_version_is_drift_of_provenance_and_content(
    platform: BedrockPlatform, fake: FakeBedrock
) -> None:
    rendered = platform.render(make_bedrock_release())
    platform.apply(rendered)
    agent = next(iter(fake.agents.values()))
    client = platform.clients.agent  # someone edits the draft in the console and deploys it
    draft = client.get_agent(agentId=agent.id)["agent"]
    edited = INSTRUCTIONS + "Promise a refund to everyone.\n"
    keep = ("agentName", "foundationModel", "agentResourceRoleArn", "description")
    client.update_agent(agentId=agent.id, instruction=edited, **{k: draft[k] for k in keep})
    client.prepare_agent(agentId=agent.id)
    client.get_agent(agentId=agent.id)
    alias = next(a for a in agent.aliases.values() if a["agentAliasName"] == "prod")
    client.update_agent_alias(
        agentId=agent.id, agentAliasId=alias["agentAliasId"], agentAliasName="prod"
    )
    client.get_agent_alias(agentId=agent.id, agentAliasId=alias["agentAliasId"])
    live = platform.read_live("triage", "prod")
    assert (live.presence, live.version) == (Presence.PRESENT, "2")
    paths = [d.path for d in diff_configs(rendered.config, live.config or {})]
    assert paths == ["agent.guardrailConfiguration", "agent.instruction"]  # UpdateAgent reset one
    # The description kept its stamp, so only the version tells it apart from what was recorded.
    assert live.deployment_digest == rendered.release.deployment_digest


def test_a_re_pointed_alias_reads_as_the_version_it_runs(
    platform: BedrockPlatform, fake: FakeBedrock
) -> None:
    old = make_bedrock_release()
    platform.apply(platform.render(old))
    platform.apply(platform.render(make_bedrock_release(instructions=INSTRUCTIONS + "More.\n")))
    platform.point(platform.render(old), "1")
    live = platform.read_live("triage", "prod")
    assert (live.version, live.deployment_digest) == ("1", old.deployment_digest)


def test_nothing_deployed_is_absent(platform: BedrockPlatform, fake: FakeBedrock) -> None:
    live = platform.read_live("triage", "prod")
    assert (live.presence, live.detail) == (Presence.ABSENT, "no Bedrock agent named triage")
    platform.apply(platform.render(make_bedrock_release("dev")))
    live = platform.read_live("triage", "prod")
    assert (live.presence, live.detail) == (Presence.ABSENT, "triage has no alias prod")


@pytest.mark.parametrize(
    ("operation", "code", "status"),
    [
        ("ListAgents", "AccessDeniedException", 403),
        ("ListAgentAliases", "ThrottlingException", 429),
        ("GetAgentVersion", "ResourceNotFoundException", 404),
        ("GetAgentActionGroup", "InternalServerException", 500),
        ("ListAgentKnowledgeBases", "ValidationException", 400),
    ],
)
def test_what_cannot_be_read_is_unreadable(
    connect: Connect, fake: FakeBedrock, operation: str, code: str, status: int
) -> None:
    connect().apply(connect().render(make_bedrock_release()))
    fake.fail(operation, code, status)
    live = connect().read_live("triage", "prod")
    assert live.presence is Presence.UNREADABLE
    assert live.config is None and live.deployment_digest is None
    assert live.detail.startswith(f"triage in prod: Bedrock {operation}: {code}: injected")


def test_an_alias_routing_to_a_deleted_version_is_unreadable(
    platform: BedrockPlatform, fake: FakeBedrock
) -> None:
    platform.apply(platform.render(make_bedrock_release()))
    del next(iter(fake.agents.values())).versions["1"]
    live = platform.read_live("triage", "prod")
    assert live.presence is Presence.UNREADABLE
    assert "GetAgentVersion: ResourceNotFoundException" in live.detail


def test_live_agents_are_the_tagged_ones_with_an_alias_for_the_environment(
    platform: BedrockPlatform, fake: FakeBedrock
) -> None:
    platform.apply(platform.render(make_bedrock_release("prod")))
    platform.apply(platform.render(make_bedrock_release("dev", metadata={"name": "faq"})))
    role = ROLE.format("prod")
    platform.clients.agent.create_agent(agentName="hand-made", agentResourceRoleArn=role)
    assert platform.live_agents("prod") == ("triage",)
    assert platform.live_agents("dev") == ("faq",)
    assert platform.live_agents("test") == ()
