"""apply, find_version, point, read_live, live_agents, invoke and invoke_candidate through the
`langfuse` SDK's REST client over HTTP to the loopback fake, which keeps Langfuse's label
semantics and checks every request and reply against Langfuse's OpenAPI description; the
exact calls of each, and that the SDK sends no trace and starts no thread."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace

from agentcd.adapters.platforms.langfuse import LangfusePlatform, open_platform
from agentcd.core.deploy.drift import Presence
from agentcd.errors import PlatformError
from tests.adapters.platforms.langfuse.conftest import make_release_of, make_target
from tests.adapters.platforms.langfuse.fake import FakeLangfuse, Loopback

LIST, GET, CREATE, PATCH = "prompts_list", "prompts_get", "prompts_create", "promptVersion_update"
CHANGED = "Read the ticket twice, then route it to the right queue.\n"
REQUEST = {"messages": [{"role": "user", "content": "my parcel is late"}]}


def labels(fake: FakeLangfuse, name: str = "triage") -> dict[int, list[str]]:
    return {v["version"]: v["labels"] for v in fake.prompts[name]}


def test_apply_makes_a_stamped_version_with_the_environment_label(
    platform: LangfusePlatform, langfuse_fake: FakeLangfuse
) -> None:
    rendered = platform.render(make_release_of())
    assert platform.apply(rendered) == {"version": "1", "prompt": "triage", "label": "dev"}
    assert langfuse_fake.calls == [LIST, CREATE]  # no such prompt yet: nothing to read
    (version,) = langfuse_fake.prompts["triage"]
    assert version["type"] == "chat" and version["labels"] == ["dev", "latest"]
    assert version["prompt"] == rendered.config["prompt"]
    assert version["config"]["agentcd"]["deployment"] == rendered.release.deployment_digest
    assert version["config"]["model"] == "gpt-4.1-2025-04-14"
    assert rendered.release.deployment_digest in version["commitMessage"]
    live = platform.read_live("triage", "dev")
    assert live.presence is Presence.PRESENT and live.config == rendered.config
    assert (live.deployment_digest, live.version) == (rendered.release.deployment_digest, "1")


def test_applying_again_makes_no_version_and_asks_for_no_change(
    platform: LangfusePlatform, langfuse_fake: FakeLangfuse
) -> None:
    rendered = platform.render(make_release_of())
    platform.apply(rendered)
    langfuse_fake.calls.clear()
    assert platform.apply(rendered)["version"] == "1"
    assert langfuse_fake.calls == [LIST, GET]  # the newest is it, and has the label
    assert len(langfuse_fake.prompts["triage"]) == 1


def test_the_next_environment_takes_the_same_version_by_its_label(
    platform: LangfusePlatform, langfuse_fake: FakeLangfuse
) -> None:
    platform.apply(platform.render(make_release_of("dev")))
    langfuse_fake.calls.clear()
    prod = platform.render(make_release_of("prod"))
    assert platform.apply(prod) == {"version": "1", "prompt": "triage", "label": "prod"}
    assert langfuse_fake.calls == [LIST, GET, PATCH]
    assert labels(langfuse_fake) == {1: ["prod", "dev", "latest"]}


def test_a_change_makes_the_next_version_and_a_rollback_moves_the_label_back(
    platform: LangfusePlatform, langfuse_fake: FakeLangfuse
) -> None:
    first = platform.render(make_release_of())
    second = platform.render(make_release_of(instructions=CHANGED))
    platform.apply(first)
    platform.apply(platform.render(make_release_of("prod")))
    assert platform.apply(second)["version"] == "2"
    assert labels(langfuse_fake) == {1: ["prod"], 2: ["dev", "latest"]}  # labels are unique
    langfuse_fake.calls.clear()
    assert platform.find_version(first, hint="1") == "1"
    assert platform.point(first, "1") == {"version": "1", "prompt": "triage", "label": "dev"}
    assert langfuse_fake.calls == [GET, PATCH]
    assert labels(langfuse_fake) == {1: ["dev", "prod"], 2: ["latest"]}  # none made
    assert platform.read_live("triage", "dev").config == first.config


def test_a_version_with_a_copied_stamp_but_other_content_is_passed_over(
    platform: LangfusePlatform, langfuse_fake: FakeLangfuse
) -> None:
    rendered = platform.render(make_release_of())
    platform.apply(rendered)
    made = langfuse_fake.prompts["triage"][0]
    edited = [{"role": "system", "content": "Refund everyone.\n"}]
    langfuse_fake.create({**made, "prompt": edited, "labels": ["dev"]})  # the UI's new version
    assert platform.find_version(rendered, hint="2") == "1"
    assert platform.apply(rendered)["version"] == "1"
    assert langfuse_fake.serving("triage", "dev")["version"] == 1


def test_a_prompt_agentcd_did_not_make_is_refused(
    platform: LangfusePlatform, langfuse_fake: FakeLangfuse
) -> None:
    prompt = [{"role": "system", "content": "Someone else's."}]
    langfuse_fake.create({"name": "triage", "type": "chat", "prompt": prompt, "labels": ["dev"]})
    with pytest.raises(PlatformError, match="has no version stamped for triage"):
        platform.apply(platform.render(make_release_of()))
    assert len(langfuse_fake.prompts["triage"]) == 1


def test_a_failed_create_is_an_error_naming_the_deployment(
    platform: LangfusePlatform, langfuse_fake: FakeLangfuse
) -> None:
    langfuse_fake.fail(CREATE, 403)
    with pytest.raises(PlatformError, match=r"deploying triage to dev: creating a .*HTTP 403"):
        platform.apply(platform.render(make_release_of()))
    assert langfuse_fake.prompts.get("triage", []) == []


def test_read_live_absent_unstamped_and_unreadable(
    platform: LangfusePlatform, langfuse_fake: FakeLangfuse
) -> None:
    absent = platform.read_live("triage", "dev")
    assert absent.presence is Presence.ABSENT and "triage has label dev" in absent.detail
    platform.apply(platform.render(make_release_of()))
    assert platform.read_live("triage", "prod").presence is Presence.ABSENT
    prompt = [{"role": "system", "content": "By hand."}]
    langfuse_fake.create({"name": "triage", "type": "chat", "prompt": prompt, "labels": ["dev"]})
    by_hand = platform.read_live("triage", "dev")
    assert by_hand.presence is Presence.PRESENT and by_hand.deployment_digest is None
    assert by_hand.config["prompt"] == prompt and by_hand.config["config"] == {}
    langfuse_fake.fail(GET, 403)
    refused = platform.read_live("triage", "dev")
    assert refused.presence is Presence.UNREADABLE and "HTTP 403" in refused.detail
    langfuse_fake.deny()
    denied = platform.read_live("triage", "dev")
    assert denied.presence is Presence.UNREADABLE and "HTTP 401" in denied.detail


def test_wrong_or_missing_keys_are_unreadable(
    server: Loopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANGFUSE_SECRET_KEY", "sk-lf-wrong")
    wrong = open_platform(make_target(server.url), project_dir=Path("."))
    assert "HTTP 401" in wrong.read_live("triage", "dev").detail
    monkeypatch.delenv("LANGFUSE_SECRET_KEY")
    server.fake.calls.clear()
    named = make_target(server.url, public_key_env="LF_PK", secret_key_env="LF_SK")
    missing = open_platform(named, project_dir=Path(".")).read_live("triage", "dev")
    assert missing.presence is Presence.UNREADABLE
    assert missing.detail.endswith("no Langfuse API key: set LF_PK and LF_SK")
    assert server.fake.calls == []


def test_a_prompt_in_a_folder_and_a_mapped_label(
    server: Loopback, langfuse_fake: FakeLangfuse
) -> None:
    target = make_target(server.url, naming="support/{agent}", labels={"prod": "production"})
    platform = open_platform(target, project_dir=Path("."))
    rendered = platform.render(make_release_of("prod"))
    assert platform.apply(rendered)["label"] == "production"
    assert (
        langfuse_fake.serving("support/triage")["version"] == 1
    )  # what a get without label serves
    assert platform.read_live("triage", "prod").config == rendered.config
    assert platform.live_agents("prod") == ("triage",)


def test_live_agents_are_the_stamped_prompts_with_the_label_page_by_page(
    platform: LangfusePlatform, langfuse_fake: FakeLangfuse
) -> None:
    platform.apply(platform.render(make_release_of()))
    platform.apply(platform.render(make_release_of(metadata={"name": "faq"})))
    prompt = [{"role": "system", "content": "x"}]
    for n in range(100):  # a project's other prompts: the list takes two pages
        langfuse_fake.create(
            {"name": f"other-{n:03}", "type": "chat", "prompt": prompt, "labels": ["dev"]}
        )
    langfuse_fake.calls.clear()
    assert platform.live_agents("dev") == ("faq", "triage")
    assert langfuse_fake.calls == [LIST, LIST]
    assert platform.live_agents("prod") == ()


def test_invoke_reads_what_the_label_serves_each_time(
    platform: LangfusePlatform, langfuse_fake: FakeLangfuse
) -> None:
    platform.apply(platform.render(make_release_of()))
    first = platform.invoke("triage", "dev", REQUEST)
    assert first["output"].startswith("Read the ticket, then") and first["output"].endswith("late")
    edited = [{"role": "system", "content": "Refund everyone.\n"}]
    made = langfuse_fake.prompts["triage"][0]
    langfuse_fake.create({**made, "prompt": edited, "labels": ["dev"]})
    langfuse_fake.calls.clear()
    assert (
        platform.invoke("triage", "dev", REQUEST)["output"]
        == "Refund everyone.\n|my parcel is late"
    )
    assert langfuse_fake.calls == [GET]  # no cache between: the server's answer
    with pytest.raises(PlatformError, match="invoking triage in prod: no version of triage"):
        platform.invoke("triage", "prod", REQUEST)


def test_invoke_candidate_runs_the_rendered_version_and_asks_nothing(
    platform: LangfusePlatform, langfuse_fake: FakeLangfuse
) -> None:
    rendered = platform.render(make_release_of(instructions=CHANGED))
    reply = platform.invoke_candidate(rendered, REQUEST)
    assert reply == {"output": f"{CHANGED}|my parcel is late"}
    assert langfuse_fake.calls == [] and langfuse_fake.prompts == {}


def test_without_an_invoker_nothing_runs(server: Loopback) -> None:
    target = make_target(server.url, invoker=None)
    platform = open_platform(target, project_dir=Path("."))
    with pytest.raises(PlatformError, match="runs none: the target needs an invoker"):
        platform.invoke_candidate(platform.render(make_release_of()), REQUEST)


def test_the_sdk_sends_no_trace_and_starts_no_thread(
    platform: LangfusePlatform, langfuse_fake: FakeLangfuse
) -> None:
    from langfuse._client.resource_manager import LangfuseResourceManager

    before = set(threading.enumerate())
    rendered = platform.render(make_release_of())
    platform.apply(rendered)
    platform.read_live("triage", "dev")
    platform.live_agents("dev")
    platform.invoke("triage", "dev", REQUEST)
    started = set(threading.enumerate()) - before
    assert [t.name for t in started if "process_request" not in t.name] == []  # the fake's own
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)  # none set
    assert LangfuseResourceManager._instances == {}  # the tracing client was never made
    assert set(langfuse_fake.calls) <= {LIST, GET, CREATE, PATCH}


def test_the_reply_of_an_unknown_shape_is_an_error(
    platform: LangfusePlatform, langfuse_fake: FakeLangfuse, monkeypatch: Any
) -> None:
    platform.apply(platform.render(make_release_of()))
    langfuse_fake.prompts["triage"][0]["version"] = "one"
    live = platform.read_live("triage", "dev")
    assert live.presence is Presence.UNREADABLE and "does not document" in live.detail
    langfuse_fake.violations.clear()  # the fake's own reply broke the description on purpose
