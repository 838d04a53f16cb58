"""apply, find_version, point, read_live, live_agents, invoke and invoke_candidate through the
real `azure-ai-projects` client, `DefaultAzureCredential` (workload identity: the federated
token exchanged at the fake's token endpoint) and the project's OpenAI client, over HTTPS to
the fake checked against Foundry's OpenAPI description."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from agentcd.adapters.platforms.foundry import FoundryPlatform
from agentcd.core.deploy.drift import Presence
from agentcd.errors import ConfigError, PlatformError
from tests.adapters.platforms.foundry.conftest import make_foundry_release
from tests.adapters.platforms.foundry.fake import FakeFoundry

GET_AGENT, GET_VERSION = "Agents_getAgent", "Agents_getAgentVersion"
CREATE = "Agents_createAgentVersion_Agents_createAgentVersionFromCode"
LIST_VERSIONS, PATCH = "Agents_listAgentVersions", "Agents_patchAgentObject"
CHANGED = "Read the ticket twice, then route it to the right queue.\n"


def echo(definition: dict[str, Any], messages: list[dict[str, Any]]) -> str:
    return f"{definition.get('instructions')}|{messages[-1]['content']}"


def test_apply_makes_a_marked_version_that_the_selector_routes_to(
    platform: FoundryPlatform, foundry_fake: FakeFoundry
) -> None:
    rendered = platform.render(make_foundry_release())
    assert platform.apply(rendered) == {"version": "1", "agent": "triage"}
    assert foundry_fake.calls == ["token", GET_AGENT, CREATE, GET_AGENT]
    (version,) = foundry_fake.versions["triage"]
    assert version["metadata"]["agentcd_deployment"] == rendered.release.deployment_digest
    assert version["definition"] == rendered.config["definition"]
    assert foundry_fake.routed("triage") == "1"
    live = platform.read_live("triage", "dev")
    assert live.presence is Presence.PRESENT and live.config == rendered.config
    assert (live.deployment_digest, live.version) == (rendered.release.deployment_digest, "1")


def test_applying_again_finds_the_version_and_makes_none(
    platform: FoundryPlatform, foundry_fake: FakeFoundry
) -> None:
    rendered = platform.render(make_foundry_release())
    platform.apply(rendered)
    foundry_fake.calls.clear()
    assert platform.apply(rendered)["version"] == "1"
    assert foundry_fake.calls == [GET_AGENT, LIST_VERSIONS]  # the newest matched: one page
    assert len(foundry_fake.versions["triage"]) == 1


def test_a_change_makes_the_next_version_and_a_rollback_re_points_without_one(
    platform: FoundryPlatform, foundry_fake: FakeFoundry
) -> None:
    first = platform.render(make_foundry_release())
    second = platform.render(make_foundry_release(instructions=CHANGED))
    platform.apply(first)
    assert platform.apply(second)["version"] == "2"
    assert foundry_fake.routed("triage") == "2"
    foundry_fake.calls.clear()
    assert platform.find_version(first, hint="1") == "1"
    assert platform.point(first, "1") == {"version": "1", "agent": "triage"}
    assert foundry_fake.calls == [GET_VERSION, GET_AGENT, PATCH]
    assert foundry_fake.routed("triage") == "1" and len(foundry_fake.versions["triage"]) == 2
    assert platform.read_live("triage", "dev").config == first.config


def test_a_version_with_copied_marks_but_other_content_is_passed_over(
    platform: FoundryPlatform, foundry_fake: FakeFoundry
) -> None:
    rendered = platform.render(make_foundry_release())
    platform.apply(rendered)
    (made,) = foundry_fake.versions["triage"]
    edited = {**made["definition"], "instructions": "Refund everyone.\n"}
    foundry_fake.add_version("triage", edited, made["metadata"], made.get("description"))
    foundry_fake.route("triage", "2")
    assert platform.find_version(rendered, hint="2") == "1"
    assert platform.apply(rendered)["version"] == "1" and foundry_fake.routed("triage") == "1"


def test_an_agent_agentcd_did_not_make_is_refused(
    platform: FoundryPlatform, foundry_fake: FakeFoundry
) -> None:
    foundry_fake.add_version("triage", {"kind": "prompt", "model": "gpt-4o"})
    with pytest.raises(PlatformError, match="not marked agentcd_agent=triage"):
        platform.apply(platform.render(make_foundry_release()))
    assert len(foundry_fake.versions["triage"]) == 1


def test_a_failed_create_is_an_error_naming_the_deployment(
    platform: FoundryPlatform, foundry_fake: FakeFoundry
) -> None:
    foundry_fake.fail("Agents_createAgentVersion_Agents_createAgentVersionFromCode", 409, times=1)
    with pytest.raises(PlatformError, match=r"deploying triage to dev: creating a version .*409"):
        platform.apply(platform.render(make_foundry_release()))
    assert "triage" not in foundry_fake.agents


def test_read_live_absent_split_gone_and_denied(
    platform: FoundryPlatform, foundry_fake: FakeFoundry
) -> None:
    assert platform.read_live("triage", "dev").presence is Presence.ABSENT
    platform.apply(platform.render(make_foundry_release()))
    platform.apply(platform.render(make_foundry_release(instructions=CHANGED)))
    rules = [
        {"type": "FixedRatio", "agent_version": "1", "traffic_percentage": 90},
        {"type": "FixedRatio", "agent_version": "2", "traffic_percentage": 10},
    ]
    selector = foundry_fake.agents["triage"]["agent_endpoint"]["version_selector"]
    selector["version_selection_rules"] = rules
    split = platform.read_live("triage", "dev")
    assert split.presence is Presence.UNREADABLE and "1 (90%), 2 (10%)" in split.detail
    foundry_fake.route("triage", "7")
    gone = platform.read_live("triage", "dev")
    assert gone.presence is Presence.UNREADABLE and "version 7, which is gone" in gone.detail
    foundry_fake.deny(403)
    denied = platform.read_live("triage", "dev")
    assert denied.presence is Presence.UNREADABLE and "HTTP 403" in denied.detail


def test_live_agents_lists_marked_agents_of_the_environment(
    platform: FoundryPlatform, foundry_fake: FakeFoundry
) -> None:
    platform.apply(platform.render(make_foundry_release()))
    other = make_foundry_release(metadata={"name": "billing", "description": "Bills"})
    platform.apply(platform.render(other))
    foundry_fake.add_version("by-hand", {"kind": "prompt", "model": "gpt-4o"})
    assert platform.live_agents("dev") == ("billing", "triage")


def test_invoke_runs_the_version_the_selector_routes_to(
    platform: FoundryPlatform, foundry_fake: FakeFoundry
) -> None:
    foundry_fake.answers = echo
    platform.apply(platform.render(make_foundry_release()))
    platform.apply(platform.render(make_foundry_release(instructions=CHANGED)))
    foundry_fake.route("triage", "1")
    request = {"messages": [{"role": "user", "content": "my card was charged twice"}]}
    reply = platform.invoke("triage", "dev", request)
    assert reply["output"] == make_foundry_release().artifact["instructions"] + "|" + (
        "my card was charged twice"
    )
    assert reply["tool_calls"] == [] and foundry_fake.runs == ["agent"]


def test_invoke_candidate_runs_the_definition_and_creates_nothing(
    platform: FoundryPlatform, foundry_fake: FakeFoundry
) -> None:
    foundry_fake.answers = echo
    rendered = platform.render(make_foundry_release(instructions=CHANGED))
    reply = platform.invoke_candidate(rendered, {"messages": [{"role": "user", "content": "hi"}]})
    assert reply["output"] == CHANGED + "|hi"
    assert foundry_fake.runs == ["inline"] and foundry_fake.agents == {}


def test_a_request_that_does_not_end_with_a_user_message_is_refused(
    platform: FoundryPlatform, foundry_fake: FakeFoundry
) -> None:
    rendered = platform.render(make_foundry_release())
    with pytest.raises(PlatformError, match="must end with a user message"):
        platform.invoke_candidate(rendered, {"messages": [{"role": "assistant", "content": "x"}]})


def test_a_federated_token_the_tenant_does_not_accept_fails_every_call(
    platform: FoundryPlatform, foundry_fake: FakeFoundry
) -> None:
    foundry_fake.federated_token = "eyJ.someone-else"
    live = platform.read_live("triage", "dev")
    assert live.presence is Presence.UNREADABLE and "ClientAuthenticationError" in live.detail
    assert foundry_fake.agents == {}
    foundry_fake.violations.clear()  # the refused token request, recorded as it should be


def test_without_the_sdk_the_platform_says_what_to_install(
    platform: FoundryPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "azure.ai.projects", None)
    rendered = platform.render(make_foundry_release())  # rendering needs no SDK
    with pytest.raises(ConfigError, match=r"pip install 'agentcd\[foundry\]'"):
        platform.apply(rendered)
