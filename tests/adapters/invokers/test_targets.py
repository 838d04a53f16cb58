"""The `http`, `command` and `python` targets speaking the JSON contract."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import responses

from agentcd.adapters.invokers._http import JsonPoster
from agentcd.adapters.invokers.base import InvokeError
from agentcd.adapters.invokers.command import CommandInvoker
from agentcd.adapters.invokers.http import HttpInvoker
from agentcd.adapters.invokers.python import PythonInvoker
from agentcd.adapters.source import WorkTree
from agentcd.core.definition.load import load_workspace
from agentcd.core.evals.invocation import InvokeRequest
from agentcd.core.evals.observation import ToolCall
from agentcd.core.evals.settings import CommandTarget, HttpTarget, PythonTarget
from agentcd.errors import ConfigError
from tests.conftest import EXAMPLE

URL = "http://127.0.0.1:8080/agent"


@pytest.fixture(scope="module")
def request_() -> InvokeRequest:
    agent = load_workspace(WorkTree(EXAMPLE)).agent("support-triage")
    assert agent is not None
    case = next(c for c in agent.suites[0].suite.cases if c.id == "late-delivery")
    return InvokeRequest(agent.name, agent.digest, agent.artifact, case, 0)


@responses.activate
def test_http_posts_the_contract_with_a_bearer_key(
    request_: InvokeRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APP_KEY", "s3cret")
    reply = {"output": "ok", "tool_calls": [{"name": "route_ticket", "arguments": {"queue": "x"}}]}
    responses.post(URL, json=reply)
    target = HttpTarget(type="http", url=URL, api_key_env="APP_KEY")
    obs = HttpInvoker("app", target, poster=JsonPoster()).invoke(request_, timeout=5)
    assert obs.tool_calls == (ToolCall("route_ticket", {"queue": "x"}),)
    sent = responses.calls[0].request
    assert sent.headers["Authorization"] == "Bearer s3cret"
    body = json.loads(sent.body or b"{}")
    assert (body["agent"], body["case"], body["digest"]) == (
        "support-triage",
        "late-delivery",
        request_.digest,
    )
    assert body["fixtures"]["lookup_order"]["status"] == "shipped"


@responses.activate
@pytest.mark.parametrize(
    ("status", "body", "retryable", "message"),
    [
        (503, {"error": {"message": "overloaded"}}, True, "HTTP 503: overloaded"),
        (400, {"error": {"message": "bad case"}}, False, "HTTP 400: bad case"),
        (200, {"answer": "no output key"}, False, "malformed reply"),
    ],
)
def test_http_failures(
    request_: InvokeRequest, status: int, body: dict[str, object], retryable: bool, message: str
) -> None:
    responses.post(URL, json=body, status=status)
    invoker = HttpInvoker("app", HttpTarget(type="http", url=URL), poster=JsonPoster())
    with pytest.raises(InvokeError, match=message) as caught:
        invoker.invoke(request_, timeout=5)
    assert caught.value.retryable is retryable


def test_python_entrypoint_runs_the_example_demo_agent(request_: InvokeRequest) -> None:
    target = PythonTarget(type="python", entrypoint="app.agent:respond")
    obs = PythonInvoker("demo", target, root=EXAMPLE).invoke(request_, timeout=5)
    assert obs.output == "Your order 123456 is shipped, due 2026-11-26."
    assert [c.name for c in obs.tool_calls] == ["lookup_order", "route_ticket"]
    assert obs.tokens is not None and obs.tokens > 0


def test_python_entrypoint_errors(tmp_path: Path, request_: InvokeRequest) -> None:
    (tmp_path / "bad.py").write_text(
        "def crash(request):\n    raise RuntimeError('boom')\n"
        "def shapeless(request):\n    return {'text': 'no output'}\n"
    )
    crash = PythonInvoker("t", PythonTarget(type="python", entrypoint="bad:crash"), root=tmp_path)
    with pytest.raises(InvokeError, match="RuntimeError: boom"):
        crash.invoke(request_, timeout=5)
    shapeless = PythonTarget(type="python", entrypoint="bad:shapeless")
    with pytest.raises(InvokeError, match="malformed reply"):
        PythonInvoker("t", shapeless, root=tmp_path).invoke(request_, timeout=5)
    with pytest.raises(ConfigError, match="has no function 'missing'"):
        PythonInvoker("t", PythonTarget(type="python", entrypoint="bad:missing"), root=tmp_path)
    with pytest.raises(ConfigError, match="no module 'nowhere'"):
        PythonInvoker("t", PythonTarget(type="python", entrypoint="nowhere:f"), root=tmp_path)


def test_command_runs_the_demo_agent_as_a_script(request_: InvokeRequest) -> None:
    target = CommandTarget(type="command", command=(sys.executable, "app/agent.py"))
    obs = CommandInvoker("cli", target, cwd=EXAMPLE).invoke(request_, timeout=30)
    assert obs.output == "Your order 123456 is shipped, due 2026-11-26."


def test_command_failures(tmp_path: Path, request_: InvokeRequest) -> None:
    failing = CommandTarget(
        type="command", command=(sys.executable, "-c", "import sys; sys.exit('no agent here')")
    )
    with pytest.raises(InvokeError, match="exit 1: no agent here"):
        CommandInvoker("cli", failing, cwd=tmp_path).invoke(request_, timeout=30)
    slow = CommandTarget(
        type="command", command=(sys.executable, "-c", "import time; time.sleep(5)")
    )
    with pytest.raises(InvokeError, match="timed out") as caught:
        CommandInvoker("cli", slow, cwd=tmp_path).invoke(request_, timeout=0.3)
    assert caught.value.retryable
    with pytest.raises(ConfigError, match="command 'no-such-program' not found"):
        CommandInvoker(
            "cli", CommandTarget(type="command", command=("no-such-program",)), cwd=tmp_path
        )
