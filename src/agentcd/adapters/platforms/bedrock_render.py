"""What a release becomes on AWS Bedrock Agents, and a version read back in the same shape. Pure.

`render_config` maps the canonical artifact and the environment's binding values to the fields
agentcd manages on a Bedrock agent: the agent itself (UpdateAgent), one action group per tool,
one knowledge base association per knowledge entry. A field Bedrock cannot carry faithfully is
refused (`Unexpressible`, naming the field), never dropped. `normalize_version` maps
GetAgentVersion and that version's action groups and knowledge bases back to the same shape, so
drift is a comparison.
docs/platforms/bedrock.md has the table of every field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agentcd.adapters.platforms.bedrock_tools import (
    DESCRIPTION_MAX,
    NAME,
    Refused,
    action_group,
)
from agentcd.adapters.platforms.protocol import Unexpressible
from agentcd.core.deploy.drift import config_digest
from agentcd.core.deploy.release import Release
from agentcd.errors import PlatformError

KNOWLEDGE_BASE_ID = re.compile(r"[0-9a-zA-Z]{10}")
GUARDRAIL_VERSION = re.compile(r"[0-9]{1,8}|DRAFT")
INSTRUCTION_LENGTH = (40, 4000)
BEDROCK_PROVIDERS = ("bedrock", "aws", "amazon-bedrock")

# The stamp every version carries at the end of its description: the deployment digest and the
# first 12 hex digits of the rendered config's digest (two environments can share a deployment
# digest yet differ in their role), e.g. "Answers FAQs [agentcd sha256:<64 hex> 0123456789ab]".
STAMP = re.compile(r"\s?\[agentcd (sha256:[0-9a-f]{64}) ([0-9a-f]{12})\]$")
_STAMP_LENGTH = len(" [agentcd sha256:] ") + 64 + 12


@dataclass(frozen=True, slots=True)
class Naming:
    """What names the Bedrock agent, alias and role of one agent in one environment."""

    template: str
    roles: Mapping[str, str]
    idle_session_ttl_s: int


def agent_name(template: str, agent: str, environment: str) -> str:
    """The Bedrock agent name: the target's `naming` with {agent} and {environment} filled."""
    name = template.replace("{agent}", agent).replace("{environment}", environment)
    if not NAME.fullmatch(name):
        raise Unexpressible(
            "bedrock",
            "naming",
            f"makes {name!r} for {agent} in {environment}: a Bedrock name is letters and "
            "digits, one - or _ between them, at most 100",
            in_project=True,
        )
    return name


def alias_name(environment: str) -> str:
    if not NAME.fullmatch(environment):
        raise PlatformError(f"environment {environment!r} is not a valid Bedrock alias name")
    return environment


def render_config(release: Release, naming: Naming) -> dict[str, Any]:
    """The managed fields of one release on Bedrock; `Unexpressible` names what cannot map
    (each part is rendered, so one refusal carries the others in `also`)."""
    artifact = release.artifact
    refused: list[Refused | Unexpressible] = []

    def part(make: Callable[..., Any], *args: Any) -> Any:
        try:
            return make(*args)
        except (Refused, Unexpressible) as e:
            refused.append(e)
            return None

    for why in _unmapped(artifact):
        refused.append(Refused(why))
    agent = part(_agent_fields, release, naming)
    groups = [part(action_group, t, release.bindings) for t in artifact.get("tools", [])]
    bases = [part(_knowledge_base, k, release.bindings) for k in artifact.get("knowledge", [])]
    if refused:
        where = f"rendering {release.agent} for Bedrock ({release.environment})"
        first, *rest = (
            Unexpressible("bedrock", e.field, e.reason, in_project=e.in_project, where=where)
            for e in refused
        )
        first.also = tuple(rest)
        raise first
    return {
        "agent": agent,
        "action_groups": sorted(groups, key=lambda g: g["name"]),
        "knowledge_bases": sorted(bases, key=lambda k: k["name"]),
    }


def stamped_description(release: Release, config: Mapping[str, Any]) -> str:
    """The description sent to Bedrock: the definition's, then the stamp."""
    text = config["agent"].get("description", "")
    stamp = f"[agentcd {release.deployment_digest} {config_stamp(config)}]"
    return f"{text} {stamp}" if text else stamp


def config_stamp(config: Mapping[str, Any]) -> str:
    return config_digest(config).removeprefix("sha256:")[:12]


def read_stamp(description: str | None) -> tuple[str, str, str] | None:
    """(description without the stamp, deployment digest, config stamp), or None."""
    match = STAMP.search(description or "")
    if match is None:
        return None
    return (description or "")[: match.start()], match.group(1), match.group(2)


def _unmapped(artifact: Mapping[str, Any]) -> list[str]:
    model = artifact.get("model", {})
    checks = [
        (
            model.get("parameters"),
            "model.parameters: Bedrock Agents set inference parameters "
            "only inside an overridden prompt template, which agentcd does not write",
        ),
        (
            artifact.get("skills"),
            "skills: Bedrock Agents have no skills; put the text in the "
            "instructions or a knowledge base",
        ),
        (
            artifact.get("runtime"),
            "runtime: Bedrock Agents run on AWS's own runtime "
            "(code and images are Bedrock AgentCore's)",
        ),
        (
            artifact.get("subagents"),
            "subagents: a Bedrock supervisor needs its collaboration mode (supervisor or "
            "router) and a routing instruction per collaborator, which the format does not "
            "carry yet; deploy each agent on its own",
        ),
    ]
    return [why for value, why in checks if value]


