"""A Bedrock agent's aliases (the environments) and numbered versions (the deployments).

An alias routes to one version. UpdateAgentAlias without routing (CreateAgentAlias the first
time) snapshots the prepared draft as the next version; with routing it points the alias at a
version that exists. Both leave the alias UPDATING (CREATING) until it is PREPARED again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agentcd.adapters.platforms.bedrock_api import Clients, call, pages, poll
from agentcd.adapters.platforms.bedrock_draft import DRAFT
from agentcd.adapters.platforms.bedrock_render import alias_name, read_stamp
from agentcd.errors import PlatformError

Stamp = tuple[str, str]  # (deployment digest, config stamp), as `read_stamp` reads them


@dataclass(frozen=True, slots=True)
class Alias:
    id: str
    version: str | None  # the version it routes to
    status: str


def find_alias(clients: Clients, agent_id: str, environment: str) -> Alias | None:
    name = alias_name(environment)
    for summary in pages(
        clients.agent, "ListAgentAliases", "agentAliasSummaries", agentId=agent_id
    ):
        if summary["agentAliasName"] == name:
            return _alias(summary)
    return None


def stamped_versions(clients: Clients, agent_id: str, wanted: Stamp) -> list[str]:
    """The prepared numbered versions whose description carries `wanted`, newest first."""
    found = [
        int(v["agentVersion"])
        for v in pages(
            clients.agent, "ListAgentVersions", "agentVersionSummaries", agentId=agent_id
        )
        if v["agentVersion"] != DRAFT
        and v["agentStatus"] == "PREPARED"
        and (stamp := read_stamp(v.get("description"))) is not None
        and stamp[1:] == wanted
    ]
    return [str(n) for n in sorted(found, reverse=True)]


def version_stamp(clients: Clients, agent_id: str, version: str) -> Stamp | None:
    made = call(clients.agent, "GetAgentVersion", agentId=agent_id, agentVersion=version)
    stamp = read_stamp(made["agentVersion"].get("description"))
    return stamp[1:] if stamp else None


def alias_fields(agent_id: str, environment: str) -> dict[str, Any]:
    return {
        "agentId": agent_id,
        "agentAliasName": alias_name(environment),
        "description": f"agentcd environment {environment}",
    }


def new_version(
    clients: Clients, fields: Mapping[str, Any], alias: Alias | None, timeout: float, **create: Any
) -> Alias:
    """Update the alias (create it, with `create`'s tags and token), then wait for it. Without
    `routingConfiguration` in `fields`, that snapshots the prepared draft as a new version."""
    if alias is None:
        made = call(clients.agent, "CreateAgentAlias", **fields, **create)
        alias_id = str(made["agentAlias"]["agentAliasId"])
    else:
        call(clients.agent, "UpdateAgentAlias", agentAliasId=alias.id, **fields)
        alias_id = alias.id
    return settle(clients, fields["agentId"], alias_id, timeout)


def route(
    clients: Clients,
    environment: str,
    agent_id: str,
    alias: Alias | None,
    version: str,
    *,
    timeout: float,
    **create: Any,
) -> Mapping[str, str]:
    """Point the alias at an existing version (nothing to do when it already does)."""
    if alias is None or alias.version != version or alias.status != "PREPARED":
        fields = alias_fields(agent_id, environment)
        fields["routingConfiguration"] = [{"agentVersion": version}]
        alias = new_version(clients, fields, alias, timeout, **create)
    return {"version": version, "agent": agent_id, "alias": alias.id}


def settle(clients: Clients, agent_id: str, alias_id: str, timeout: float) -> Alias:
    """Wait for the alias to be PREPARED; FAILED is an error with AWS's reasons."""

    def read() -> Mapping[str, Any]:
        got = call(clients.agent, "GetAgentAlias", agentId=agent_id, agentAliasId=alias_id)
        alias = got["agentAlias"]
        if alias["agentAliasStatus"] == "FAILED":
            reasons = "; ".join(alias.get("failureReasons") or ["no reason given"])
            raise PlatformError(f"updating the alias: FAILED: {reasons}")
        return dict(alias)

    def prepared(alias: Mapping[str, Any]) -> bool:
        return bool(alias["agentAliasStatus"] == "PREPARED")

    done = poll(clients, read, done=prepared, deadline_s=timeout, what="updating the alias")
    return _alias(done)


def _alias(read: Mapping[str, Any]) -> Alias:
    routing = read.get("routingConfiguration") or []
    version = routing[0].get("agentVersion") if routing else None
    return Alias(id=str(read["agentAliasId"]), version=version, status=read["agentAliasStatus"])
