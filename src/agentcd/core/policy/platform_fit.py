"""AC109: a definition an environment's platform cannot carry, found before merge.

Each platform's `render` is pure and refuses (`Unexpressible`) what it cannot carry faithfully;
this runs it for every agent in every environment and turns each refusal into a finding on the
field it names, so `validate` (and the pull request's plan) says it, not the first promote.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from agentcd.core.definition.load import PROJECT_FILE, LoadedAgent, Workspace
from agentcd.core.deploy.release import Release, make_release
from agentcd.core.policy.rules import Finding, Rule, Severity, sort_findings
from agentcd.errors import Unexpressible

Render = Callable[[Release], Any]  # a platform's render: raises Unexpressible
_LISTS = ("tools", "knowledge", "guardrails", "subagents", "skills")
_NAMED = re.compile(rf"^({'|'.join(_LISTS)})\[([^\]]+)\]")


def platform_findings(
    workspace: Workspace, renderer: Callable[[str], Render]
) -> tuple[Finding, ...]:
    """Every refusal of every environment's platform; one finding per field and reason, naming
    the environments (an agent missing a binding in an environment is AC107's, not checked)."""
    seen: dict[tuple[str, str, str], tuple[Unexpressible, list[str], str]] = {}
    project = workspace.project
    for env in project.environments:
        render = renderer(env.name)
        for agent in workspace.agents:
            release = make_release(
                env, artifact=agent.artifact, artifact_digest=agent.digest, commit=workspace.commit
            )
            if release.missing_bindings:
                continue
            for refusal in _refusals(render, release):
                file, field = _where(refusal, agent, env.target)
                key = (file, field, refusal.reason)
                seen.setdefault(key, (refusal, [], agent.name))[1].append(env.name)
    return sort_findings(_finding(key, *value) for key, value in seen.items())


def _refusals(render: Render, release: Release) -> Iterator[Unexpressible]:
    try:
        render(release)
    except Unexpressible as refusal:
        yield refusal
        yield from refusal.also


def _where(refusal: Unexpressible, agent: LoadedAgent, target: str) -> tuple[str, str]:
    if refusal.in_project:
        return PROJECT_FILE, f"targets.{target}.{refusal.field}"
    return agent.path, _indexed(refusal.field, agent)


def _indexed(field: str, agent: LoadedAgent) -> str:
    """`tools[lookup].spec` as the definition's own path, `tools[1].spec`, so it has a line."""
    match = _NAMED.match(field)
    if match is None:
        return field
    items = getattr(agent.definition, match.group(1), None) or []
    names = [getattr(item, "name", None) for item in items]
    if match.group(2) not in names:
        return field
    return f"{match.group(1)}[{names.index(match.group(2))}]{field[match.end() :]}"


def _finding(
    key: tuple[str, str, str], refusal: Unexpressible, environments: list[str], agent: str
) -> Finding:
    file, field, reason = key
    where = ", ".join(environments)
    if refusal.in_project:
        what = f"the {refusal.platform} target's {refusal.field}, for {agent} ({where})"
    else:
        what = f"{refusal.platform} cannot carry {agent}'s {refusal.field} ({where})"
    return Finding(Rule.UNEXPRESSIBLE, Severity.ERROR, file, field, f"{what}: {reason}")
