"""The OpenAI Chat Completions wire format, sans I/O: an artifact rendered into a request, a
response read into a turn, tool calls answered from a case's fixtures.

Rendering: the system message is the instructions followed by every skill's files; each tool
becomes a function tool (its `input_schema`, else the parameters of its OpenAPI operation, else
an open object; an MCP tool takes `{tool, arguments}`); builtin tools and sub-agents are not
rendered. `max_output_tokens` maps to `max_completion_tokens`; other parameters pass through.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agentcd.core.definition.parse import parse_yaml
from agentcd.core.evals.judge import VERDICT_SCHEMA
from agentcd.errors import DefinitionError

_PARAMETER_NAMES = {"max_output_tokens": "max_completion_tokens"}
_OPEN_OBJECT: dict[str, Any] = {"type": "object", "properties": {}}


@dataclass(frozen=True, slots=True)
class RawCall:
    id: str
    name: str
    arguments: dict[str, Any]
    arguments_text: str


@dataclass(frozen=True, slots=True)
class Completion:
    content: str
    tool_calls: tuple[RawCall, ...]
    tokens_in: int
    tokens_out: int


def system_prompt(artifact: Mapping[str, Any]) -> str:
    parts = [str(artifact.get("instructions", "")).rstrip("\n")]
    skills = artifact.get("skills") or []
    if skills:
        parts.append("# Skills")
    for skill in skills:
        files = skill.get("files", {})
        parts.append(f"## Skill: {skill['name']}\n\n{str(files.get('SKILL.md', '')).strip()}")
        for path, text in sorted(files.items()):
            if path != "SKILL.md" and isinstance(text, str):
                parts.append(f"### {skill['name']}/{path}\n\n{text.strip()}")
    return "\n\n".join(p for p in parts if p) + "\n"


def function_tools(artifact: Mapping[str, Any]) -> list[dict[str, Any]]:
    tools = []
    for tool in artifact.get("tools") or []:
        if tool.get("type") == "builtin":
            continue
        function = {
            "name": tool["name"],
            "description": tool.get("description", ""),
            "parameters": _parameters(tool),
        }
        tools.append({"type": "function", "function": function})
    return tools


def _parameters(tool: Mapping[str, Any]) -> dict[str, Any]:
    if tool.get("input_schema"):
        return dict(tool["input_schema"])
    if tool.get("type") == "mcp":
        names = list(tool.get("allowed_tools") or [])
        which: dict[str, Any] = {"type": "string", **({"enum": names} if names else {})}
        return {
            "type": "object",
            "properties": {"tool": which, "arguments": {"type": "object"}},
            "required": ["tool"],
        }
    if isinstance(tool.get("spec"), str):
        return openapi_parameters(tool["spec"], tool["name"])
    return dict(_OPEN_OBJECT)


def openapi_parameters(spec_text: str, operation_id: str) -> dict[str, Any]:
    """The JSON Schema of an OpenAPI operation's parameters and JSON body (open if not found)."""
    try:
        spec = parse_yaml(spec_text, path=f"tool {operation_id} spec")
    except DefinitionError:
        return dict(_OPEN_OBJECT)
    operations = [
        op
        for item in ((spec or {}).get("paths") or {}).values()
        for op in (item or {}).values()
        if isinstance(op, dict)
    ]
    named = [op for op in operations if op.get("operationId") == operation_id]
    chosen = named[0] if named else operations[0] if len(operations) == 1 else None
    if chosen is None:
        return dict(_OPEN_OBJECT)
    properties, required = {}, []
    for param in chosen.get("parameters") or []:
        if isinstance(param, dict) and "name" in param:
            properties[param["name"]] = param.get("schema", {"type": "string"})
            if param.get("required"):
                required.append(param["name"])
    body = ((chosen.get("requestBody") or {}).get("content") or {}).get("application/json")
    if isinstance(body, dict) and isinstance(body.get("schema"), dict):
        properties["body"] = body["schema"]
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    return {**schema, "required": required} if required else schema


def chat_body(
    artifact: Mapping[str, Any], messages: list[dict[str, Any]], *, model: str | None = None
) -> dict[str, Any]:
    """A Chat Completions request for the artifact's model, parameters and tools."""
    spec = artifact.get("model") or {}
    body: dict[str, Any] = {"model": model or spec.get("id"), "messages": messages}
    for name, value in (spec.get("parameters") or {}).items():
        body[_PARAMETER_NAMES.get(name, name)] = value
    tools = function_tools(artifact)
    if tools:
        body["tools"] = tools
    return body


def first_messages(
    artifact: Mapping[str, Any], turns: list[dict[str, str]]
) -> list[dict[str, Any]]:
    return [{"role": "system", "content": system_prompt(artifact)}, *turns]


def parse_completion(data: Any) -> Completion:
    """The first choice of a Chat Completions response; ValueError when it is malformed."""
    try:
        message = data["choices"][0]["message"]
        raw_calls = message.get("tool_calls") or []
        calls = tuple(_raw_call(c) for c in raw_calls)
        content = message.get("content") or ""
        usage = data.get("usage") or {}
        tokens_in, tokens_out = usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)
    except (KeyError, IndexError, TypeError, AttributeError) as e:
        raise ValueError(f"malformed chat completion: missing {e}") from e
    if not isinstance(content, str) or not isinstance(tokens_in, int):
        raise ValueError("malformed chat completion: content or usage has the wrong type")
    return Completion(content, calls, tokens_in, int(tokens_out))


def _raw_call(call: Mapping[str, Any]) -> RawCall:
    function = call["function"]
    text = function.get("arguments") or "{}"
    try:
        arguments = json.loads(text)
    except json.JSONDecodeError:
        arguments = None
    if not isinstance(arguments, dict):
        arguments = {"$invalid_arguments": text}
    return RawCall(str(call["id"]), str(function["name"]), arguments, text)


def assistant_message(completion: Completion) -> dict[str, Any]:
    """The assistant turn echoed back so the model sees its own tool calls."""
    calls = [
        {
            "id": c.id,
            "type": "function",
            "function": {"name": c.name, "arguments": c.arguments_text},
        }
        for c in completion.tool_calls
    ]
    return {"role": "assistant", "content": completion.content or None, "tool_calls": calls}


def tool_message(call: RawCall, fixtures: Mapping[str, Any]) -> dict[str, Any]:
    """The tool's answer from the case's fixtures (`name.tool` for an MCP tool, then `name`)."""
    sub = call.arguments.get("tool")
    keys = [f"{call.name}.{sub}"] if isinstance(sub, str) else []
    key = next((k for k in [*keys, call.name] if k in fixtures), None)
    result = fixtures[key] if key else {"error": f"no fixture for tool {call.name!r} in this case"}
    content = result if isinstance(result, str) else json.dumps(result, sort_keys=True)
    return {"role": "tool", "tool_call_id": call.id, "content": content}


def judge_body(model: str, messages: list[dict[str, str]]) -> dict[str, Any]:
    """A judge request asking for the structured verdict (temperature 0)."""
    return {
        "model": model,
        "messages": messages,
        "temperature": 0,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "verdict", "strict": True, "schema": VERDICT_SCHEMA},
        },
    }
