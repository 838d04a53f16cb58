"""Reading what runs: each environment's live state against the ledger, and what it deploys.

Shared by `status` (states only), `drift` (with field-by-field differences) and `diff --env`
(`deployed_releases`: an environment's artifacts and bindings as recorded).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from agentcd.adapters.ledger.protocol import Ledger
from agentcd.adapters.platforms.protocol import Platform
from agentcd.adapters.protocol import Edges
from agentcd.core.definition.load import load_project
from agentcd.core.definition.model import Project
from agentcd.core.deploy.drift import AgentDrift, assess, content_matches
from agentcd.core.deploy.ledger import Deployment, Slot, fold
from agentcd.core.deploy.release import Release, make_release
from agentcd.errors import ConfigError, PlatformError

SlotKey = tuple[str, str]


def open_project(edges: Edges) -> tuple[Project, Ledger]:
    """The project configuration (working tree) and its ledger."""
    with edges.repository.tree(None) as work:
        project = load_project(work)
    return project, edges.open_ledger(project.ledger, edges.detect_ci())


def environment_names(project: Project, only: str | None) -> tuple[str, ...]:
    """All environments in promotion order, or just `only` (checked)."""
    names = tuple(e.name for e in project.environments)
    if only is not None and only not in names:
        raise ConfigError(f"no environment named {only!r} (agentcd.yaml has {', '.join(names)})")
    return (only,) if only else names


def assess_environments(
    edges: Edges,
    project: Project,
    ledger: Ledger,
    environments: Iterable[str],
    *,
    detail: bool,
) -> tuple[dict[SlotKey, Slot], dict[SlotKey, AgentDrift]]:
    """The ledger's slots and the drift of every agent recorded or found live, per environment."""
    slots = fold(ledger.history())
    found: dict[SlotKey, AgentDrift] = {}
    for env in environments:
        platform = edges.open_platform(project, env)
        agents = {a for a, e in slots if e == env} | set(_listed(platform, env))
        for agent in sorted(agents):
            slot = slots.get((agent, env))
            found[(agent, env)] = assess_agent(
                project, ledger, platform, agent, env, slot, detail=detail
            )
    return slots, found


def _listed(platform: Platform, environment: str) -> tuple[str, ...]:
    """The platform's agents, or none when it cannot list them: the recorded agents are still
    read one by one, and whatever stops the listing makes them unknown, not in sync."""
    try:
        return platform.live_agents(environment)
    except PlatformError:
        return ()


def assess_agent(
    project: Project,
    ledger: Ledger,
    platform: Platform,
    agent: str,
    environment: str,
    slot: Slot | None,
    *,
    detail: bool,
) -> AgentDrift:
    live = platform.read_live(agent, environment)
    expected = slot.current if slot else None
    approved = None
    if detail and expected is not None and not content_matches(expected, live):
        approved = approved_config(project, ledger, platform, expected)
    return assess(
        agent=agent,
        environment=environment,
        expected=expected,
        live=live,
        recorded=slot.history if slot else (),
        approved=approved,
    )


def approved_config(
    project: Project, ledger: Ledger, platform: Platform, record: Deployment
) -> Mapping[str, Any] | None:
    """The platform config the ledger's record renders to (None if its bundle is not stored)."""
    release = recorded_release(project, ledger, record)
    return platform.render(release).config if release else None


def recorded_release(project: Project, ledger: Ledger, record: Deployment) -> Release | None:
    """The exact release a record deployed: its stored bundle with its recorded bindings."""
    env = project.environment(record.environment)
    bundle = ledger.get_bundle(record.artifact_digest)
    if env is None or bundle is None:
        return None
    return make_release(
        env,
        artifact=bundle.artifact,
        artifact_digest=bundle.digest,
        commit=record.commit,
        bindings=record.bindings,
    )


def deployed_releases(project: Project, ledger: Ledger, environment: str) -> dict[str, Release]:
    """What the ledger says each agent in `environment` runs now: artifact plus bindings."""
    out: dict[str, Release] = {}
    for (agent, _), slot in fold(ledger.history(environment=environment)).items():
        if slot.current is not None:
            release = recorded_release(project, ledger, slot.current)
            if release is not None:
                out[agent] = release
    return out
