"""The edges of the `inline` eval target: the platform of the environment it names, and an
invoker that runs each side's definition there undeployed, checked before any trial."""

from __future__ import annotations

from agentcd.adapters.invokers.base import Invoker
from agentcd.adapters.platforms.protocol import PlatformError, Unexpressible, render_candidate
from agentcd.adapters.protocol import Edges
from agentcd.core.definition.load import Workspace
from agentcd.core.evals.plan import EvalPlan
from agentcd.errors import ConfigError


def inline_invoker(edges: Edges, plan: EvalPlan, head: Workspace, *, pool_size: int) -> Invoker:
    """The environment's platform running each side's definition undeployed; refused before
    any trial when a definition cannot run there (a field the platform cannot carry, a binding
    with no value), naming every one."""
    assert plan.inline is not None
    platform = edges.open_platform(head.project, plan.inline.name)
    refused = []
    for agent in plan.agents:
        sides = [(agent.digest, agent.artifact), (agent.base_digest, agent.base_artifact)]
        for digest, artifact in sides:
            if digest is None or artifact is None:
                continue
            try:
                render_candidate(platform, plan.inline, artifact, digest)
            except (Unexpressible, PlatformError) as e:
                refused.append(str(e))
    if refused:
        raise ConfigError(
            f"evaluating inline in {plan.inline.name}: " + "; ".join(dict.fromkeys(refused))
        )
    return edges.make_invoker(
        plan.target_name,
        plan.target,
        root=edges.project_dir,
        pool_size=pool_size,
        platform=platform,
        environment=plan.inline,
    )
