"""Fixtures: fake AWS credentials, the fake attached to the adapter's real boto3 clients, and
releases built from a Bedrock-shaped definition through agentcd's own schema and canonical form."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from agentcd.adapters.platforms.bedrock import BedrockPlatform, open_bedrock
from agentcd.core.definition.canonical import build_artifact
from agentcd.core.definition.digest import artifact_digest
from agentcd.core.definition.model import Agent, BedrockTarget, Environment
from agentcd.core.deploy.release import Release, make_release
from tests.adapters.platforms.bedrock.fake import FakeBedrock

LOOPBACK = "http://127.0.0.1:9"  # if a request ever got past the fake, it would stop here
ROLE = "arn:aws:iam::123456789012:role/agentcd-{}"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:orders-{}"
ORDERS_SPEC = """openapi: 3.0.0
info: {title: Orders, version: "1"}
paths:
  /orders/{id}:
    get:
      operationId: getOrder
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: the order}}
"""
INSTRUCTIONS = "Route each support ticket to the right queue, and answer the simple ones.\n"
DEFINITION: dict[str, Any] = {
    "apiVersion": "agentcd.dev/v1",
    "kind": "Agent",
    "metadata": {"name": "triage", "description": "Routes support tickets", "owners": ["ops"]},
    "instructions": INSTRUCTIONS,
    "model": {
        "provider": "anthropic",
        "id": "claude-sonnet-4-5",
        "overrides": {"bedrock": "us.anthropic.claude-sonnet-4-5-20250929-v1:0"},
    },
    "tools": [
        {
            "name": "route_ticket",
            "type": "function",
            "description": "Put the ticket in a queue.",
            "input_schema": {
                "type": "object",
                "required": ["queue"],
                "properties": {
                    "queue": {"type": "string", "enum": ["billing", "delivery"]},
                    "urgent": {"type": "boolean", "description": "page someone"},
                },
            },
            "side_effects": True,
            "approval": "always",
        },
        {
            "name": "lookup_order",
            "type": "openapi",
            "description": "Look up an order.",
            "spec": {"file": "orders.yaml"},
            "binding": "orders",
        },
    ],
    "knowledge": [
        {
            "name": "policies",
            "type": "vector_store",
            "binding": "policies_kb",
            "description": "Refund and delivery policies",
        }
    ],
    "guardrails": [{"name": "safety", "type": "platform", "binding": "guardrail"}],
}
BINDINGS = {
    "dev": {"orders": LAMBDA.format("dev"), "policies_kb": "KBDEV00001", "guardrail": "gr1:1"},
    "prod": {"orders": LAMBDA.format("prod"), "policies_kb": "KBPROD0001", "guardrail": "gr1:2"},
}


def make_target(**changes: Any) -> BedrockTarget:
    settings: dict[str, Any] = {
        "platform": "bedrock",
        "region": "us-east-1",
        "roles": {"dev": ROLE.format("dev"), "prod": ROLE.format("prod")},
        "endpoint_url": LOOPBACK,
        "runtime_endpoint_url": LOOPBACK,
        "max_attempts": 1,
    }
    return BedrockTarget.model_validate({**settings, **changes})


def make_artifact(**changes: Any) -> dict[str, Any]:
    agent = Agent.model_validate({**DEFINITION, **changes})
    specs = {t.name: ORDERS_SPEC for t in agent.tools if t.spec}
    text = agent.instructions.text or ""
    return build_artifact(agent, instructions=text, specs=specs, skills={})


def make_bedrock_release(environment: str = "prod", **changes: Any) -> Release:
    artifact = make_artifact(**changes)
    env = Environment(name=environment, target="aws", bindings=BINDINGS[environment])
    return make_release(
        env, artifact=artifact, artifact_digest=artifact_digest(artifact), commit="c0ffee"
    )


Connect = Callable[..., BedrockPlatform]


@pytest.fixture
def connect(aws_env: None, fake: FakeBedrock) -> Connect:
    """`connect(**target settings)`: the adapter on real clients with the fake attached."""

    def make(**changes: Any) -> BedrockPlatform:
        platform = open_bedrock(make_target(**changes))
        fake.attach(platform.clients.agent, platform.clients.runtime)
        clients = dataclasses.replace(platform.clients, sleep=lambda seconds: None)
        return BedrockPlatform(clients, platform.options)

    return make


@pytest.fixture
def platform(connect: Connect) -> BedrockPlatform:
    return connect()
