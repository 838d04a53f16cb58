"""What a release becomes in the MLflow prompt registry, and a prompt version read back in the
same shape. Pure: no SDK, no network.

`render_config` maps the canonical artifact to one text prompt version: the instructions are its
template, the model pin and sampling parameters its `model_config`, the agent's description,
owners and labels its `agentcd.*` tags. A prompt version carries nothing else, so every other
field of the definition is refused (`Unexpressible`, naming the field), never dropped; so is a
target setting that cannot work (a prompt name or alias MLflow rejects or reserves).
`normalize_version` maps a version's tags (MLflow keeps the text and the model config in tags
too) back to the same shape, so drift is a comparison. docs/platforms/mlflow.md has the table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from agentcd.adapters.platforms.protocol import Refusals, Refused
from agentcd.core.definition.canonical import normalize_numbers
from agentcd.core.definition.model import MlflowTarget
from agentcd.core.deploy.drift import config_digest
from agentcd.core.deploy.release import Release

PLATFORM = "mlflow"
# mlflow/prompt/constants.py and mlflow/utils/validation.py (MLflow 3): the rules the server
# applies, checked here so `agentcd validate` says it before anything is sent.
PROMPT_NAME = re.compile(r"^[a-zA-Z0-9_.-]+$")
ALIAS = re.compile(r"^[\w-]{1,255}$")
VERSION_ALIAS = re.compile(r"^[vV]\d+$")  # reserved: `v3` names version 3
TEXT_MAX = 100_000  # MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH: the prompt text is a tag value
# The tags MLflow keeps a prompt version in (mlflow/prompt/constants.py).
IS_PROMPT = "mlflow.prompt.is_prompt"
TEXT = "mlflow.prompt.text"
TYPE = "_mlflow_prompt_type"
MODEL_CONFIG = "_mlflow_prompt_model_config"
RESPONSE_FORMAT = "_mlflow_prompt_response_format"
# PromptModelConfig's own fields, as it validates them; any other parameter is an extra param.
NUMBERS = {"temperature": (0.0, None), "top_p": (0.0, 1.0)}
COUNTS = ("max_tokens", "top_k")
PENALTIES = ("frequency_penalty", "presence_penalty")
RESERVED_PARAMETERS = ("provider", "model_name", "extra_params")

# agentcd's tags on each version: what it carries of the definition, and the stamp.
DESCRIPTION, OWNERS, LABELS = "agentcd.description", "agentcd.owners", "agentcd.labels"
CARRIED = (DESCRIPTION, OWNERS, LABELS)
MARK_AGENT = "agentcd.agent"
MARK_DEPLOYMENT = "agentcd.deployment"
MARK_CONFIG = "agentcd.config"


def prompt_name(naming: str, agent: str, environment: str) -> str:
    """The prompt's name: the target's `naming` with {agent} and {environment} filled."""
    name = naming.replace("{agent}", agent).replace("{environment}", environment)
    if not PROMPT_NAME.fullmatch(name):
        raise Refused(
            "naming",
            f"makes {name!r} for {agent} in {environment}: an MLflow prompt name is letters, "
            "digits, _, - and .",
            in_project=True,
        )
    return name


def alias_of(aliases: Mapping[str, str], environment: str) -> str:
    """The alias that serves `environment`: `aliases[environment]`, else its own name."""
    alias = aliases.get(environment, environment)
    if alias.lower() == "latest" or VERSION_ALIAS.fullmatch(alias):
        why = "the newest version" if alias.lower() == "latest" else f"version {alias[1:]}"
        raise Refused(
            "aliases",
            f"environment {environment} would be served by the alias {alias!r}, which MLflow "
            f"reserves for {why}; map it to another: aliases: {{{environment}: <alias>}}",
            in_project=True,
        )
    if not ALIAS.fullmatch(alias):
        raise Refused(
            "aliases",
            f"{alias!r} (for {environment}) is no MLflow alias: letters, digits, _ and -, "
            "at most 255",
            in_project=True,
        )
    return alias


def render_config(release: Release, target: MlflowTarget) -> dict[str, Any]:
    """The managed fields of one release as a prompt version; `Unexpressible` names every field
    that cannot map (the first, with the others in `also`)."""
    artifact = release.artifact
    where = f"rendering {release.agent} for MLflow ({release.environment})"
    refusals = Refusals(
        PLATFORM, where, [Refused(field, why) for field, why in _unmapped(artifact)]
    )
    refusals.part(_tracking_uri, target.tracking_uri)
    refusals.part(alias_of, target.aliases, release.environment)
    name = refusals.part(prompt_name, target.naming, release.agent, release.environment)
    template = refusals.part(_template, str(artifact.get("instructions", "")))
    model_config = refusals.part(_model_config, artifact.get("model", {}))
    refusals.check()
    return {
        "name": name,
        "template": template,
        "model_config": model_config,
        "tags": carried_tags(artifact.get("metadata", {})),
    }


def _unmapped(artifact: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every field a prompt version cannot carry: one refusal a field, or a named item."""
    out = [
        (
            f"tools[{tool['name']}]",
            "a prompt version holds no tools; the application that "
            "loads the prompt declares and runs them",
        )
        for tool in artifact.get("tools", [])
    ]
    out += [
        (
            f"knowledge[{item['name']}]",
            "a prompt version holds no knowledge source; the "
            "application that loads the prompt retrieves it",
        )
        for item in artifact.get("knowledge", [])
    ]
    out += [
        (
            f"guardrails[{item['name']}]",
            "a prompt version holds no guardrail; the application enforces it",
        )
        for item in artifact.get("guardrails", [])
    ]
    whole = {
        "skills": "a prompt version is one text: put what the skill says in the instructions",
        "subagents": "a prompt version is one agent's text; deploy each agent as its own prompt",
        "runtime": "the prompt registry runs nothing: the runtime is the application's, which "
        "loads the prompt",
    }
    out += [(key, why) for key, why in whole.items() if artifact.get(key)]
    return out


