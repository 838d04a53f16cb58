"""A tool as a Bedrock action group: its executor, its function or OpenAPI schema. Pure.

Part of `bedrock_render`: what cannot be carried faithfully is `Refused`, naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# The model's `Name` pattern (agents, aliases, action groups, functions), and description length.
NAME = re.compile(r"([0-9a-zA-Z][_-]?){1,100}")
DESCRIPTION_MAX = 200
LAMBDA_ARN = re.compile(
    r"arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}(-gov)?-[a-z]+-\d{1}:\d{12}:function:.+"
)
RETURN_CONTROL = "RETURN_CONTROL"
BUILTINS = {"user_input": "AMAZON.UserInput", "code_interpreter": "AMAZON.CodeInterpreter"}
PARAMETER_TYPES = ("string", "number", "integer", "boolean", "array")


class Refused(Exception):
    """A field Bedrock cannot carry: the message is `field: why`; `in_project` when the field
    is a setting of the target in agentcd.yaml (relative to `targets.<name>`)."""

    def __init__(self, message: str, *, in_project: bool = False) -> None:
        super().__init__(message)
        self.field, _, self.reason = message.partition(": ")
        self.in_project = in_project


def action_group(tool: Mapping[str, Any], bindings: Mapping[str, Any]) -> dict[str, Any]:
    name, kind = tool["name"], tool["type"]
    if not NAME.fullmatch(name):
        raise Refused(
            f"tools[{name}].name: Bedrock names are letters and digits, one - or _ between them"
        )
    group: dict[str, Any] = {"name": name, "actionGroupState": "ENABLED"}
    description = tool.get("description", "")
    if len(description) > DESCRIPTION_MAX:
        raise Refused(f"tools[{name}].description: Bedrock takes {DESCRIPTION_MAX} characters")
    if description:
        group["description"] = description
    if kind == "builtin":
        return {**group, **_builtin(tool)}
    group["actionGroupExecutor"] = _executor(tool, bindings)
    if kind == "function":
        group["functionSchema"] = {"functions": [_function(tool)]}
    elif kind == "openapi":
        group["apiSchema"] = {"payload": _openapi(tool)}
    else:
        raise Refused(
            f"tools[{name}]: a {kind} tool has no Bedrock Agents action group "
            "(MCP servers are Bedrock AgentCore Gateway targets)"
        )
    return group


def _builtin(tool: Mapping[str, Any]) -> dict[str, Any]:
    signature = BUILTINS.get(tool["name"])
    if signature is None:
        known = ", ".join(sorted(BUILTINS))
        raise Refused(f"tools[{tool['name']}]: Bedrock's built-in tools are {known}")
    return {"parentActionGroupSignature": signature}


def _executor(tool: Mapping[str, Any], bindings: Mapping[str, Any]) -> dict[str, str]:
    """A Lambda ARN runs the tool; RETURN_CONTROL (or no binding) hands it to the caller."""
    if "binding" not in tool:
        return {"customControl": RETURN_CONTROL}
    value = bindings.get(tool["binding"])
    if value == RETURN_CONTROL:
        return {"customControl": RETURN_CONTROL}
    if isinstance(value, str) and LAMBDA_ARN.fullmatch(value):
        return {"lambda": value}
    raise Refused(
        f"tools[{tool['name']}]: the binding {tool['binding']} is {value!r}; Bedrock runs a "
        f"tool through a Lambda function (arn:aws:lambda:...) or returns it ({RETURN_CONTROL})"
    )


def _function(tool: Mapping[str, Any]) -> dict[str, Any]:
    name = tool["name"]
    function: dict[str, Any] = {
        "name": name,
        "parameters": _parameters(name, tool.get("input_schema") or {}),
        "requireConfirmation": "ENABLED" if tool.get("approval") == "always" else "DISABLED",
    }
    if tool.get("description"):
        function["description"] = tool["description"]
    return function


def _parameters(tool: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """A flat JSON Schema object as Bedrock function parameters; enums join the description."""
    extra = set(schema) - {"type", "properties", "required", "additionalProperties"}
    if extra or schema.get("type", "object") != "object" or schema.get("additionalProperties"):
        raise Refused(
            f"tools[{tool}].input_schema: Bedrock takes an object of simple properties "
            f"(type, properties, required), not {sorted(extra) or schema.get('type')}"
        )
    required = set(schema.get("required", []))
    return {
        key: _parameter(f"tools[{tool}].input_schema.properties.{key}", prop, key in required)
        for key, prop in sorted(schema.get("properties", {}).items())
    }


def _parameter(where: str, prop: Mapping[str, Any], required: bool) -> dict[str, Any]:
    kind = prop.get("type")
    extra = set(prop) - {"type", "description", "enum"}
    if kind not in PARAMETER_TYPES or extra:
        raise Refused(
            f"{where}: Bedrock parameters are one of {', '.join(PARAMETER_TYPES)} with a "
            f"description (and enum), not {sorted(extra) or kind!r}"
        )
    description = str(prop.get("description", ""))
    if "enum" in prop:
        values = ", ".join(str(v) for v in prop["enum"])
        description = f"{description} (one of: {values})".strip()
    parameter: dict[str, Any] = {"type": kind, "required": required}
    if description:
        parameter["description"] = description
    return parameter


def _openapi(tool: Mapping[str, Any]) -> str:
    if tool.get("input_schema"):
        raise Refused(f"tools[{tool['name']}].input_schema: the OpenAPI spec holds the arguments")
    if tool.get("approval") == "always":
        raise Refused(
            f"tools[{tool['name']}].approval: for an OpenAPI tool, Bedrock reads "
            "x-requireConfirmation on each operation of the spec"
        )
    if not tool.get("spec"):
        raise Refused(f"tools[{tool['name']}].spec: an openapi tool needs its spec")
    return str(tool["spec"])
