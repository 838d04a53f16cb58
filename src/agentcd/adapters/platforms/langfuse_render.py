"""What a release becomes in Langfuse prompt management, and a prompt version read back in the
same shape. Pure: no SDK, no network.

`render_config` maps the canonical artifact to one **chat** prompt version: the instructions as
its one system message, and in its `config` (free JSON, which Langfuse documents for model
parameters and tool definitions) the model, its provider, the sampling parameters and the
function tools in OpenAI's chat format. A chat prompt, not a text one: an agent's instructions
are a system message an application puts before the conversation, which is what a chat prompt
is and how Langfuse's playground and experiments run one. A field a prompt version cannot
carry faithfully is refused (`Unexpressible`, naming the field), never dropped; every refusal
of one render is collected. The environment's label is checked here too (Langfuse sets
`latest` itself), so `validate` reports a bad one. docs/platforms/langfuse.md has the table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agentcd.adapters.platforms.protocol import Refusals, Refused
from agentcd.core.deploy.drift import config_digest
from agentcd.core.deploy.release import Release

PLATFORM = "langfuse"
LATEST = "latest"  # Langfuse moves it to the newest version of every prompt itself
PRODUCTION = "production"  # what a get without a label or version serves
# PROMPT_LABEL_REGEX and PROMPT_LABEL_MAX_LENGTH of Langfuse's prompt label schema.
LABEL = re.compile(r"^[a-z0-9_\-.]{1,36}$")
# A prompt name: folders separated by "/" (Langfuse's folder paths), no "|" (composition).
PROMPT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")
PROMPT_NAME_MAX = 255
RESERVED_NAMES = ("new", "metrics", "prompt-detail")  # the UI's own pages under /prompts/
FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
EMPTY_PARAMETERS: dict[str, Any] = {"type": "object", "properties": {}}

MARK = "agentcd"  # the key of agentcd's stamp in each version's config
CONFIG_KEYS = ("model", "provider", "tools", MARK)  # what sampling parameters may not be named


@dataclass(frozen=True, slots=True)
class Stamp:
    """agentcd's stamp in a version's config: which agent, deployment and rendered config."""

    agent: str
    deployment: str
    config: str


def prompt_name(naming: str, agent: str, environment: str) -> str:
    """The Langfuse prompt name: the target's `naming` with {agent} and {environment} filled."""
    name = naming.replace("{agent}", agent).replace("{environment}", environment)
    if not PROMPT_NAME.fullmatch(name) or len(name) > PROMPT_NAME_MAX or name in RESERVED_NAMES:
        raise Refused(
            "naming",
            f"makes {name!r} for {agent} in {environment}: a Langfuse prompt name here is "
            "letters, digits, '.', '_' and '-' in folders split by '/', at most "
            f"{PROMPT_NAME_MAX}, and not {', '.join(RESERVED_NAMES)}",
            in_project=True,
        )
    return name


def environment_label(labels: Mapping[str, str], environment: str) -> str:
    """The label an environment moves: the target's `labels` entry, else its own name."""
    label = labels.get(environment, environment)
    if label == LATEST:
        raise Refused(
            f"labels.{environment}",
            f"{environment} would move Langfuse's label {LATEST!r}, which Langfuse itself "
            "keeps on the newest version of each prompt; map it to another label",
            in_project=True,
        )
    if not LABEL.fullmatch(label):
        raise Refused(
            f"labels.{environment}",
            f"{label!r} is no Langfuse label: lowercase letters, digits, '_', '-' and '.', "
            "at most 36",
            in_project=True,
        )
    return label


def render_config(release: Release, naming: str, labels: Mapping[str, str]) -> dict[str, Any]:
    """The managed fields of one release as a Langfuse chat prompt version; `Unexpressible`
    names every field that cannot map (the first, with the others in `also`)."""
    artifact = release.artifact
    where = f"rendering {release.agent} for Langfuse ({release.environment})"
    refusals = Refusals(PLATFORM, where, [Refused(f, why) for f, why in _unmapped(artifact)])
    name = refusals.part(prompt_name, naming, release.agent, release.environment)
    refusals.part(environment_label, labels, release.environment)
    model = artifact.get("model", {})
    config: dict[str, Any] = {"model": _model(model), "provider": str(model.get("provider"))}
    config.update(refusals.part(_parameters, model.get("parameters", {})) or {})
    tools = [refusals.part(_tool, t) for t in artifact.get("tools", [])]
    refusals.check()
    if tools:
        config["tools"] = sorted(tools, key=lambda t: str((t or {})["function"]["name"]))
    prompt = [{"role": "system", "content": str(artifact.get("instructions", ""))}]
    return {"name": name, "type": "chat", "prompt": prompt, "config": config}


