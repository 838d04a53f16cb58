"""The edges of the `platform` eval target: what an environment runs per the ledger, checked
against the platform's live state before and after the run, and the invoker that reaches it.
"""

from __future__ import annotations

from dataclasses import dataclass

from agentcd.adapters.invokers.base import Invoker
from agentcd.adapters.ledger.protocol import Ledger
from agentcd.adapters.platforms.protocol import Platform
from agentcd.adapters.protocol import Edges
from agentcd.commands._live import assess_agent
from agentcd.core.definition.model import Project
from agentcd.core.deploy.ledger import fold
from agentcd.core.evals.deployed import DeployedAgent, Observed, bind_deployed, refusals
from agentcd.core.evals.plan import EvalPlan
from agentcd.core.evals.settings import PlatformTarget
from agentcd.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Deployments:
    """One environment's ledger and platform, for evaluating what it runs."""

    edges: Edges
    project: Project
    environment: str
    ledger: Ledger
    platform: Platform

    def bind(self, plan: EvalPlan) -> tuple[EvalPlan, dict[str, DeployedAgent]]:
        """The plan bound to the deployed digests; ConfigError naming every agent refused."""
        found = self.read(tuple(a.name for a in plan.agents))
        return bind_deployed(plan, self.environment, found), found

    def read(self, agents: tuple[str, ...]) -> dict[str, DeployedAgent]:
        """Each agent's current deployment, refused unless the platform runs exactly it."""
        slots = fold(self.ledger.history(environment=self.environment))
        observed: dict[str, Observed] = {}
        found: dict[str, DeployedAgent] = {}
        for agent in agents:
            slot = slots.get((agent, self.environment))
            current = slot.current if slot is not None else None
            if slot is None or current is None:
                observed[agent] = Observed(slot, None, artifact_stored=False)
                continue
            drift = assess_agent(
                self.project, self.ledger, self.platform, agent, self.environment, slot,
                detail=False,
            )  # fmt: skip
            bundle = self.ledger.get_bundle(current.artifact_digest)
            observed[agent] = Observed(slot, drift, artifact_stored=bundle is not None)
            if bundle is not None:
                found[agent] = DeployedAgent(current, bundle.artifact)
        problems = refusals(self.environment, observed)
        if problems:
            raise ConfigError(f"evaluating what {self.environment} runs: " + "; ".join(problems))
        return found

    def verify_unchanged(self, evaluated: dict[str, DeployedAgent]) -> None:
        """After the run: the environment still runs what was evaluated, else no verdict."""
        now = self.read(tuple(evaluated))
        moved = [a for a, d in evaluated.items() if now[a].record != d.record]
        if moved:
            raise ConfigError(
                f"evaluating what {self.environment} runs: {', '.join(moved)} changed during "
                "the run, so the verdict is not bound to one deployment; run it again"
            )

    def invoker(self, plan: EvalPlan) -> Invoker:
        return self.edges.make_invoker(
            plan.target_name,
            plan.target,
            root=self.edges.project_dir,
            pool_size=1,
            platform=self.platform,
        )


def open_deployments(edges: Edges, project: Project, plan: EvalPlan) -> Deployments:
    """The ledger and platform of the environment a `platform` target names."""
    assert isinstance(plan.target, PlatformTarget) and plan.target.environment is not None
    environment = plan.target.environment
    return Deployments(
        edges=edges,
        project=project,
        environment=environment,
        ledger=edges.open_ledger(project.ledger, edges.detect_ci()),
        platform=edges.open_platform(project, environment),
    )
