"""The approval brief's view model: for each agent, what an environment runs now, what would
replace it, the semantic diff between the two, and the previous environment's verdict. No I/O.

Approvers read it right before a protected environment's job waits for them, so it compares
with what the environment runs (the ledger's record and stored bundle), never with the last
commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from agentcd.core.definition.bundle import Bundle
from agentcd.core.definition.model import Environment, Requirement
from agentcd.core.deploy.drift import AgentDrift, DriftState
from agentcd.core.deploy.ledger import Deployment, EvalRecord, Slot, latest_eval
from agentcd.core.deploy.release import make_release
from agentcd.core.diff.changes import Change, diff_artifacts
from agentcd.core.evals.verdict import Verdict

BRIEF_FORMAT = 1


class Replacement(StrEnum):
    """How the candidate relates to what the environment runs."""

    NEW = "new"  # nothing runs there yet
    CHANGED = "changed"  # another artifact runs there
    REBOUND = "rebound"  # same artifact, other binding values
    UNCHANGED = "unchanged"  # already runs exactly this: approving changes nothing


@dataclass(frozen=True, slots=True)
class BriefBinding:
    name: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class Stage:
    """The previous environment, as far as this artifact goes."""

    environment: str
    runs_candidate: bool
    seq: int | None  # its deployment of the candidate, when it runs it
    eval: EvalRecord | None  # the candidate's verdict with that environment's thresholds


@dataclass(frozen=True, slots=True)
class AgentBrief:
    agent: str
    replacement: Replacement
    candidate: Bundle
    candidate_pull_request: int | None  # named by the candidate commit's message
    running: Deployment | None
    age: timedelta | None  # since `running` finished
    previous: Stage | None  # None for the first environment
    live: AgentDrift | None
    changes: tuple[Change, ...]  # from what runs to the candidate
    base_known: bool  # False: the ledger holds no copy of what runs, so no diff
    bindings: tuple[BriefBinding, ...]


@dataclass(frozen=True, slots=True)
class Brief:
    environment: str
    approval_required: bool
    agents: tuple[AgentBrief, ...]

    def with_replacement(self, kind: Replacement) -> tuple[AgentBrief, ...]:
        return tuple(a for a in self.agents if a.replacement is kind)


@dataclass(frozen=True, slots=True)
class LedgerView:
    """What the brief reads from the ledger and the platform, already fetched."""

    slots: Mapping[tuple[str, str], Slot]
    stored: Mapping[str, Bundle]  # by artifact digest: the bundles of what runs
    evals: Sequence[EvalRecord]
    live: Mapping[str, AgentDrift]  # by agent, for this environment
    pull_requests: Mapping[str, int]  # by commit, as its message names them


def make_brief(
    environment: Environment,
    previous: str | None,
    candidates: Sequence[Bundle],
    view: LedgerView,
    *,
    now: datetime,
) -> Brief:
    """The brief for promoting `candidates` into `environment`, agents by name."""
    agents = tuple(
        _agent_brief(environment, previous, bundle, view, now=now)
        for bundle in sorted(candidates, key=lambda b: b.name)
    )
    required = environment.gate.approval is Requirement.REQUIRED
    return Brief(environment=environment.name, approval_required=required, agents=agents)


def _agent_brief(
    environment: Environment,
    previous: str | None,
    bundle: Bundle,
    view: LedgerView,
    *,
    now: datetime,
) -> AgentBrief:
    slot = view.slots.get((bundle.name, environment.name))
    running = slot.current if slot else None
    release = make_release(
        environment, artifact=bundle.artifact, artifact_digest=bundle.digest, commit=bundle.commit
    )
    base = view.stored.get(running.artifact_digest) if running else None
    changes = diff_artifacts(base.artifact, bundle.artifact) if base else ()
    return AgentBrief(
        agent=bundle.name,
        replacement=_replacement(running, bundle.digest, release.deployment_digest),
        candidate=bundle,
        candidate_pull_request=view.pull_requests.get(bundle.commit or ""),
        running=running,
        age=now - running.finished_at if running and running.finished_at else None,
        previous=_stage(previous, bundle, view) if previous else None,
        live=view.live.get(bundle.name),
        changes=changes,
        base_known=running is None or base is not None,
        bindings=_binding_changes(running.bindings if running else {}, release.bindings),
    )


def _replacement(running: Deployment | None, digest: str, deployment: str) -> Replacement:
    if running is None:
        return Replacement.NEW
    if running.deployment_digest == deployment:
        return Replacement.UNCHANGED
    if running.artifact_digest == digest:
        return Replacement.REBOUND
    return Replacement.CHANGED


def _stage(previous: str, bundle: Bundle, view: LedgerView) -> Stage:
    slot = view.slots.get((bundle.name, previous))
    current = slot.current if slot else None
    runs = current is not None and current.artifact_digest == bundle.digest
    verdict = latest_eval(view.evals, agent=bundle.name, digest=bundle.digest, environment=previous)
    return Stage(
        environment=previous,
        runs_candidate=runs,
        seq=current.seq if current and runs else None,
        eval=verdict,
    )


def _binding_changes(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[BriefBinding, ...]:
    names = sorted(set(before) | set(after))
    return tuple(
        BriefBinding(name, before.get(name), after.get(name))
        for name in names
        if before.get(name) != after.get(name)
    )


def is_blocking(agent: AgentBrief) -> bool:
    """Something an approver must not miss: the previous stage does not back this artifact."""
    stage = agent.previous
    if stage is None or agent.replacement is Replacement.UNCHANGED:
        return False
    failed = stage.eval is not None and stage.eval.verdict is not Verdict.PASS
    return not stage.runs_candidate or failed


def live_is_suspect(agent: AgentBrief) -> bool:
    return agent.live is not None and agent.live.state in (DriftState.DRIFTED, DriftState.UNKNOWN)