def _agent_fields(release: Release, naming: Naming) -> dict[str, Any]:
    artifact, env = release.artifact, release.environment
    role = naming.roles.get(env)
    if not role:
        raise Refused(f"roles: no agent resource role for environment {env}", in_project=True)
    fields: dict[str, Any] = {
        "agentName": agent_name(naming.template, release.agent, env),
        "instruction": _instruction(artifact.get("instructions", "")),
        "foundationModel": _foundation_model(artifact.get("model", {})),
        "agentResourceRoleArn": role,
        "idleSessionTTLInSeconds": naming.idle_session_ttl_s,
        "agentCollaboration": "DISABLED",
    }
    description = _short(artifact.get("metadata", {}).get("description", ""))
    if description:
        fields["description"] = description
    guardrail = _guardrail(artifact.get("guardrails", []), release.bindings)
    if guardrail:
        fields["guardrailConfiguration"] = guardrail
    return fields


def _instruction(text: str) -> str:
    low, high = INSTRUCTION_LENGTH
    if not low <= len(text) <= high:
        raise Refused(f"instructions: Bedrock takes {low} to {high} characters, not {len(text)}")
    return text


def _foundation_model(model: Mapping[str, Any]) -> str:
    override = model.get("overrides", {}).get("bedrock")
    if override:
        return str(override)
    if model.get("provider") in BEDROCK_PROVIDERS:
        return str(model["id"])
    raise Refused(
        f"model: {model.get('provider')} {model.get('id')} is not a Bedrock model; "
        "set model.overrides.bedrock to a Bedrock model id or inference profile"
    )


def _short(text: str) -> str:
    """The definition's description, cut to what fits before the stamp."""
    room = DESCRIPTION_MAX - _STAMP_LENGTH
    text = " ".join(text.split())
    return text if len(text) <= room else text[: room - 1].rstrip() + "…"


def _guardrail(guardrails: Sequence[Mapping[str, Any]], bindings: Mapping[str, Any]) -> Any:
    for g in guardrails:
        if g.get("type") != "platform":
            raise Refused(
                f"guardrails[{g['name']}]: a {g.get('type')} guardrail is not enforced by "
                "Bedrock; use a Bedrock guardrail (type: platform, binding: ID:VERSION)"
            )
        if g.get("config"):
            raise Refused(f"guardrails[{g['name']}].config: configure it in Bedrock itself")
    if len(guardrails) > 1:
        raise Refused("guardrails: a Bedrock agent has one guardrail")
    if not guardrails:
        return None
    name = guardrails[0]["name"]
    value = bindings.get(guardrails[0].get("binding", ""), "")
    identifier, _, version = str(value).rpartition(":")
    if not identifier or not GUARDRAIL_VERSION.fullmatch(version):
        raise Refused(
            f"guardrails[{name}]: the binding is {value!r}; give the guardrail and its "
            "version, ID:VERSION (e.g. gr-abc123:3)"
        )
    return {"guardrailIdentifier": identifier, "guardrailVersion": version}


def _knowledge_base(entry: Mapping[str, Any], bindings: Mapping[str, Any]) -> dict[str, Any]:
    name = entry["name"]
    value = bindings.get(entry.get("binding", ""))
    if not isinstance(value, str) or not KNOWLEDGE_BASE_ID.fullmatch(value):
        raise Refused(
            f"knowledge[{name}]: the binding is {value!r}; bind it to the knowledge base id "
            "(10 letters and digits)"
        )
    if entry.get("version"):
        raise Refused(
            f"knowledge[{name}].version: a Bedrock knowledge base has no snapshots to pin; "
            "bind each environment to its own knowledge base instead"
        )
    description = entry.get("description", "")
    if not 1 <= len(description) <= DESCRIPTION_MAX:
        raise Refused(
            f"knowledge[{name}].description: Bedrock needs 1 to {DESCRIPTION_MAX} characters "
            "(the agent reads it to decide when to search)"
        )
    return {"name": value, "description": description, "knowledgeBaseState": "ENABLED"}


# ---------------------------------------------------------------- read back

AGENT_FIELDS = (
    "agentName",
    "description",
    "instruction",
    "foundationModel",
    "agentResourceRoleArn",
    "idleSessionTTLInSeconds",
    "guardrailConfiguration",
    "agentCollaboration",
)
GROUP_FIELDS = (
    "description",
    "actionGroupExecutor",
    "functionSchema",
    "apiSchema",
    "parentActionGroupSignature",
    "actionGroupState",
)


def normalize_version(
    version: Mapping[str, Any],
    groups: Sequence[Mapping[str, Any]],
    bases: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """A version as read (GetAgentVersion, GetAgentActionGroup, ListAgentKnowledgeBases) in
    `render_config`'s shape; the stamp is taken off the description."""
    agent = {k: version[k] for k in AGENT_FIELDS if version.get(k) not in (None, {}, "")}
    agent.setdefault("agentCollaboration", "DISABLED")
    stamp = read_stamp(agent.get("description"))
    if stamp is not None:
        agent["description"] = stamp[0]
        if not stamp[0]:
            del agent["description"]
    return {
        "agent": agent,
        "action_groups": sorted((_group(g) for g in groups), key=lambda g: g["name"]),
        "knowledge_bases": sorted((_base(b) for b in bases), key=lambda b: b["name"]),
    }


def _group(group: Mapping[str, Any]) -> dict[str, Any]:
    # GetAgentActionGroup answers `parentActionSignature` for what CreateAgentActionGroup
    # takes as `parentActionGroupSignature` (botocore's bedrock-agent service model).
    fields = {**group, "parentActionGroupSignature": group.get("parentActionSignature")}
    out = {"name": group["actionGroupName"]}
    out.update({k: fields[k] for k in GROUP_FIELDS if fields.get(k) not in (None, {}, "")})
    return out


def _base(base: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": base["knowledgeBaseId"],
        "description": base.get("description", ""),
        "knowledgeBaseState": base.get("knowledgeBaseState"),
    }
