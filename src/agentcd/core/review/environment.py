"""One agent in one environment, for the plan: what runs now, its live state, what merging does.

No I/O: the ledger's slots and the live drift assessments come in as data, with the reason
when either could not be read. A state that could not be established is `unknown`, never
`in_sync`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from agentcd.core.definition.load import LoadedAgent
from agentcd.core.definition.model import Environment, Requirement
from agentcd.core.deploy.drift import AgentDrift, DriftState
from agentcd.core.deploy.ledger import Deployment, Slot
from agentcd.core.deploy.release import make_release

SlotKey = tuple[str, str]  # (agent, environment)


@dataclass(frozen=True, slots=True)
class LedgerState:
    """What the ledger records and the platforms report, or why they could not be read."""

    label: str
    slots: Mapping[SlotKey, Slot] = field(default_factory=dict)
    live: Mapping[SlotKey, AgentDrift] = field(default_factory=dict)
    records: int = 0
    problem: str | None = None
    """Set when the ledger could not be read: every state is then unknown."""
    unreadable: Mapping[str, str] = field(default_factory=dict)
    """Environment -> why its platform could not be read."""


@dataclass(frozen=True, slots=True)
class Running:
    """The deployment an environment runs, as the ledger recorded it."""

    seq: int
    artifact_digest: str
    deployment_digest: str
    commit: str | None
    pull_request: int | None
    actor: str
    approvers: tuple[str, ...]
    deployed_at: datetime
    run_url: str | None


class Step(StrEnum):
    """What merging the change does in one environment."""

    DEPLOY = "deploy"  # the first environment: the deploy workflow promotes it on merge
    AFTER_PREVIOUS = "after_previous"  # once it succeeded in the previous environment
    ALREADY_RUNS = "already_runs"  # this exact deployment runs there already
    BLOCKED = "blocked"  # a binding has no value there: the gate will refuse it
    KEEPS_RUNNING = "keeps_running"  # the agent is removed: nothing is promoted, what runs stays
    NOTHING = "nothing"  # removed, and nothing runs there


@dataclass(frozen=True, slots=True)
class AfterMerge:
    step: Step
    digest: str | None
    previous: str | None
    eval_required: bool
    approval_required: bool
    missing_bindings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EnvCell:
    """One agent in one environment."""

    environment: str
    state: DriftState
    running: Running | None
    pending_seq: int | None
    reasons: tuple[str, ...]
    differences: tuple[str, ...]
    more_differences: int
    after_merge: AfterMerge


def env_cell(
    agent: str,
    environment: Environment,
    *,
    previous: str | None,
    head: LoadedAgent | None,
    ledger: LedgerState,
) -> EnvCell:
    slot = None if ledger.problem else ledger.slots.get((agent, environment.name))
    running = running_of(slot.current) if slot and slot.current else None
    state, reasons, drift = _state(agent, environment.name, slot, ledger)
    return EnvCell(
        environment=environment.name,
        state=state,
        running=running,
        pending_seq=slot.pending.seq if slot and slot.pending else None,
        reasons=reasons,
        differences=tuple(d.path for d in drift.differences) if drift else (),
        more_differences=drift.more_differences if drift else 0,
        after_merge=after_merge(environment, previous=previous, head=head, running=running),
    )


def running_of(record: Deployment) -> Running:
    return Running(
        seq=record.seq,
        artifact_digest=record.artifact_digest,
        deployment_digest=record.deployment_digest,
        commit=record.commit,
        pull_request=record.pull_request,
        actor=record.actor,
        approvers=record.approvers,
        deployed_at=record.finished_at or record.started_at,
        run_url=record.run_url,
    )


def _state(
    agent: str, environment: str, slot: Slot | None, ledger: LedgerState
) -> tuple[DriftState, tuple[str, ...], AgentDrift | None]:
    # Why the ledger or a platform could not be read is said once for all agents, not here.
    if ledger.problem is not None or environment in ledger.unreadable:
        return DriftState.UNKNOWN, (), None
    drift = ledger.live.get((agent, environment))
    if drift is not None:
        return drift.state, drift.reasons, drift
    if slot is not None and slot.current is not None:
        return DriftState.UNKNOWN, ("the live state was not read",), None
    return DriftState.NOT_DEPLOYED, (), None


def after_merge(
    environment: Environment,
    *,
    previous: str | None,
    head: LoadedAgent | None,
    running: Running | None,
) -> AfterMerge:
    """What the deploy workflow will do here once the change is merged."""
    gate = environment.gate

    def made(step: Step, missing: tuple[str, ...] = ()) -> AfterMerge:
        digest = head.digest if head else None
        eval_required = gate.eval is Requirement.REQUIRED
        approval_required = gate.approval is Requirement.REQUIRED
        return AfterMerge(step, digest, previous, eval_required, approval_required, missing)

    if head is None:
        return made(Step.KEEPS_RUNNING if running else Step.NOTHING)
    release = make_release(
        environment, artifact=head.artifact, artifact_digest=head.digest, commit=None
    )
    if release.missing_bindings:
        return made(Step.BLOCKED, release.missing_bindings)
    if running is not None and running.deployment_digest == release.deployment_digest:
        return made(Step.ALREADY_RUNS)
    return made(Step.DEPLOY if previous is None else Step.AFTER_PREVIOUS)
