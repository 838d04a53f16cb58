"""The policy findings a change is answerable for: in what it touches, and in the project. No I/O.

`agentcd validate` checks the whole project; the plan checks what the change touches: the
changed agents' definitions and suites, the texts it modified (instructions, skill files,
tool specs), and `agentcd.yaml`. Findings elsewhere are not the change's to fix, and the
secret scan over every text is most of a plan's cost on a large repository. Binding checks
then see only the changed agents, so an "unused binding" is reported only if no agent uses it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

from agentcd.core.definition.load import LoadedAgent, Workspace
from agentcd.core.policy.rules import Finding, Rule, check_workspace, declared_bindings

SECRET_RULES = frozenset({Rule.SECRET_SHAPE, Rule.SECRET_RANDOM})


def change_findings(
    head: Workspace, base: Workspace | None, agents: Collection[str]
) -> tuple[Finding, ...]:
    """Findings of the changed `agents` at the head (texts equal at the base not scanned)."""
    chosen = tuple(
        _changed_texts(agent, base.agent(agent.name) if base else None)
        for agent in head.agents
        if agent.name in agents
    )
    return _findings(head, chosen)


def base_findings(
    base: Workspace, agents: Collection[str], head: Sequence[Finding]
) -> tuple[Finding, ...]:
    """The base's findings for the same agents, to tell the head's new findings from old ones.

    A base agent's texts are scanned only where the head has a secret finding: every other
    finding depends on the definitions alone.
    """
    secrets = {f.file for f in head if f.rule in SECRET_RULES}
    chosen = tuple(
        agent if _holds_any(agent, secrets) else _changed_texts(agent, agent)
        for agent in base.agents
        if agent.name in agents
    )
    return _findings(base, chosen)


def _findings(workspace: Workspace, chosen: tuple[LoadedAgent, ...]) -> tuple[Finding, ...]:
    subset = replace(workspace, agents=chosen)
    used = {name for agent in workspace.agents for name in declared_bindings(agent)}
    return tuple(f for f in check_workspace(subset) if not _used_elsewhere(f, used))


def _used_elsewhere(finding: Finding, used: set[str]) -> bool:
    """An "unused binding" finding that only looked unused because of the subset."""
    return finding.rule is Rule.UNUSED_BINDING and finding.field.rsplit(".", 1)[-1] in used


def _holds_any(agent: LoadedAgent, files: set[str]) -> bool:
    folder = posixpath.dirname(agent.path)
    return any(f == agent.path or f.startswith(folder + "/") for f in files)


def _changed_texts(agent: LoadedAgent, before: LoadedAgent | None) -> LoadedAgent:
    """`agent` with the inlined texts that equal `before`'s left out of its artifact."""
    if before is None:
        return agent
    old, new = before.artifact, dict(agent.artifact)
    if new.get("instructions") == old.get("instructions"):
        new["instructions"] = ""
    new["skills"] = _changed_skill_files(new.get("skills", []), old.get("skills", []))
    specs = {t.get("name"): t.get("spec") for t in old.get("tools", [])}
    new["tools"] = [
        {k: v for k, v in t.items() if k != "spec" or v != specs.get(t.get("name"))}
        for t in new.get("tools", [])
    ]
    return replace(agent, artifact=new)


def _changed_skill_files(
    skills: Sequence[Mapping[str, Any]], before: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    old = {s.get("name"): s.get("files", {}) for s in before}
    out = []
    for skill in skills:
        was = old.get(skill.get("name"), {})
        files = {p: c for p, c in skill.get("files", {}).items() if was.get(p) != c}
        out.append({**skill, "files": files})
    return out
