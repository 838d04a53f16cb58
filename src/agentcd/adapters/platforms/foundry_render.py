"""What a release becomes on Azure AI Foundry Agent Service, and a version read back in the same
shape. Pure: no SDK, no network.

`render_config` maps the canonical artifact and the environment's binding values to one prompt
agent version (`PromptAgentDefinition`: model deployment, instructions, sampling, function
tools) and the agent's name and description. A field Foundry cannot carry faithfully is refused
(`Unexpressible`, naming the field), never dropped; every refusal of one render is collected.
`normalize_version` maps an agent version as Foundry returns it back to the same shape, so
drift is a comparison. docs/platforms/foundry.md has the table of every field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from agentcd.adapters.platforms.protocol import Refused as Refused  # foundry.py's too
from agentcd.adapters.platforms.protocol import Unexpressible, unexpressible
from agentcd.core.deploy.drift import config_digest
from agentcd.core.deploy.release import Release

PLATFORM = "foundry"
# The agent name rule of `POST /agents/{agent_name}/versions` (Foundry's OpenAPI description).
AGENT_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
# A function tool's name, as the Responses API takes it.
FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
DESCRIPTION_MAX = 512  # AgentVersionObject.description
FOUNDRY_PROVIDERS = ("foundry", "azure", "azure-openai", "azure-ai-foundry")
SAMPLING = {"temperature": (0.0, 2.0), "top_p": (0.0, 1.0)}  # PromptAgentDefinition's ranges
EMPTY_PARAMETERS: dict[str, Any] = {"type": "object", "properties": {}}

# agentcd's marks in each version's metadata (16 keys at most, values up to 512 characters).
MARK_AGENT = "agentcd_agent"
MARK_DEPLOYMENT = "agentcd_deployment"
MARK_CONFIG = "agentcd_config"
MARK_MANAGED_BY = "agentcd_managed_by"


def agent_name(template: str, agent: str, environment: str) -> str:
    """The Foundry agent name: the target's `naming` with {agent} and {environment} filled."""
    name = template.replace("{agent}", agent).replace("{environment}", environment)
    if not AGENT_NAME.fullmatch(name):
        raise Refused(
            "naming",
            f"makes {name!r} for {agent} in {environment}: a Foundry agent name is letters, "
            "digits and inner hyphens, at most 63",
            in_project=True,
        )
    return name


def render_config(release: Release, naming: str) -> dict[str, Any]:
    """The managed fields of one release on Foundry; `Unexpressible` names every field that
    cannot map (the first, with the others in `also`)."""
    artifact = release.artifact
    refused: list[Refused] = [Refused(field, why) for field, why in _unmapped(artifact)]

    def part(make: Callable[..., Any], *args: Any) -> Any:
        try:
            return make(*args)
        except Refused as e:
            refused.append(e)
            return None

    name = part(agent_name, naming, release.agent, release.environment)
    definition: dict[str, Any] = {"kind": "prompt"}
    definition["model"] = part(_model, artifact.get("model", {}))
    definition["instructions"] = str(artifact.get("instructions", ""))
    definition.update(part(_sampling, artifact.get("model", {}).get("parameters", {})) or {})
    tools = [part(_tool, t) for t in artifact.get("tools", [])]
    if tools:
        definition["tools"] = sorted(tools, key=lambda t: str((t or {}).get("name")))
    description = part(_description, artifact.get("metadata", {}).get("description", ""))
    if refused:
        raise _unexpressible(release, refused)
    agent = {"name": name, **({"description": description} if description else {})}
    return {"agent": agent, "definition": definition}


def _unexpressible(release: Release, refused: list[Refused]) -> Unexpressible:
    where = f"rendering {release.agent} for Foundry ({release.environment})"
    return unexpressible(PLATFORM, where, refused)


def _unmapped(artifact: Mapping[str, Any]) -> list[tuple[str, str]]:
    checks = [
        (
            "skills",
            artifact.get("skills"),
            "a Foundry prompt agent takes skills stored in the project (SkillReference), not "
            "an Agent Skills folder; put the text in the instructions",
        ),
        (
            "runtime",
            artifact.get("runtime"),
            "code and images are Foundry hosted agents (code upload, containers), which agentcd "
            "does not deploy; a prompt agent runs on Foundry's own runtime",
        ),
        (
            "knowledge",
            artifact.get("knowledge"),
            "file search and Azure AI Search tools need vector store or index connection ids "
            "per environment, which agentcd does not map yet",
        ),
        (
            "subagents",
            artifact.get("subagents"),
            "multi-agent orchestration is a Foundry workflow agent (a preview), which the "
            "format does not carry; deploy each agent on its own",
        ),
        (
            "guardrails",
            artifact.get("guardrails"),
            "Foundry's content filters are the model deployment's and the definition's "
            "rai_config, which agentcd does not write; configure them in Foundry",
        ),
    ]
    return [(field, why) for field, value, why in checks if value]


