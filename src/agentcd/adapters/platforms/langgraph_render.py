"""What a release becomes on LangGraph Platform, and an assistant read back in the same shape.
Pure: no SDK, no network.

An agent in an environment is one assistant of the target's graph, with an id derived from the
two (`assistant_id`), so every run of agentcd finds the same one. The definition travels as the
assistant's `config.configurable`: `{"agent": <the artifact>, "bindings": <the environment's
values>}`, the same document the `file` platform writes, for the graph to run (its model, its
instructions, its skills, and its tools, which run in the graph's code). What has no place on an
assistant (a runtime: the deployment's code is the runtime; a platform's own tools or
guardrails, which LangGraph Platform does not have) is refused (`Unexpressible`), never dropped.
`normalize` maps an assistant or one of its versions back to the rendered shape, so drift is a
comparison. docs/platforms/langgraph.md has the mapping.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from agentcd.adapters.platforms.protocol import Refused, unexpressible
from agentcd.core.deploy.drift import config_digest
from agentcd.core.deploy.release import Release

PLATFORM = "langgraph"
# The namespace of agentcd's assistant ids: uuid5(NAMESPACE_URL, ".../langgraph/assistants").
NAMESPACE = uuid.UUID("a40352f9-90d8-5f25-936d-9cfca5522f93")

# agentcd's marks in the metadata of each assistant version.
MARK_AGENT = "agentcd_agent"
MARK_ENVIRONMENT = "agentcd_environment"
MARK_DEPLOYMENT = "agentcd_deployment"
MARK_CONFIG = "agentcd_config"
MARK_MANAGED_BY = "agentcd_managed_by"
MANAGED_BY = "agentcd"


def assistant_id(agent: str, environment: str) -> str:
    """The assistant of `agent` in `environment`: the same id on every run and machine."""
    return str(uuid.uuid5(NAMESPACE, f"{agent}/{environment}"))


def assistant_name(template: str, agent: str, environment: str) -> str:
    return template.replace("{agent}", agent).replace("{environment}", environment)


def render_config(release: Release, *, graph_id: str, naming: str) -> dict[str, Any]:
    """The managed fields of one release on LangGraph Platform; `Unexpressible` names every
    field that has no place on an assistant (the first, with the others in `also`)."""
    artifact = release.artifact
    refused = _unmapped(artifact)
    name = assistant_name(naming, release.agent, release.environment).strip()
    if not name:
        refused.append(Refused("naming", "makes an empty assistant name", in_project=True))
    if refused:
        where = f"rendering {release.agent} for LangGraph ({release.environment})"
        raise unexpressible(PLATFORM, where, refused)
    # No description: the SDK cannot clear one once set, so it could not follow the definition.
    assistant = {"graph_id": graph_id, "name": name}
    document: dict[str, Any] = {"agent": dict(artifact), "bindings": dict(release.bindings)}
    refs = sorted(str(s["ref"]) for s in artifact.get("subagents", []))
    if refs:  # the assistants a handoff goes to, in the same environment
        document["assistants"] = {ref: assistant_id(ref, release.environment) for ref in refs}
    return {"assistant": assistant, "configurable": document}


RUNTIME = (
    "an assistant configures a graph its deployment already runs: the code, its framework and "
    "image are the deployment's (langgraph.json), not the assistant's; remove runtime from the "
    "definition and ship the code with the deployment"
)
# What has no place on an assistant, by (list, the type it cannot carry): why.
NO_PLACE = {
    ("tools", "builtin"): (
        "a builtin tool is a platform's own, and LangGraph Platform has none: the graph runs "
        "its tools in its own code; declare it as a function, openapi or mcp tool"
    ),
    ("guardrails", "platform"): (
        "a platform guardrail is enforced by the platform, and LangGraph Platform has none: "
        "give it as a policy or schema guardrail for the graph to enforce"
    ),
}


def _unmapped(artifact: Mapping[str, Any]) -> list[Refused]:
    refused = [Refused("runtime", RUNTIME)] if artifact.get("runtime") else []
    for (key, kind), why in NO_PLACE.items():
        refused += [
            Refused(f"{key}[{item['name']}]", why)
            for item in artifact.get(key, [])
            if item.get("type") == kind
        ]
    return refused


# ---------------------------------------------------------------- stamp and read back


def version_metadata(release: Release, config: Mapping[str, Any]) -> dict[str, str]:
    """The marks on a version: which agentcd agent and environment, which deployment, which
    rendered config (the first 12 hex of its digest)."""
    return {
        MARK_AGENT: release.agent,
        MARK_ENVIRONMENT: release.environment,
        MARK_DEPLOYMENT: release.deployment_digest,
        MARK_CONFIG: config_digest(config).removeprefix("sha256:")[:12],
        MARK_MANAGED_BY: MANAGED_BY,
    }


def stamped(read: Mapping[str, Any], release: Release, config: Mapping[str, Any]) -> bool:
    """Whether an assistant or version read back carries this release's marks."""
    metadata = read.get("metadata") or {}
    return all(metadata.get(k) == v for k, v in version_metadata(release, config).items())


def read_digest(read: Mapping[str, Any]) -> str | None:
    digest = (read.get("metadata") or {}).get(MARK_DEPLOYMENT)
    return digest if isinstance(digest, str) else None


def normalize(read: Mapping[str, Any]) -> dict[str, Any]:
    """An assistant or assistant version as the server returns it, in `render_config`'s shape.
    Config keys agentcd does not write are kept, so an edit that adds one differs."""
    assistant: dict[str, Any] = {"graph_id": read.get("graph_id"), "name": read.get("name")}
    config = dict(read.get("config") or {})
    out: dict[str, Any] = {"assistant": assistant, "configurable": config.pop("configurable", {})}
    if config:
        out["config"] = config
    return out


def context_differs(read: Mapping[str, Any]) -> bool:
    """Whether the assistant's `context` is not its `config.configurable` (the server keeps the
    two equal on every write; its in-memory runtime's set-latest restores only the config)."""
    configurable = (read.get("config") or {}).get("configurable") or {}
    return bool(read.get("context")) and read.get("context") != configurable
