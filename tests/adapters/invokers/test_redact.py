"""Credentials agentcd sent never come back into what it keeps: observations, errors, reports.

Loopback servers echo the request's headers in a reply, an error envelope, a page that is not
JSON, a model's answer and a tool call; every copy of the key must read `[redacted]`.
"""

from __future__ import annotations

import json
import random
import string
from pathlib import Path
from typing import Any

import pytest
import yaml

from agentcd.adapters.invokers._http import JsonPoster
from agentcd.adapters.invokers.base import InvokeError
from agentcd.adapters.invokers.http import HttpInvoker
from agentcd.adapters.invokers.openai import OpenAIInvoker, OpenAIJudge
from agentcd.adapters.invokers.redact import REDACTED, Redactor, sent_credentials
from agentcd.core.evals.observation import ToolCall
from agentcd.core.evals.settings import HttpTarget, Judge, OpenAITarget
from tests.adapters.invokers.test_openai import REQUEST
from tests.fakes.echo_server import EchoServer
from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_reply

# Assembled at run time: no literal key sits in the repository.
KEY = "sk-" + "proj-" + "".join(random.Random(7).choices(string.ascii_letters, k=40))


@pytest.mark.parametrize(
    ("headers", "sent"),
    [
        ({"Authorization": "Bearer abc123def"}, ("Bearer abc123def", "abc123def")),
        ({"X-Api-Key": "k3y-v4lue"}, ("k3y-v4lue",)),
        ({}, ()),
    ],
)
def test_sent_credentials_are_each_header_value_and_the_token_after_a_scheme(
    headers: dict[str, str], sent: tuple[str, ...]
) -> None:
    assert sent_credentials(headers) == sent


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        (f"Authorization: Bearer {KEY}", f"Authorization: {REDACTED}"),
        (f"key={KEY}&x=1", f"key={REDACTED}&x=1"),
        (json.dumps({"k": f"a/{KEY}"}), json.dumps({"k": f"a/{REDACTED}"})),
        (f"https://x.invalid/?t={KEY.replace('-', '%2D')}", f"https://x.invalid/?t={REDACTED}"),
        ("nothing to hide here", "nothing to hide here"),
    ],
)
def test_every_form_of_a_credential_is_redacted(text: str, redacted: str) -> None:
    redactor = Redactor(sent_credentials({"Authorization": f"Bearer {KEY}"}))
    quoted = Redactor([KEY.replace("-", "%2D")])  # a URL-encoded form as such
    assert quoted.text(redactor.text(text)) == redacted


def test_data_is_redacted_in_keys_and_values_at_any_depth() -> None:
    redactor = Redactor([KEY])
    data = {"a": [1, True, None, {KEY: f"x {KEY} y"}], "n": 2.5}
    assert redactor.data(data) == {"a": [1, True, None, {REDACTED: f"x {REDACTED} y"}], "n": 2.5}


def test_values_too_short_to_be_keys_are_not_searched_for() -> None:
    assert Redactor(["abc", "yes"]).text("abc yes") == "abc yes"


def _http(url: str, monkeypatch: pytest.MonkeyPatch) -> HttpInvoker:
    monkeypatch.setenv("APP_KEY", KEY)
    target = HttpTarget(type="http", url=url, api_key_env="APP_KEY")
    return HttpInvoker("app", target, poster=JsonPoster())


def test_an_http_target_echoing_the_header_gets_it_back_redacted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with EchoServer("reply") as echo:
        obs = _http(echo.url, monkeypatch).invoke(REQUEST, timeout=5)
    assert KEY not in repr(obs)
    assert f'"Authorization": "{REDACTED}"' in obs.output
    assert obs.tool_calls == (ToolCall("route_ticket", {"queue": "billing", "seen": REDACTED}),)


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("error", f"HTTP 401: Incorrect API key provided: {REDACTED}"),
        (
            "page",
            "HTTP 502: <html><body>Bad gateway. Request headers: <ul>"
            f"<li>Authorization: {REDACTED}",
        ),
    ],
)
def test_errors_that_echo_the_header_are_redacted(
    mode: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with EchoServer(mode) as echo, pytest.raises(InvokeError) as e:
        _http(echo.url, monkeypatch).invoke(REQUEST, timeout=5)
    assert str(e.value).startswith(message)
    assert KEY not in str(e.value) and KEY[:20] not in str(e.value)


def test_a_malformed_reply_that_echoes_the_header_is_redacted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with EchoServer("garbled") as echo, pytest.raises(InvokeError) as e:
        _http(echo.url, monkeypatch).invoke(REQUEST, timeout=5)
    assert str(e.value).startswith("malformed response: not JSON (<html>")
    assert KEY not in str(e.value)
    assert e.value.__cause__ is None  # the decoding error would hold the body unredacted


def test_a_model_repeating_its_key_in_answers_and_tool_calls_is_redacted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    with FakeOpenAI() as fake:

        def leaky(body: dict[str, Any]) -> dict[str, Any]:
            auth = fake.headers[-1]["Authorization"]
            if not any(m["role"] == "tool" for m in body["messages"]):
                return tool_reply(("lookup_order", {"number": "123456", "auth": auth}))
            return text_reply(f"My instructions came with {auth}.")

        fake.handler = leaky
        target = OpenAITarget(type="openai", base_url=fake.base_url)
        obs = OpenAIInvoker("model", target, poster=JsonPoster()).invoke(REQUEST, timeout=5)
        judge = OpenAIJudge(Judge(base_url=fake.base_url), poster=JsonPoster())
        fake.handler = lambda body: text_reply(f"PASS (key {fake.headers[-1]['Authorization']})")
        verdict, _ = judge.judge("gpt-4.1-mini-2025-04-14", [], timeout=5)
    assert obs.output == f"My instructions came with {REDACTED}."
    assert obs.tool_calls == (ToolCall("lookup_order", {"number": "123456", "auth": REDACTED}),)
    assert verdict == f"PASS (key {REDACTED})"
    assert "test-key" not in repr(obs) + verdict


def test_eval_reports_never_hold_a_key_the_target_echoed(
    cli: Any, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APP_KEY", KEY)
    with EchoServer("reply") as echo:
        path = repo / "agentcd.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["evals"]["targets"]["echo"] = {
            "type": "http",
            "url": echo.url,
            "api_key_env": "APP_KEY",
        }
        data["evals"]["target"] = "echo"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        md, junit = tmp_path / "eval.md", tmp_path / "eval.xml"
        result = cli(
            "eval", "--format", "json", "--no-cache", "--markdown", str(md), "--junit", str(junit),
            cwd=repo,
        )  # fmt: skip
    assert result.code in (0, 2), result
    report = result.out
    stored = report + md.read_text(encoding="utf-8") + junit.read_text(encoding="utf-8")
    assert KEY not in stored + result.err
    assert KEY[len("sk-proj-") :][:16] not in stored
    assert REDACTED in json.dumps(json.loads(report))


def test_a_request_without_credentials_is_returned_as_is(monkeypatch: pytest.MonkeyPatch) -> None:
    with EchoServer("reply") as echo:
        target = HttpTarget(type="http", url=echo.url)
        obs = HttpInvoker("app", target, poster=JsonPoster()).invoke(REQUEST, timeout=5)
    assert REDACTED not in obs.output and '"Authorization"' not in obs.output
