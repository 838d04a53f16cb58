"""Rendering for Bedrock, pure: every definition field mapped, or refused with the reason."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from agentcd.adapters.platforms.bedrock_render import (
    Naming,
    normalize_version,
    read_stamp,
    render_config,
    stamped_description,
)
from agentcd.adapters.platforms.bedrock_tools import DESCRIPTION_MAX
from agentcd.adapters.platforms.protocol import Unexpressible
from agentcd.core.deploy.release import Release
from agentcd.errors import PlatformError
from tests.adapters.platforms.bedrock.conftest import (
    DEFINITION,
    LAMBDA,
    ORDERS_SPEC,
    ROLE,
    make_bedrock_release,
)

NAMING = Naming("{agent}", {"dev": ROLE.format("dev"), "prod": ROLE.format("prod")}, 600)


def test_a_release_maps_to_the_agent_its_action_groups_and_knowledge_bases() -> None:
    config = render_config(make_bedrock_release(), NAMING)
    assert config == {
        "agent": {
            "agentName": "triage",
            "description": "Routes support tickets",
            "instruction": DEFINITION["instructions"],
            "foundationModel": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "agentResourceRoleArn": ROLE.format("prod"),
            "idleSessionTTLInSeconds": 600,
            "agentCollaboration": "DISABLED",
            "guardrailConfiguration": {"guardrailIdentifier": "gr1", "guardrailVersion": "2"},
        },
        "action_groups": [
            {
                "name": "lookup_order",
                "actionGroupState": "ENABLED",
                "description": "Look up an order.",
                "actionGroupExecutor": {"lambda": LAMBDA.format("prod")},
                "apiSchema": {"payload": ORDERS_SPEC},
            },
            {
                "name": "route_ticket",
                "actionGroupState": "ENABLED",
                "description": "Put the ticket in a queue.",
                "actionGroupExecutor": {"customControl": "RETURN_CONTROL"},
                "functionSchema": {
                    "functions": [
                        {
                            "name": "route_ticket",
                            "description": "Put the ticket in a queue.",
                            "parameters": {
                                "queue": {
                                    "type": "string",
                                    "required": True,
                                    "description": "(one of: billing, delivery)",
                                },
                                "urgent": {
                                    "type": "boolean",
                                    "required": False,
                                    "description": "page someone",
                                },
                            },
                            "requireConfirmation": "ENABLED",
                        }
                    ]
                },
            },
        ],
        "knowledge_bases": [
            {
                "name": "KBPROD0001",
                "description": "Refund and delivery policies",
                "knowledgeBaseState": "ENABLED",
            }
        ],
    }


def test_environments_differ_in_role_and_bindings_only() -> None:
    dev = render_config(make_bedrock_release("dev"), NAMING)
    prod = render_config(make_bedrock_release("prod"), NAMING)
    assert dev["agent"]["agentResourceRoleArn"] == ROLE.format("dev")
    assert dev["knowledge_bases"][0]["name"] == "KBDEV00001"
    assert dev["action_groups"][0]["actionGroupExecutor"] == {"lambda": LAMBDA.format("dev")}
    assert dev["agent"]["instruction"] == prod["agent"]["instruction"]


def test_a_builtin_tool_is_a_parent_signature_and_no_tools_no_guardrail_is_fine() -> None:
    release = make_bedrock_release(
        tools=[{"name": "user_input", "type": "builtin"}], knowledge=[], guardrails=[]
    )
    config = render_config(release, NAMING)
    assert config["action_groups"] == [
        {
            "name": "user_input",
            "actionGroupState": "ENABLED",
            "parentActionGroupSignature": "AMAZON.UserInput",
        }
    ]
    assert "guardrailConfiguration" not in config["agent"]
    assert config["knowledge_bases"] == []


def test_the_stamp_fits_the_description_and_reads_back() -> None:
    long = "A very long description of what this agent does, in words. " * 10
    release = make_bedrock_release(metadata={"name": "triage", "description": long})
    config = render_config(release, NAMING)
    text = stamped_description(release, config)
    assert len(text) <= DESCRIPTION_MAX
    assert config["agent"]["description"].endswith("…")
    assert read_stamp(text) == (
        config["agent"]["description"],
        release.deployment_digest,
        text[-13:-1],
    )
    assert read_stamp("edited by hand") is None


def test_the_naming_template_names_the_bedrock_agent() -> None:
    naming = dataclasses.replace(NAMING, template="acme-{agent}-{environment}")
    config = render_config(make_bedrock_release("dev"), naming)
    assert config["agent"]["agentName"] == "acme-triage-dev"


def with_artifact(**changes: Any) -> Release:
    release = make_bedrock_release()
    return dataclasses.replace(release, artifact={**release.artifact, **changes})


def tool(**changes: Any) -> dict[str, Any]:
    return {"name": "t", "type": "function", "side_effects": False, **changes}


REFUSALS = [
    ({"model": {"provider": "openai", "id": "gpt-4.1"}}, "model: openai gpt-4.1 is not a Bedrock"),
    (
        {"model": {"provider": "bedrock", "id": "m", "parameters": {"temperature": 0.2}}},
        "model.parameters: Bedrock Agents set inference parameters only",
    ),
    ({"instructions": "Too short.\n"}, "instructions: Bedrock takes 40 to 4000 characters"),
    ({"skills": [{"name": "s", "files": {"SKILL.md": "x"}}]}, "skills: Bedrock Agents have no"),
    ({"runtime": {"framework": "strands"}}, "runtime: Bedrock Agents run on AWS's own runtime"),
    (
        {"subagents": [{"ref": "refunds", "mode": "collaborator"}]},
        "subagents: a Bedrock supervisor needs its collaboration mode",
    ),
    ({"tools": [tool(type="mcp")]}, "tools[t]: a mcp tool has no Bedrock Agents action group"),
    ({"tools": [tool(type="agent")]}, "tools[t]: a agent tool has no Bedrock Agents action"),
    ({"tools": [tool(type="builtin", name="shell")]}, "tools[shell]: Bedrock's built-in tools"),
    ({"tools": [tool(name="a.b")]}, "tools[a.b].name: Bedrock names are letters and digits"),
    ({"tools": [tool(description="x" * 201)]}, "tools[t].description: Bedrock takes 200"),
    (
        {"tools": [tool(input_schema={"type": "object", "properties": {"a": {"type": "object"}}})]},
        "tools[t].input_schema.properties.a: Bedrock parameters are one of",
    ),
    (
        {"tools": [tool(input_schema={"type": "object", "oneOf": []})]},
        "tools[t].input_schema: Bedrock takes an object of simple properties",
    ),
    (
        {"tools": [tool(type="openapi", spec="openapi: 3.0.0\n", approval="always")]},
        "tools[t].approval: for an OpenAPI tool, Bedrock reads x-requireConfirmation",
    ),
    ({"tools": [tool(type="openapi")]}, "tools[t].spec: an openapi tool needs its spec"),
    ({"tools": [tool(binding="orders")]}, "tools[t]: the binding orders is 'arn:aws:lambda"),
    (
        {"knowledge": [{"name": "k", "type": "web", "binding": "orders", "description": "d"}]},
        "knowledge[k]: the binding is 'arn:aws:lambda",
    ),
    (
        {"knowledge": [{"name": "k", "type": "files", "binding": "policies_kb", "version": "1"}]},
        "knowledge[k].version: a Bedrock knowledge base has no snapshots",
    ),
    (
        {"knowledge": [{"name": "k", "type": "files", "binding": "policies_kb"}]},
        "knowledge[k].description: Bedrock needs 1 to 200 characters",
    ),
    (
        {"guardrails": [{"name": "g", "type": "policy", "description": "no PII"}]},
        "guardrails[g]: a policy guardrail is not enforced by Bedrock",
    ),
    (
        {"guardrails": [{"name": "g", "type": "platform", "binding": "policies_kb"}]},
        "guardrails[g]: the binding is 'KBPROD0001'; give the guardrail and its version",
    ),
    (
        {"guardrails": [{"name": "g", "type": "platform", "config": {"x": 1}}]},
        "guardrails[g].config: configure it in Bedrock itself",
    ),
]


@pytest.mark.parametrize(("changes", "message"), REFUSALS, ids=[m for _, m in REFUSALS])
def test_what_bedrock_cannot_carry_is_refused_by_name(
    changes: dict[str, Any], message: str
) -> None:
    release = with_artifact(**changes)
    if "tools[t]: the binding" in message:  # a tool bound to a URL, not a Lambda function
        bindings = {**release.bindings, "orders": "https://orders.example.com"}
        release = dataclasses.replace(release, bindings=bindings)
        message = "tools[t]: the binding orders is 'https://orders.example.com'"
    with pytest.raises(PlatformError) as e:
        render_config(release, NAMING)
    assert str(e.value).startswith("rendering triage for Bedrock (prod): ")
    assert message in str(e.value)


def test_an_environment_without_a_role_or_a_bad_name_is_refused() -> None:
    with pytest.raises(Unexpressible, match="roles: no agent resource role for environment") as e:
        render_config(make_bedrock_release(), dataclasses.replace(NAMING, roles={}))
    assert (e.value.field, e.value.in_project, e.value.platform) == ("roles", True, "bedrock")
    with pytest.raises(Unexpressible, match="naming: makes 'x--triage'") as e:
        render_config(make_bedrock_release(), dataclasses.replace(NAMING, template="x--{agent}"))
    assert (e.value.field, e.value.in_project) == ("naming", True)


def test_a_version_read_back_normalizes_to_the_rendered_shape() -> None:
    release = make_bedrock_release()
    config = render_config(release, NAMING)
    version = {
        **config["agent"],
        "description": stamped_description(release, config),
        "agentId": "AG00000001",
        "version": "3",
        "agentStatus": "PREPARED",
        "customerEncryptionKeyArn": "arn:aws:kms:us-east-1:123456789012:key/k",  # not managed
    }
    groups = [
        {
            "actionGroupName": g["name"],
            "actionGroupId": "GR00000001",
            **{k: v for k, v in g.items() if k not in ("name", "parentActionGroupSignature")},
        }
        for g in reversed(config["action_groups"])
    ]
    bases = [{"knowledgeBaseId": "KBPROD0001", "updatedAt": "now", **config["knowledge_bases"][0]}]
    for base in bases:
        del base["name"]
    assert normalize_version(version, groups, bases) == config
