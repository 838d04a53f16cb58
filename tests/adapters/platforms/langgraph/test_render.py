"""Rendering a release for LangGraph Platform (pure: no SDK, no server): the assistant and the
document the graph runs, the ids, the marks, the refusals, and an assistant read back."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from typing import Any

import pytest

from agentcd.adapters.platforms.langgraph import open_platform
from agentcd.adapters.platforms.langgraph_render import (
    NAMESPACE,
    assistant_id,
    context_differs,
    normalize,
    render_config,
    version_metadata,
)
from agentcd.core.definition.model import LangGraphTarget
from agentcd.core.deploy.drift import config_digest
from agentcd.errors import Unexpressible
from tests.adapters.platforms.langgraph.conftest import BINDINGS, make_langgraph_release
from tests.conftest import ROOT

TARGET = LangGraphTarget(platform="langgraph", url="http://127.0.0.1:9", graph_id="agent")


def render(**changes: Any) -> dict[str, Any]:
    release = make_langgraph_release(**changes)
    return render_config(release, graph_id="agent", naming="{agent}-{environment}")


def test_the_definition_is_the_graphs_configurable_whole_with_the_environments_values() -> None:
    release = make_langgraph_release()
    config = open_platform(TARGET, project_dir=ROOT).render(release).config
    assert config == {
        "assistant": {"graph_id": "agent", "name": "triage-dev"},
        "configurable": {"agent": dict(release.artifact), "bindings": BINDINGS},
    }
    tools = {t["name"]: t for t in config["configurable"]["agent"]["tools"]}
    assert tools["route_ticket"]["approval"] == "always"  # for the graph to interrupt on
    assert tools["lookup_order"]["spec"] == "openapi: 3.1.0\n"  # the spec's text, inlined


def test_a_handoff_names_the_assistant_it_goes_to_in_the_same_environment() -> None:
    subagents = [{"ref": "refund-bot", "mode": "handoff"}, {"ref": "faq-bot", "mode": "tool"}]
    config = render(subagents=subagents)
    assert config["configurable"]["assistants"] == {
        "faq-bot": assistant_id("faq-bot", "dev"),
        "refund-bot": assistant_id("refund-bot", "dev"),
    }


def test_an_assistant_id_is_a_uuid5_of_the_agent_and_the_environment() -> None:
    assert assistant_id("triage", "dev") == str(uuid.uuid5(NAMESPACE, "triage/dev"))
    assert (
        assistant_id("triage", "dev") == "9bf0bdc6-9e1f-52da-9602-f9e580cbe11d"
    )  # never changes: it finds the assistant
    assert len({assistant_id(a, e) for a in ("triage", "faq") for e in ("dev", "prod")}) == 4
    named = uuid.uuid5(uuid.NAMESPACE_URL, "https://agentcd.dev/platforms/langgraph/assistants")
    assert named == NAMESPACE


def test_a_version_is_marked_with_the_agent_environment_deployment_and_config() -> None:
    release = make_langgraph_release("prod")
    config = render_config(release, graph_id="agent", naming="{agent}")
    assert version_metadata(release, config) == {
        "agentcd_agent": "triage",
        "agentcd_environment": "prod",
        "agentcd_deployment": release.deployment_digest,
        "agentcd_config": config_digest(config).removeprefix("sha256:")[:12],
        "agentcd_managed_by": "agentcd",
    }


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        (
            {"runtime": {"framework": "openai-agents", "version": "==0.4.2"}},
            "runtime",
            "deployment",
        ),
        ({"runtime": {"entrypoint": "app:run"}}, "runtime", "langgraph.json"),
        ({"tools": [{"name": "search", "type": "builtin"}]}, "tools[search]", "builtin"),
        (
            {"guardrails": [{"name": "filter", "type": "platform", "binding": "g"}]},
            "guardrails[filter]",
            "policy or schema guardrail",
        ),
    ],
)
def test_what_has_no_place_on_an_assistant_is_refused(
    changes: dict[str, Any], field: str, says: str
) -> None:
    with pytest.raises(Unexpressible) as refused:
        render(**changes)
    assert (refused.value.platform, refused.value.field) == ("langgraph", field)
    assert says in refused.value.reason
    assert str(refused.value).startswith("rendering triage for LangGraph (dev): ")


def test_what_the_graph_runs_in_its_own_code_is_carried() -> None:
    """Every tool kind but builtin, knowledge, sub-agents, skills and policy guardrails are
    the graph's to use: carried as written, with the environment's values."""
    config = render(
        tools=[
            {"name": "crm", "type": "mcp", "binding": "orders_api", "allowed_tools": ["get"]},
            {"name": "ask_refunds", "type": "agent", "description": "the refund agent"},
        ],
        guardrails=[{"name": "no_pii", "type": "policy", "description": "no card numbers"}],
        skills=[{"path": "skills/refunds", "name": "refunds"}],
    )
    agent = config["configurable"]["agent"]
    assert [t["type"] for t in agent["tools"]] == ["agent", "mcp"]
    assert agent["guardrails"][0]["type"] == "policy"
    assert agent["skills"] == [{"name": "refunds", "files": {"SKILL.md": "A skill.\n"}}]


def test_every_refusal_of_one_render_is_named_at_once() -> None:
    with pytest.raises(Unexpressible) as refused:
        render(
            runtime={"image": "ghcr.io/acme/agent@sha256:" + "0" * 64},
            tools=[{"name": "search", "type": "builtin"}, {"name": "code", "type": "builtin"}],
        )
    fields = [refused.value.field, *(e.field for e in refused.value.also)]
    assert fields == ["runtime", "tools[code]", "tools[search]"]


def test_an_empty_assistant_name_is_a_setting_of_the_target() -> None:
    release = make_langgraph_release()
    with pytest.raises(Unexpressible) as refused:
        render_config(release, graph_id="agent", naming="  ")
    assert refused.value.in_project and refused.value.field == "naming"
    assert "agentcd.yaml: targets.<name>.naming" in str(refused.value)


def test_an_assistant_read_back_is_in_the_rendered_shape() -> None:
    config = render()
    read = {
        "assistant_id": assistant_id("triage", "dev"),
        "graph_id": "agent",
        "name": "triage-dev",
        "description": None,
        "config": {"configurable": config["configurable"]},
        "context": config["configurable"],
        "metadata": {"agentcd_agent": "triage"},
        "version": 3,
    }
    assert normalize(read) == config
    assert not context_differs(read)
    edited = {**read, "config": {**read["config"], "recursion_limit": 5}}
    assert normalize(edited) == {**config, "config": {"recursion_limit": 5}}  # kept: it differs


def test_a_context_that_is_not_the_config_is_told() -> None:
    config = render()
    read = {"config": {"configurable": config["configurable"]}, "context": {"agent": {}}}
    assert context_differs(read)
    assert not context_differs({"config": {"configurable": config["configurable"]}, "context": {}})


def test_validate_renders_without_the_sdk() -> None:
    """`agentcd validate` renders every target: the module imports and renders without
    langgraph-sdk (nor httpx) installed."""
    script = f"""
import sys
sys.modules["langgraph_sdk"] = None
sys.modules["httpx"] = None
sys.path.insert(0, {str(ROOT)!r})
from agentcd.adapters.platforms.langgraph import open_platform
from agentcd.core.definition.model import LangGraphTarget
from tests.adapters.platforms.langgraph.conftest import make_langgraph_release
target = LangGraphTarget(platform="langgraph", url="http://127.0.0.1:9", graph_id="agent")
rendered = open_platform(target, project_dir=None).render(make_langgraph_release())
print(rendered.config["assistant"]["name"])
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert (done.returncode, done.stdout.strip()) == (0, "triage-dev"), done.stderr
    assert json.dumps(render())  # the whole config is JSON, as the server stores it