def _unmapped(artifact: Mapping[str, Any]) -> list[tuple[str, str]]:
    checks = [
        (
            "skills",
            artifact.get("skills"),
            "a Langfuse prompt is text and a config, with no files an agent loads when it "
            "needs them; put what the agent must know in the instructions",
        ),
        (
            "runtime",
            artifact.get("runtime"),
            "Langfuse stores prompts and runs no agent code; the application that fetches "
            "the prompt is the runtime",
        ),
        (
            "knowledge",
            artifact.get("knowledge"),
            "Langfuse has no knowledge sources to attach to a prompt; the application "
            "retrieves, and the source would need a value per environment",
        ),
        (
            "subagents",
            artifact.get("subagents"),
            "a prompt version names no other agent to hand over to; deploy each agent as "
            "its own prompt",
        ),
        (
            "guardrails",
            artifact.get("guardrails"),
            "Langfuse enforces nothing when a prompt is used, so a guardrail would be a note, "
            "not a check",
        ),
    ]
    return [(field, why) for field, value, why in checks if value]


def _model(model: Mapping[str, Any]) -> str:
    """The model the application calls: `model.overrides.langfuse` (say, the name of a
    Langfuse LLM connection's model), else the definition's id."""
    return str(model.get("overrides", {}).get(PLATFORM) or model.get("id"))


def _parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Sampling parameters as top-level config keys, Langfuse's documented convention."""
    taken = sorted(set(parameters) & set(CONFIG_KEYS))
    if taken:
        raise Refused(
            f"model.parameters.{taken[0]}",
            f"the prompt config's {taken[0]!r} is the {taken[0]} agentcd writes",
        )
    return dict(parameters)


def _tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    """A function tool in OpenAI's chat format, the one Langfuse's playground takes; the
    application runs it, so nothing that needs a caller or an approver is carried."""
    name, kind = tool["name"], tool.get("type")
    where = f"tools[{name}]"
    checks = (
        (
            where,
            kind != "function",
            f"a tool of type {kind} needs something that calls it; a Langfuse "
            "prompt carries function definitions the application runs, not connections",
        ),
        (
            f"{where}.name",
            not FUNCTION_NAME.fullmatch(name),
            "a function name is letters, digits, _ and -, at most 64",
        ),
        (
            f"{where}.binding",
            bool(tool.get("binding")),
            "a function in a prompt's config is run by the application, not at an endpoint",
        ),
        (
            f"{where}.approval",
            tool.get("approval") == "always",
            "Langfuse asks nobody before a function call; the application runs it",
        ),
    )
    for field, refused, reason in checks:
        if refused:
            raise Refused(field, reason)
    function: dict[str, Any] = {"name": name}
    if tool.get("description"):
        function["description"] = tool["description"]
    function["parameters"] = dict(tool.get("input_schema") or EMPTY_PARAMETERS)
    return {"type": "function", "function": function}


# ---------------------------------------------------------------- stamp and read back


def version_config(release: Release, config: Mapping[str, Any]) -> dict[str, Any]:
    """The version's config as sent: the managed keys and agentcd's stamp."""
    stamp = {
        "agent": release.agent,
        "deployment": release.deployment_digest,
        "config": config_digest(config),
    }
    return {**config["config"], MARK: stamp}


def commit_message(release: Release, config: Mapping[str, Any]) -> str:
    """The version's commit message (Langfuse shows it in the version history)."""
    made = f" at {release.commit[:12]}" if release.commit else ""
    return (
        f"agentcd: {release.agent}{made}, deployment {release.deployment_digest}, "
        f"config {config_digest(config)}"
    )


def read_stamp(config: Any) -> Stamp | None:
    """agentcd's stamp from a version's config, or None."""
    mark = config.get(MARK) if isinstance(config, Mapping) else None
    if not isinstance(mark, Mapping):
        return None
    agent, deployment, rendered = (mark.get(k) for k in ("agent", "deployment", "config"))
    if all(isinstance(v, str) for v in (agent, deployment, rendered)):
        return Stamp(str(agent), str(deployment), str(rendered))
    return None


def normalize_version(version: Mapping[str, Any]) -> dict[str, Any]:
    """A prompt version as Langfuse returns it in `render_config`'s shape: the stamp taken out
    of the config, every other key kept (a config key added in the UI differs), chat
    messages without the optional `type: chatmessage`."""
    config = version.get("config")
    if isinstance(config, Mapping):
        config = {k: v for k, v in config.items() if k != MARK}
    prompt = version.get("prompt")
    if isinstance(prompt, list):
        prompt = [_message(m) for m in prompt]
    return {
        "name": version.get("name"),
        "type": version.get("type"),
        "prompt": prompt,
        "config": config,
    }


def _message(message: Any) -> Any:
    if isinstance(message, Mapping) and message.get("type") == "chatmessage":
        return {k: v for k, v in message.items() if k != "type"}
    return message
