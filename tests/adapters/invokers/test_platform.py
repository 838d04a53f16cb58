"""The `platform` target through the `file` platform: the deployed configuration answers, the
request carries no artifact, and every way a trial can go wrong is an error, never a failure."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from agentcd.adapters.invokers import make_invoker
from agentcd.adapters.invokers.base import InvokeError
from agentcd.adapters.invokers.platform import PlatformInvoker, deployed_request
from agentcd.adapters.platforms.file import FilePlatform
from agentcd.adapters.source import WorkTree
from agentcd.core.definition.load import load_workspace
from agentcd.core.deploy.release import Release
from agentcd.core.evals.invocation import InvokeRequest, request_payload
from agentcd.core.evals.observation import ToolCall
from agentcd.core.evals.settings import PlatformTarget
from agentcd.errors import ConfigError
from tests.conftest import EXAMPLE
from tests.core.ledger_records import digest

_names = itertools.count()


@pytest.fixture(scope="module")
def request_() -> InvokeRequest:
    agent = load_workspace(WorkTree(EXAMPLE)).agent("faq-bot")
    assert agent is not None
    case = agent.suites[0].suite.cases[0]
    return InvokeRequest(agent.name, agent.digest, agent.artifact, case, 2)


def deployed(tmp_path: Path, code: str, *, instructions: str = "Answer.\n") -> FilePlatform:
    """A file platform whose invoker is `code`'s `answer(config, request)`, faq-bot in prod."""
    module = f"deployed_app_{next(_names)}"  # imported by name: one module per test
    (tmp_path / f"{module}.py").write_text(code, encoding="utf-8")
    platform = FilePlatform(
        tmp_path / "deployed", project_dir=tmp_path, invoker={"python": f"{module}:answer"}
    )
    release = Release(
        agent="faq-bot",
        environment="prod",
        artifact={"metadata": {"name": "faq-bot"}, "instructions": instructions},
        artifact_digest=digest("a"),
        bindings={"kb": "kb-prod"},
        deployment_digest=digest("A"),
    )
    platform.apply(platform.render(release))
    return platform


ECHO = """
import json
def answer(config, request):
    return {
        "output": config["agent"]["instructions"] + config["bindings"]["kb"],
        "tool_calls": [{"name": "seen", "arguments": {"keys": sorted(request)}}],
        "usage": {"input_tokens": 3, "output_tokens": 4},
    }
"""


def test_the_deployed_configuration_answers_and_is_not_sent_along(
    tmp_path: Path, request_: InvokeRequest
) -> None:
    invoker = PlatformInvoker(deployed(tmp_path, ECHO, instructions="Deployed.\n"), "prod")
    observation = invoker.invoke(request_, timeout=5)
    assert observation.output == "Deployed.\nkb-prod"  # not the artifact in the request
    sent = sorted(k for k in request_payload(request_) if k != "artifact")
    assert observation.tool_calls == (ToolCall("seen", {"keys": sent}),)
    assert (observation.tokens_in, observation.tokens_out) == (3, 4)
    assert observation.latency_ms is not None and observation.latency_ms >= 0


def test_the_request_is_the_contract_without_the_artifact(request_: InvokeRequest) -> None:
    payload = deployed_request(request_)
    assert "artifact" not in payload
    assert payload == {k: v for k, v in request_payload(request_).items() if k != "artifact"}
    assert (payload["version"], payload["digest"], payload["trial"]) == (1, request_.digest, 2)


@pytest.mark.parametrize(
    ("code", "environment", "message", "retryable"),
    [
        ("def answer(config, request):\n    raise KeyError('crm')\n", "prod",
         "KeyError: 'crm'", False),
        ("def answer(config, request):\n    return {'text': 'hi'}\n", "prod",
         "malformed reply: reply must be a JSON object with a string 'output'", False),
        ("def answer(config, request):\n    return 'hi'\n", "prod",
         "invoking faq-bot in prod: deployed_app_", False),
        (ECHO, "test", "invoking faq-bot in test: test/faq-bot.json does not exist", False),
        ("import time\ndef answer(config, request):\n    time.sleep(0.05)\n"
         "    return {'output': 'late'}\n", "prod", "answered after", True),  # after 0.05 s or more
    ],
    ids=["crash", "malformed", "not-a-mapping", "not-deployed", "late"],
)  # fmt: skip
def test_whatever_goes_wrong_is_an_error_of_the_trial(
    tmp_path: Path,
    request_: InvokeRequest,
    code: str,
    environment: str,
    message: str,
    retryable: bool,
) -> None:
    invoker = PlatformInvoker(deployed(tmp_path, code), environment)
    with pytest.raises(InvokeError) as e:
        invoker.invoke(request_, timeout=0.01)
    assert str(e.value).startswith(message)
    assert e.value.retryable is retryable


def test_a_platform_target_needs_the_platform_of_its_environment(tmp_path: Path) -> None:
    target = PlatformTarget(type="platform", environment="prod")
    platform = deployed(tmp_path, ECHO)
    invoker = make_invoker("platform", target, root=tmp_path, pool_size=1, platform=platform)
    assert isinstance(invoker, PlatformInvoker)
    with pytest.raises(ConfigError, match="eval target 'platform': no deployment to invoke"):
        make_invoker("platform", target, root=tmp_path, pool_size=1)
