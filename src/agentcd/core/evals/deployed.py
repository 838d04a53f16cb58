"""Binding an eval plan to what an environment runs: the digest and artifact the ledger records
there replace the working tree's, and a deployment the verdict could not be bound to is refused.
No I/O: the ledger's slot, the drift assessment and the stored artifact come in as data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from agentcd.core.definition.digest import short
from agentcd.core.deploy.drift import AgentDrift, DriftState
from agentcd.core.deploy.ledger import Deployment, Slot
from agentcd.core.evals.plan import AgentEvalPlan, EvalPlan


@dataclass(frozen=True, slots=True)
class DeployedAgent:
    """One agent as an environment runs it: the ledger's record and its stored artifact."""

    record: Deployment
    artifact: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Observed:
    """What was read about one agent in one environment before evaluating it."""

    slot: Slot | None
    drift: AgentDrift | None  # None when nothing is recorded (then nothing was read)
    artifact_stored: bool


def refusals(environment: str, observed: Mapping[str, Observed]) -> tuple[str, ...]:
    """Why what `environment` runs cannot be evaluated, one reason per problem; empty when it can.

    Nothing recorded, a live state that is not in sync (drifted or unknown), or no stored bundle:
    in each case a verdict would not be bound to the digest the ledger records.
    """
    absent = [a for a, o in observed.items() if o.slot is None or o.slot.current is None]
    found = []
    if absent:
        found.append(
            f"nothing runs in {environment} for {', '.join(absent)} (the ledger records no "
            "successful deployment: promote first, or leave it out with --agent)"
        )
    for agent, seen in observed.items():
        if agent not in absent:
            found += _problem(agent, environment, seen)
    return tuple(found)


def _problem(agent: str, environment: str, seen: Observed) -> list[str]:
    drift = seen.drift
    if drift is None or drift.state is not DriftState.IN_SYNC:
        state = drift.state.value if drift is not None else DriftState.UNKNOWN.value
        why = "; ".join(drift.reasons) if drift is not None and drift.reasons else "not read"
        return [
            f"{agent} is {state} in {environment} ({why}), so a verdict would not be bound "
            f"to the recorded digest (see agentcd drift --env {environment})"
        ]
    if not seen.artifact_stored and seen.slot is not None and seen.slot.current is not None:
        return [f"the ledger holds no bundle {short(seen.slot.current.artifact_digest)} of {agent}"]
    return []


def bind_deployed(
    plan: EvalPlan, environment: str, deployed: Mapping[str, DeployedAgent]
) -> EvalPlan:
    """The plan with every agent's digest and artifact taken from its deployment (no pairing)."""
    note = f"evaluates what {environment} runs, through its platform; nothing is paired or cached"
    return replace(
        plan,
        agents=tuple(_bound(a, environment, deployed[a.name]) for a in plan.agents),
        notes=(*plan.notes, note),
    )


def _bound(agent: AgentEvalPlan, environment: str, deployed: DeployedAgent) -> AgentEvalPlan:
    record = deployed.record
    notes = [
        f"{environment} runs #{record.seq}: artifact {short(record.artifact_digest)}, "
        f"deployment {short(record.deployment_digest)}"
    ]
    if record.artifact_digest != agent.digest:
        notes.append(
            f"the working tree's definition is {short(agent.digest)}: its suites are used, "
            "the deployed artifact is evaluated"
        )
    return replace(
        agent,
        digest=record.artifact_digest,
        artifact=deployed.artifact,
        base_digest=None,
        base_artifact=None,
        notes=(*agent.notes, *notes),
    )
