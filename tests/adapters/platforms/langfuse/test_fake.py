"""The fake itself: it holds only the operations the adapter calls, refuses what Langfuse's
description does not allow, and keeps Langfuse's semantics, so a test against it means what
it would against a Langfuse server. Plain HTTP requests (httpx), no SDK in between."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.adapters.platforms.langfuse.fake import (
    DESCRIPTION,
    PUBLIC_KEY,
    SECRET_KEY,
    FakeLangfuse,
    Loopback,
)

PROMPTS = "/api/public/v2/prompts"
SYSTEM = [{"role": "system", "content": "Route the ticket."}]


@pytest.fixture
def http(server: Loopback) -> httpx.Client:
    return httpx.Client(base_url=server.url, auth=(PUBLIC_KEY, SECRET_KEY))


def create(http: httpx.Client, *labels: str, **more: Any) -> dict[str, Any]:
    body = {"name": "triage", "type": "chat", "prompt": SYSTEM, "labels": list(labels), **more}
    reply = http.post(PROMPTS, json=body)
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def test_the_subset_holds_exactly_the_operations_the_adapter_calls() -> None:
    held = {(method, path) for path, ops in DESCRIPTION.document["paths"].items() for method in ops}
    assert held == {
        ("get", PROMPTS),
        ("post", PROMPTS),
        ("get", PROMPTS + "/{promptName}"),
        ("patch", PROMPTS + "/{name}/versions/{version}"),
    }
    assert DESCRIPTION.path.read_text().startswith("# The prompt-management subset")


def test_versions_count_from_one_and_identical_content_is_a_new_version(
    http: httpx.Client,
) -> None:
    assert [create(http)["version"], create(http)["version"]] == [1, 2]


def test_labels_are_unique_per_prompt_and_latest_follows_the_newest(
    http: httpx.Client, langfuse_fake: FakeLangfuse
) -> None:
    create(http, "dev", "production")
    create(http, "dev")
    assert {v["version"]: v["labels"] for v in langfuse_fake.prompts["triage"]} == {
        1: ["production"],
        2: ["dev", "latest"],
    }
    moved = http.patch(f"{PROMPTS}/triage/versions/1", json={"newLabels": ["dev"]})
    assert moved.status_code == 200 and moved.json()["labels"] == ["dev", "production"]
    assert langfuse_fake.prompts["triage"][1]["labels"] == ["latest"]
    latest = http.patch(f"{PROMPTS}/triage/versions/1", json={"newLabels": ["latest"]})
    assert latest.status_code == 400 and "latest" in latest.json()["message"]


def test_a_get_without_a_label_serves_production_and_an_unknown_one_is_404(
    http: httpx.Client,
) -> None:
    create(http, "production")
    create(http, "dev")
    assert http.get(f"{PROMPTS}/triage").json()["version"] == 1
    assert http.get(f"{PROMPTS}/triage", params={"label": "dev"}).json()["version"] == 2
    assert http.get(f"{PROMPTS}/triage", params={"version": 1}).json()["isActive"] is True
    for params in ({"label": "qa"}, {"version": 9}):
        assert http.get(f"{PROMPTS}/triage", params=params).status_code == 404
    assert http.get(f"{PROMPTS}/nothing").status_code == 404
    missing = http.patch(f"{PROMPTS}/triage/versions/9", json={"newLabels": ["dev"]})
    assert missing.status_code == 404


def test_no_basic_auth_or_the_wrong_keys_is_401(server: Loopback) -> None:
    for auth in (None, (PUBLIC_KEY, "sk-lf-wrong"), ("pk-lf-other", SECRET_KEY)):
        reply = httpx.get(f"{server.url}{PROMPTS}", auth=auth)
        assert reply.status_code == 401, auth


def test_a_prompt_keeps_its_type(http: httpx.Client) -> None:
    create(http)
    text = http.post(PROMPTS, json={"name": "triage", "type": "text", "prompt": "Route it."})
    assert text.status_code == 400 and "different prompt type" in text.json()["message"]


@pytest.mark.parametrize(
    ("method", "path", "body", "problem"),
    [
        ("DELETE", f"{PROMPTS}/triage", None, "no such operation"),
        ("GET", "/api/public/prompts", None, "no such operation"),
        ("GET", f"{PROMPTS}?label=dev&sort=name", None, "unknown query parameter 'sort'"),
        ("GET", f"{PROMPTS}/triage?version=one", None, "query parameter version='one'"),
        ("POST", PROMPTS, {"name": "triage", "type": "chat", "prompt": "x"}, "is not valid"),
        ("POST", PROMPTS, {"name": "triage", "prompt": "x", "owner": "me"}, "undeclared"),
        ("PATCH", f"{PROMPTS}/triage/versions/1", {"labels": ["dev"]}, "'newLabels' is a req"),
    ],
)
def test_a_request_outside_the_description_is_recorded_and_refused(
    http: httpx.Client,
    langfuse_fake: FakeLangfuse,
    method: str,
    path: str,
    body: Any,
    problem: str,
) -> None:
    reply = http.request(method, path, json=body)
    assert reply.status_code == 400
    assert any(problem in p for p in langfuse_fake.violations), langfuse_fake.violations
    langfuse_fake.violations.clear()  # recorded on purpose


def test_a_reply_outside_the_description_is_recorded(
    http: httpx.Client, langfuse_fake: FakeLangfuse
) -> None:
    create(http, "dev")
    langfuse_fake.prompts["triage"][0]["labels"] = "dev"
    http.get(f"{PROMPTS}/triage", params={"label": "dev"})
    assert any("200 answer" in p for p in langfuse_fake.violations), langfuse_fake.violations
    langfuse_fake.violations.clear()