def _tracking_uri(uri: str) -> None:
    if not uri.startswith(("http://", "https://")):
        raise Refused(
            "tracking_uri",
            f"{uri!r} is no tracking server URL: agentcd talks to an MLflow server over HTTP(S) "
            "(mlflow-skinny has no database or file store, and the Unity Catalog prompt "
            "registry is not supported)",
            in_project=True,
        )


def _template(text: str) -> str:
    if len(text) > TEXT_MAX:
        raise Refused(
            "instructions", f"MLflow takes at most {TEXT_MAX} characters, not {len(text)}"
        )
    return text


def _model_config(model: Mapping[str, Any]) -> dict[str, Any]:
    """The model pin and parameters as MLflow's PromptModelConfig keeps them (known fields
    checked as it checks them, the rest as extra params)."""
    config: dict[str, Any] = {
        "provider": str(model.get("provider")),
        "model_name": str(model.get("overrides", {}).get(PLATFORM) or model.get("id")),
    }
    for key, value in model.get("parameters", {}).items():
        config[key] = _parameter(key, value)
    return config


def _parameter(key: str, value: Any) -> Any:
    field = f"model.parameters.{key}"
    if key in RESERVED_PARAMETERS:
        raise Refused(field, f"{key} is a field of MLflow's model config, not a parameter")
    number = not isinstance(value, bool) and isinstance(value, int | float)
    if key in NUMBERS or key in PENALTIES:
        low, high = NUMBERS.get(key, (None, None))
        if not number or (low is not None and value < low) or (high is not None and value > high):
            bounds = f" from {low}" if low is not None else ""
            bounds += f" to {high}" if high is not None else ""
            raise Refused(field, f"MLflow takes a number{bounds}, not {value!r}")
    if key in COUNTS and (not number or value != int(value) or value < 1):
        raise Refused(field, f"MLflow takes a whole number above 0, not {value!r}")
    if key == "stop_sequences" and not (
        isinstance(value, list) and all(isinstance(s, str) for s in value)
    ):
        raise Refused(field, f"MLflow takes a list of strings, not {value!r}")
    return value


def carried_tags(metadata: Mapping[str, Any]) -> dict[str, str]:
    """The definition's description, owners and labels as version tags (only those set)."""
    tags = {}
    if metadata.get("description"):
        tags[DESCRIPTION] = str(metadata["description"])
    if metadata.get("owners"):
        tags[OWNERS] = json.dumps(list(metadata["owners"]), ensure_ascii=False)
    if metadata.get("labels"):
        tags[LABELS] = json.dumps(dict(metadata["labels"]), sort_keys=True, ensure_ascii=False)
    return tags


# ---------------------------------------------------------------- stamp and read back


def version_tags(release: Release, config: Mapping[str, Any]) -> dict[str, str]:
    """The tags a new version gets: the carried ones and the stamp (which agent, which
    deployment, which rendered config)."""
    return {
        **config["tags"],
        MARK_AGENT: release.agent,
        MARK_DEPLOYMENT: release.deployment_digest,
        MARK_CONFIG: config_digest(config),
    }


def read_stamp(tags: Mapping[str, str]) -> tuple[str, str] | None:
    """(deployment digest, config digest) from a version's tags, or None."""
    digest, config = tags.get(MARK_DEPLOYMENT), tags.get(MARK_CONFIG)
    if isinstance(digest, str) and isinstance(config, str):
        return digest, config
    return None


def normalize_version(name: str, tags: Mapping[str, str]) -> dict[str, Any]:
    """A prompt version, from the tags MLflow keeps it in, in `render_config`'s shape. The
    text is read itself (it can be edited in place, keeping the version and its stamp); a
    chat template, a response format or a model config that is not JSON stays as read, and
    differs."""
    config: dict[str, Any] = {"name": name, "template": tags.get(TEXT)}
    if tags.get(TYPE) == "chat":
        config["template"] = _json(tags.get(TEXT))
    if MODEL_CONFIG in tags:
        config["model_config"] = _json(tags[MODEL_CONFIG])
    if RESPONSE_FORMAT in tags:
        config["response_format"] = _json(tags[RESPONSE_FORMAT])
    config["tags"] = {key: tags[key] for key in CARRIED if key in tags}
    return config


def _json(text: str | None) -> Any:
    try:
        return normalize_numbers(json.loads(text or ""))
    except ValueError:
        return text
