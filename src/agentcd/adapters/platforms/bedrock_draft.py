"""Writing a Bedrock agent's working draft (DRAFT) to match a rendered config.

UpdateAgent replaces the whole agent: every field it is not sent is reset. So it is a
read-modify-write: the fields agentcd manages come from the config, the ones the definition does
not carry (encryption key, prompt overrides, memory, orchestration) are sent back as read. Then
the draft's action groups and knowledge base associations are made to match, by name and id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agentcd.adapters.platforms.bedrock_api import Clients, call, pages

DRAFT = "DRAFT"
# What UpdateAgent would reset and agentcd does not manage: sent back as GetAgent read it.
KEPT_FIELDS = (
    "orchestrationType",
    "customOrchestration",
    "customerEncryptionKeyArn",
    "promptOverrideConfiguration",
    "memoryConfiguration",
)


def write_draft(
    clients: Clients,
    agent_id: str,
    config: Mapping[str, Any],
    description: str,
    draft: Mapping[str, Any] | None,
) -> None:
    """Make DRAFT what `config` says. `draft` is the agent as read, None when just created
    (CreateAgent already set its fields, and it has no action groups or knowledge bases)."""
    if draft is not None:
        kept = {k: draft[k] for k in KEPT_FIELDS if draft.get(k) is not None}
        fields = {**kept, **config["agent"], "description": description}
        call(clients.agent, "UpdateAgent", agentId=agent_id, **fields)
    sync_action_groups(clients, agent_id, config["action_groups"], fresh=draft is None)
    sync_knowledge_bases(clients, agent_id, config["knowledge_bases"], fresh=draft is None)


def sync_action_groups(
    clients: Clients, agent_id: str, wanted: Sequence[Mapping[str, Any]], *, fresh: bool
) -> None:
    """One action group per tool, by name: updated, created, and the others deleted."""
    where = {"agentId": agent_id, "agentVersion": DRAFT}
    existing = (
        {}
        if fresh
        else {
            g["actionGroupName"]: g["actionGroupId"]
            for g in pages(clients.agent, "ListAgentActionGroups", "actionGroupSummaries", **where)
        }
    )
    for group in wanted:
        fields = {k: v for k, v in group.items() if k != "name"}
        fields["actionGroupName"] = group["name"]
        if group["name"] in existing:
            group_id = existing.pop(group["name"])
            call(clients.agent, "UpdateAgentActionGroup", actionGroupId=group_id, **where, **fields)
        else:
            call(clients.agent, "CreateAgentActionGroup", **where, **fields)
    for group_id in existing.values():
        call(
            clients.agent,
            "DeleteAgentActionGroup",
            actionGroupId=group_id,
            skipResourceInUseCheck=True,
            **where,
        )


def sync_knowledge_bases(
    clients: Clients, agent_id: str, wanted: Sequence[Mapping[str, Any]], *, fresh: bool
) -> None:
    """One association per knowledge base id: changed ones updated, new ones associated, the
    others disassociated."""
    where = {"agentId": agent_id, "agentVersion": DRAFT}
    existing = (
        {}
        if fresh
        else {
            b["knowledgeBaseId"]: b
            for b in pages(
                clients.agent, "ListAgentKnowledgeBases", "agentKnowledgeBaseSummaries", **where
            )
        }
    )
    for base in wanted:
        fields = {
            "description": base["description"],
            "knowledgeBaseState": base["knowledgeBaseState"],
        }
        found = existing.pop(base["name"], None)
        if found is None:
            call(
                clients.agent,
                "AssociateAgentKnowledgeBase",
                knowledgeBaseId=base["name"],
                **where,
                **fields,
            )
        elif any(found.get(k) != v for k, v in fields.items()):
            call(
                clients.agent,
                "UpdateAgentKnowledgeBase",
                knowledgeBaseId=base["name"],
                **where,
                **fields,
            )
    for base_id in existing:
        call(clients.agent, "DisassociateAgentKnowledgeBase", knowledgeBaseId=base_id, **where)