def _model(model: Mapping[str, Any]) -> str:
    override = model.get("overrides", {}).get(PLATFORM)
    if override:
        return str(override)
    if model.get("provider") in FOUNDRY_PROVIDERS:
        return str(model["id"])
    raise Refused(
        "model",
        f"{model.get('provider')} {model.get('id')} names no Foundry model deployment; set "
        "model.overrides.foundry to the deployment's name in the project",
    )


def _sampling(parameters: Mapping[str, Any]) -> dict[str, float]:
    unknown = sorted(set(parameters) - set(SAMPLING))
    if unknown:
        raise Refused(
            f"model.parameters.{unknown[0]}",
            "a Foundry prompt agent definition takes temperature and top_p only",
        )
    out: dict[str, float] = {}
    for key, value in parameters.items():
        low, high = SAMPLING[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Refused(f"model.parameters.{key}", f"must be a number, not {value!r}")
        if not low <= value <= high:
            raise Refused(f"model.parameters.{key}", f"must be {low} to {high}, not {value}")
        out[key] = float(value)
    return out


def _description(text: str) -> str:
    text = " ".join(str(text).split())
    if len(text) > DESCRIPTION_MAX:
        raise Refused(
            "metadata.description",
            f"Foundry takes at most {DESCRIPTION_MAX} characters, not {len(text)}",
        )
    return text


def _tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    name, kind = tool["name"], tool.get("type")
    where = f"tools[{name}]"
    if kind != "function":
        raise Refused(
            where,
            f"a tool of type {kind} is not mapped: agentcd deploys function tools (run by the "
            "caller) to Foundry; OpenAPI, MCP and built-in tools need project connections per "
            "environment, which the format does not carry yet",
        )
    if not FUNCTION_NAME.fullmatch(name):
        raise Refused(f"{where}.name", "a function name is letters, digits, _ and -, at most 64")
    if tool.get("binding"):
        raise Refused(
            f"{where}.binding",
            "a Foundry function tool is run by the caller, not by an endpoint Foundry calls",
        )
    if tool.get("approval") == "always":
        raise Refused(
            f"{where}.approval",
            "Foundry does not ask for approval before a function call; the caller runs it",
        )
    out: dict[str, Any] = {"type": "function", "name": name}
    if tool.get("description"):
        out["description"] = tool["description"]
    out["parameters"] = dict(tool.get("input_schema") or EMPTY_PARAMETERS)
    out["strict"] = False  # strict mode needs every property required: not the definition's
    return out


# ---------------------------------------------------------------- stamp and read back


def config_stamp(config: Mapping[str, Any]) -> str:
    return config_digest(config).removeprefix("sha256:")[:12]


def version_metadata(release: Release, config: Mapping[str, Any]) -> dict[str, str]:
    """The marks on a version: which agentcd agent, which deployment, which rendered config."""
    return {
        MARK_AGENT: release.agent,
        MARK_DEPLOYMENT: release.deployment_digest,
        MARK_CONFIG: config_stamp(config),
        MARK_MANAGED_BY: "agentcd",
    }


def read_stamp(metadata: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """(deployment digest, config stamp) from a version's metadata, or None."""
    metadata = metadata or {}
    digest, stamp = metadata.get(MARK_DEPLOYMENT), metadata.get(MARK_CONFIG)
    if isinstance(digest, str) and isinstance(stamp, str):
        return digest, stamp
    return None


DEFINITION_FIELDS = ("kind", "model", "instructions", "temperature", "top_p", "tools")
TOOL_FIELDS = ("type", "name", "description", "parameters", "strict")


def normalize_version(version: Mapping[str, Any]) -> dict[str, Any]:
    """An agent version as Foundry returns it (AgentVersionObject) in `render_config`'s shape;
    definition fields agentcd does not write are kept, so a console edit of them differs."""
    read = dict(version.get("definition") or {})
    definition = {k: read[k] for k in DEFINITION_FIELDS if read.get(k) is not None}
    definition.setdefault("instructions", "")
    extra = {k: v for k, v in read.items() if k not in DEFINITION_FIELDS and v not in (None, [])}
    definition.update(extra)
    if "tools" in definition:
        tools = [_read_tool(t) for t in definition["tools"]]
        definition["tools"] = sorted(tools, key=lambda t: str(t.get("name")))
        if not tools:
            del definition["tools"]
    agent: dict[str, Any] = {"name": version.get("name")}
    if version.get("description"):
        agent["description"] = version["description"]
    return {"agent": agent, "definition": definition}


def _read_tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    if tool.get("type") != "function":
        return dict(tool)
    return {k: tool[k] for k in TOOL_FIELDS if tool.get(k) is not None}
