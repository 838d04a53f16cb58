"""Apply, point, read back and list, against the real `langgraph dev` server (in-memory
runtime), with the exact SDK calls each one makes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agentcd.adapters.platforms.langgraph import open_platform
from agentcd.adapters.platforms.langgraph_render import assistant_id
from agentcd.commands._deploy import put
from agentcd.core.deploy.drift import Presence
from agentcd.errors import ConfigError, PlatformError
from tests.adapters.platforms.langgraph.conftest import (
    INSTRUCTIONS,
    counted_platform,
    make_langgraph_release,
    make_target,
)
from tests.adapters.platforms.langgraph.server import KEY_ENV, Server

TRIAGE_DEV = assistant_id("triage", "dev")
CHANGED = INSTRUCTIONS + "Sign with the team's name.\n"


def deployed(platform: Any, **changes: Any) -> tuple[Any, dict[str, str]]:
    rendered = platform.render(make_langgraph_release(**changes))
    return rendered, dict(platform.apply(rendered))


def answer(server: Server, said: str = "hello") -> str:
    """What the deployed triage assistant in dev answers (the greeter: what it runs)."""
    messages = [{"role": "user", "content": said}]
    state = server.client().runs.wait(None, TRIAGE_DEV, input={"messages": messages})
    return str(state["messages"][-1]["content"])


def test_the_first_apply_makes_the_assistant_in_one_call(server: Server) -> None:
    calls: list[str] = []
    platform = counted_platform(server, calls)
    rendered, versions = deployed(platform)
    assert versions == {"version": "1", "assistant_id": TRIAGE_DEV}
    assert calls == ["assistants.create"]
    made = server.client().assistants.get(TRIAGE_DEV)
    assert made["graph_id"] == "greeter" and made["name"] == "triage-dev"
    assert made["config"] == {"configurable": rendered.config["configurable"]}
    assert made["context"] == rendered.config["configurable"]  # the server mirrors it
    assert made["metadata"]["agentcd_deployment"] == rendered.release.deployment_digest
    assert answer(server) == INSTRUCTIONS


def test_applying_again_makes_no_version(server: Server) -> None:
    calls: list[str] = []
    platform = counted_platform(server, calls)
    deployed(platform)
    calls.clear()
    assert deployed(platform)[1]["version"] == "1"
    assert calls == ["assistants.create"]  # if_exists=do_nothing: the one there, as it is
    assert len(server.client().assistants.get_versions(TRIAGE_DEV)) == 1


def test_a_change_is_version_n_plus_1(server: Server) -> None:
    calls: list[str] = []
    platform = counted_platform(server, calls)
    deployed(platform)
    calls.clear()
    assert deployed(platform, instructions=CHANGED)[1]["version"] == "2"
    assert calls == ["assistants.create", "assistants.get_versions", "assistants.update"]
    assert answer(server) == CHANGED


def test_a_rollback_sets_the_recorded_version_latest_and_reads_back_what_runs(
    server: Server,
) -> None:
    calls: list[str] = []
    platform = counted_platform(server, calls)
    first, _ = deployed(platform)
    deployed(platform, instructions=CHANGED)
    calls.clear()
    versions, how = put(platform, first, "1")
    assert (dict(versions), how) == (
        {"version": "1", "assistant_id": TRIAGE_DEV},
        "re-pointed to version 1",
    )
    assert calls == ["assistants.get_versions", "assistants.set_latest", "assistants.get"]
    assert len(server.client().assistants.get_versions(TRIAGE_DEV)) == 2  # none made
    live = platform.read_live("triage", "dev")
    assert (live.version, live.config) == ("1", first.config)
    assert answer(server) == INSTRUCTIONS


def test_after_set_latest_the_in_memory_runtime_keeps_the_newest_context(server: Server) -> None:
    """The server's bug, pinned: set-latest restores the older version's config, not its
    context. The graph that reads `config.configurable` runs the rolled-back definition; one
    that reads `runtime.context` would run the newest. read_live says so in its detail."""
    platform = counted_platform(server, [])
    first, _ = deployed(platform)
    deployed(platform, instructions=CHANGED)
    platform.point(first, "1")
    assert answer(server) == INSTRUCTIONS  # from config.configurable
    assert answer(server, "context") == CHANGED  # from runtime.context: the newest
    assert "runtime.context runs another definition" in platform.read_live("triage", "dev").detail


def test_a_pointer_that_does_not_move_gets_the_release_applied_again(server: Server) -> None:
    """A server whose set-latest answers but leaves what runs as it was: the read-back sees
    it, and the release is applied again as a new version rather than reported as running."""
    calls: list[str] = []
    ignored = {"assistants.set_latest": lambda *args, **kwargs: {}}
    platform = counted_platform(server, calls, replace=ignored)
    first, _ = deployed(platform)
    deployed(platform, instructions=CHANGED)
    calls.clear()
    versions = platform.point(first, "1")
    assert (
        versions["version"] == "3" and "version 1 did not run as recorded" in versions["re_applied"]
    )
    assert calls == ["assistants.set_latest", "assistants.get", "assistants.update"]
    assert answer(server) == INSTRUCTIONS


def test_a_version_made_by_hand_with_copied_marks_is_never_taken_for_the_release(
    server: Server,
) -> None:
    """An update by hand keeps the metadata of the version before it (the server merges it),
    so a mark is no proof: each candidate is read whole."""
    platform = counted_platform(server, [])
    first, _ = deployed(platform)
    document = {**first.config["configurable"]}
    document["agent"] = {**document["agent"], "instructions": "Promise a refund.\n"}
    server.client().assistants.update(TRIAGE_DEV, context=document)  # version 2, marks and all
    assert server.client().assistants.get(TRIAGE_DEV)["metadata"]["agentcd_config"]
    assert platform.find_version(first) == "1"
    assert platform.find_version(first, hint="2") == "1"
    assert platform.apply(first)["version"] == "1"  # set latest, no version made
    assert len(server.client().assistants.get_versions(TRIAGE_DEV)) == 2


def test_an_assistant_agentcd_did_not_make_is_not_changed(server: Server) -> None:
    server.client().assistants.create(
        "greeter", assistant_id=TRIAGE_DEV, metadata={"team": "ops"}, name="hand-made"
    )
    platform = open_platform(make_target(server), project_dir=Path("."))
    with pytest.raises(PlatformError) as refused:
        deployed(platform)
    assert str(refused.value).startswith("deploying triage to dev: the assistant ")
    assert "is not marked agentcd_agent=triage" in str(refused.value)
    assert server.client().assistants.get(TRIAGE_DEV)["version"] == 1


def test_read_live_of_an_agent_never_deployed_is_absent(platform: Any) -> None:
    live = platform.read_live("triage", "prod")
    assert live.presence is Presence.ABSENT and assistant_id("triage", "prod") in live.detail


def test_a_refused_key_is_unreadable_and_fails_a_deploy_by_name(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed(open_platform(make_target(server), project_dir=Path(".")))
    monkeypatch.setenv(KEY_ENV, "lg-revoked-key")
    platform = open_platform(make_target(server), project_dir=Path("."))
    live = platform.read_live("triage", "dev")
    assert live.presence is Presence.UNREADABLE
    assert live.detail == (
        f"triage in dev: reading assistant {TRIAGE_DEV}: HTTP 401: invalid API key"
    )
    with pytest.raises(PlatformError, match=r"^deploying triage to dev: creating assistant .*401"):
        deployed(platform)
    with pytest.raises(PlatformError, match=r"^listing the assistants in dev: .*HTTP 401"):
        platform.live_agents("dev")


def test_a_key_variable_that_is_not_set_is_a_configuration_error(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV)
    platform = open_platform(make_target(server), project_dir=Path("."))
    with pytest.raises(ConfigError, match=f"api_key_env: {KEY_ENV} is not set"):
        platform.read_live("triage", "dev")


def test_no_key_variable_sends_no_key_not_even_the_sdks_own(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without api_key_env nothing is sent: LANGSMITH_API_KEY (which the SDK would pick up)
    stays on this machine, so the server refuses."""
    monkeypatch.setenv("LANGSMITH_API_KEY", server.key)
    monkeypatch.setenv("LANGGRAPH_API_KEY", server.key)
    platform = open_platform(make_target(server, api_key_env=None), project_dir=Path("."))
    assert "HTTP 401" in platform.read_live("triage", "dev").detail


def test_a_server_that_is_not_there_is_unreadable(server: Server) -> None:
    platform = open_platform(make_target(server, url="http://127.0.0.1:9"), project_dir=Path("."))
    live = platform.read_live("triage", "dev")
    assert live.presence is Presence.UNREADABLE and "ConnectError" in live.detail


def test_live_agents_are_the_marked_assistants_of_the_graph_in_the_environment(
    server: Server,
) -> None:
    platform = open_platform(make_target(server), project_dir=Path("."))
    for name, environment in (("triage", "dev"), ("faq", "dev"), ("triage", "prod")):
        artifact_name = {"name": name, "description": "", "owners": ["ops"]}
        deployed_in = platform.render(make_langgraph_release(environment, metadata=artifact_name))
        platform.apply(deployed_in)
    copied = server.client().assistants.get(TRIAGE_DEV)["metadata"]  # marks, on a copy by hand
    server.client().assistants.create("greeter", metadata=copied, name="copy of triage-dev")
    assert platform.live_agents("dev") == ("faq", "triage")
    assert platform.live_agents("prod") == ("triage",)
    assert platform.live_agents("test") == ()
