"""InvokeAgent and InvokeInlineAgent for the `bedrock` platform: the contract's request in, its
reply out.

The last message is the input text, the earlier ones the session's conversation history; the
reply is the completion's chunks joined, and what the agent handed back to the caller
(RETURN_CONTROL) becomes the reply's tool calls. InvokeInlineAgent takes the agent's
configuration in the request: `inline_agent` maps a rendered config to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from agentcd.errors import PlatformError

ROLES = ("user", "assistant")  # Bedrock's ConversationRole


def invocation(request: Mapping[str, Any]) -> dict[str, Any]:
    """InvokeAgent's inputText and sessionState for the request's messages."""
    messages = list(request.get("messages") or [])
    if not messages or messages[-1].get("role") != "user":
        raise PlatformError("the request must end with a user message")
    if any(m.get("role") not in ROLES for m in messages):
        raise PlatformError(f"Bedrock takes only {' and '.join(ROLES)} messages")
    params: dict[str, Any] = {"inputText": str(messages[-1]["content"])}
    history = [{"role": m["role"], "content": [{"text": str(m["content"])}]} for m in messages[:-1]]
    if history:
        params["sessionState"] = {"conversationHistory": {"messages": history}}
    return params


# What InvokeInlineAgent takes of a rendered agent; it has no description, role or version:
# it runs with the caller's credentials (bedrock-agent-runtime's service model).
INLINE_AGENT_FIELDS = (
    "agentName",
    "instruction",
    "foundationModel",
    "idleSessionTTLInSeconds",
    "guardrailConfiguration",
    "agentCollaboration",
)
INLINE_GROUP_FIELDS = (
    "description",
    "actionGroupExecutor",
    "functionSchema",
    "apiSchema",
    "parentActionGroupSignature",
)


def inline_agent(config: Mapping[str, Any]) -> dict[str, Any]:
    """InvokeInlineAgent's agent fields for a rendered config (`render_config`'s shape);
    disabled action groups and knowledge bases are left out, as a version would not use them."""
    agent = config["agent"]
    params: dict[str, Any] = {k: agent[k] for k in INLINE_AGENT_FIELDS if k in agent}
    groups = [
        {"actionGroupName": g["name"], **{k: g[k] for k in INLINE_GROUP_FIELDS if k in g}}
        for g in config.get("action_groups", [])
        if g.get("actionGroupState", "ENABLED") == "ENABLED"
    ]
    bases = [
        {"knowledgeBaseId": b["name"], "description": b["description"]}
        for b in config.get("knowledge_bases", [])
        if b.get("knowledgeBaseState", "ENABLED") == "ENABLED"
    ]
    if groups:
        params["actionGroups"] = groups
    if bases:
        params["knowledgeBases"] = bases
    return params


def inline_invocation(request: Mapping[str, Any]) -> dict[str, Any]:
    """InvokeInlineAgent's input text and session state (`inlineSessionState`)."""
    params = invocation(request)
    if "sessionState" in params:
        params["inlineSessionState"] = params.pop("sessionState")
    return params


def reply(events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The contract's reply from the completion's events."""
    text: list[str] = []
    calls: list[dict[str, Any]] = []
    for event in events:
        if "chunk" in event:
            text.append(event["chunk"].get("bytes", b"").decode("utf-8"))
        elif "returnControl" in event:
            calls.extend(tool_calls(event["returnControl"]))
    return {"output": "".join(text), "tool_calls": calls}


def tool_calls(payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What the agent handed back to the caller, as the contract's tool calls."""
    calls = []
    for item in payload.get("invocationInputs", []):
        if "functionInvocationInput" in item:
            fn = item["functionInvocationInput"]
            arguments = {p["name"]: p.get("value") for p in fn.get("parameters", [])}
            calls.append({"name": fn.get("function") or fn["actionGroup"], "arguments": arguments})
        elif "apiInvocationInput" in item:
            api = item["apiInvocationInput"]
            arguments = {"path": api.get("apiPath"), "method": api.get("httpMethod")}
            arguments |= {p["name"]: p.get("value") for p in api.get("parameters", [])}
            calls.append({"name": api["actionGroup"], "arguments": arguments})
    return calls
