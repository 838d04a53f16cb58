"""How one promotion or rollback is decided, for every agent at once, and what came of it. No I/O.

The command gathers (`Observed`: what the ledger, the platform and git say about each agent,
read once), this module decides (`decide_all`: one gate per agent, all-or-nothing), and the
command applies what was cleared. One `AgentOutcome` per agent flows from the decision to the
report, advanced with `dataclasses.replace`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from agentcd.core.definition.bundle import Bundle
from agentcd.core.definition.model import Environment
from agentcd.core.deploy.drift import LiveState, content_matches
from agentcd.core.deploy.gate import Ancestry, Decision, GateInput, GateResult, decide
from agentcd.core.deploy.ledger import (
    CheckResult,
    Deployment,
    EvalRecord,
    Outcome,
    PendingAction,
    Slot,
    Status,
    fold,
    make_slot,
    resolve_pending,
)
from agentcd.core.deploy.release import Release


class Result(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNCHANGED = "unchanged"
    REFUSED = "refused"
    PLANNED = "planned"  # the gate said yes; nothing applied (yet, or --dry-run, or held)


@dataclass(frozen=True, slots=True)
class Proposal:
    """One agent's release and how it was obtained, before the gate."""

    release: Release
    bundle: Bundle
    expected_digest: str | None = None  # --expect-digest, --from, a rollback's target
    integrity_problem: str | None = None  # why the bundle's recorded digest is not its content's
    rollback_of: int | None = None
    restore_version: str | None = None  # the platform version the rollback's target ran


@dataclass(frozen=True, slots=True)
class Observed:
    """What was read about one agent before deciding, each thing once."""

    history: tuple[Deployment, ...]  # the agent's deployments, every environment
    live: LiveState | None  # read only when `needs_live` says a record here may be what runs
    ancestry: Mapping[str | None, Ancestry]  # the candidate's commit against each that may run
    pending: bool = False  # an unfinished deployment here: settling it needs the time


@dataclass(frozen=True, slots=True)
class Context:
    """What every agent's gate in one run shares."""

    environment: Environment
    previous: str | None  # the environment before this one in promotion order
    evals: tuple[EvalRecord, ...]
    approvers: tuple[str, ...]
    now: datetime | None  # read only when an agent has an unfinished deployment to settle
    triggered_by: tuple[str, ...] = ()  # who started the run: not an approver on their own


@dataclass(frozen=True, slots=True)
class AgentOutcome:
    """One agent in one run: decided (`PLANNED` when cleared), then claimed and applied."""

    release: Release
    gate: GateResult
    result: Result
    seq: int | None = None  # the deployment recorded, once claimed
    rollback_to: int | None = None
    platform_versions: Mapping[str, str] = field(default_factory=dict)
    detail: str = ""
    bundle: Bundle | None = field(default=None, compare=False, repr=False)
    claim_seq: int = 0  # the seq the gate was decided for: the claim takes exactly that one
    settled: Deployment | None = None  # a stuck earlier deployment, as this run finishes it
    restore_version: str | None = None  # a rollback re-points to it when the platform has it


@dataclass(frozen=True, slots=True)
class DeployReport:
    command: str  # promote | rollback
    environment: str
    dry_run: bool
    outcomes: tuple[AgentOutcome, ...]

    def count(self, result: Result) -> int:
        return sum(1 for o in self.outcomes if o.result is result)


@dataclass(frozen=True, slots=True)
class Decided:
    """Every agent's outcome as decided, and whether the cleared ones are to be applied."""

    outcomes: tuple[AgentOutcome, ...]
    apply: bool  # False for --dry-run, and when any agent was refused (all or nothing)

    @property
    def cleared(self) -> tuple[AgentOutcome, ...]:
        return tuple(o for o in self.outcomes if o.result is Result.PLANNED) if self.apply else ()


def needs_live(slot: Slot, release: Release) -> bool:
    """Whether the gate must know what the platform runs: to settle an unfinished deployment,
    or to tell "already runs" from "recorded, but changed by hand since"."""
    current = slot.current
    same = current is not None and current.deployment_digest == release.deployment_digest
    return slot.pending is not None or same


def decide_all(
    cases: Sequence[tuple[Proposal, Observed]],
    ctx: Context,
    *,
    dry_run: bool,
    refused: Iterable[AgentOutcome] = (),
) -> Decided:
    """Gate every agent; apply none of them if any (or anything in `refused`) was refused."""
    outcomes = [*refused, *(decide_one(p, seen, ctx) for p, seen in cases)]
    any_refused = any(o.result is Result.REFUSED for o in outcomes)
    if any_refused and not dry_run:
        held = "held: another agent was refused"
        outcomes = [replace(o, detail=held) if o.result is Result.PLANNED else o for o in outcomes]
    outcomes.sort(key=lambda o: o.release.agent)
    return Decided(tuple(outcomes), apply=not dry_run and not any_refused)


def decide_one(proposal: Proposal, seen: Observed, ctx: Context) -> AgentOutcome:
    """One agent's gate: settle a stuck earlier run if the platform tells how, then decide; what
    already runs is a no-op only if the platform still runs it as recorded."""
    release = proposal.release
    env = ctx.environment.name
    slot = make_slot(release.agent, env, (r for r in seen.history if r.environment == env))
    settlement = settle(slot, seen.live, ctx.now)
    history = seen.history
    if settlement is not None and settlement.finished is not None:
        finished = settlement.finished
        history = tuple(_replaced(r, finished) for r in history)
        slot = make_slot(release.agent, env, (r for r in history if r.environment == env))
    current = slot.current
    inp = GateInput(
        candidate=release,
        environment=ctx.environment,
        previous=ctx.previous,
        expected_digest=proposal.expected_digest,
        integrity_problem=proposal.integrity_problem,
        current=current,
        history=tuple(r for s in fold(history).values() for r in s.history),
        evals=ctx.evals,
        ancestry=seen.ancestry.get(current.commit if current else None, Ancestry.UNKNOWN),
        approvers=ctx.approvers,
        rollback_of=proposal.rollback_of,
        live_matches=current is None or seen.live is None or runs_as_recorded(current, seen.live),
        triggered_by=ctx.triggered_by,
    )
    result = _with_stuck(decide(inp), settlement.check if settlement else None)
    return AgentOutcome(
        release,
        result,
        _planned(result),
        rollback_to=proposal.rollback_of,
        bundle=proposal.bundle,
        claim_seq=slot.next_seq,
        settled=settlement.finished if settlement else None,
        restore_version=proposal.restore_version,
    )


def _replaced(record: Deployment, finished: Deployment) -> Deployment:
    same = (record.environment, record.seq) == (finished.environment, finished.seq)
    return finished if same else record


def runs_as_recorded(record: Deployment, live: LiveState) -> bool:
    """The platform runs this record's deployment, with the content it rendered."""
    return live.deployment_digest == record.deployment_digest and content_matches(record, live)


def _planned(gate: GateResult) -> Result:
    if gate.decision is Decision.REFUSED:
        return Result.REFUSED
    return Result.UNCHANGED if gate.decision is Decision.UNCHANGED else Result.PLANNED


def _with_stuck(result: GateResult, stuck: CheckResult | None) -> GateResult:
    if stuck is None:
        return result
    checks = (stuck, *result.checks)
    if stuck.outcome is Outcome.FAIL:
        return replace(result, decision=Decision.REFUSED, checks=checks)
    return replace(result, checks=checks)


@dataclass(frozen=True, slots=True)
class Settlement:
    """An unfinished earlier deployment found in the slot, and how this run ends it."""

    check: CheckResult
    finished: Deployment | None  # the record as finished; None while it may still be running


def settle(slot: Slot, live: LiveState | None, now: datetime | None) -> Settlement | None:
    """An unfinished deployment blocks the slot: finish it when the platform shows it ran (or
    it is stale), else refuse while it may still be running."""
    pending = slot.pending
    if pending is None:
        return None
    assert now is not None, "the clock is read whenever a slot has an unfinished deployment"
    running = live.deployment_digest if live else None
    action = resolve_pending(pending, live_deployment_digest=running, now=now)
    if action is PendingAction.WAIT:
        reason = (
            f"#{pending.seq} ({pending.actor}, started {pending.started_at:%Y-%m-%dT%H:%M:%SZ}) is "
            "still in progress; wait for it (an interrupted run is taken over after 10 minutes)"
        )
        wait = CheckResult(name="in_progress", outcome=Outcome.FAIL, reason=reason)
        return Settlement(wait, None)
    done = Status.SUCCEEDED if action is PendingAction.COMPLETE else Status.FAILED
    note = (
        "interrupted after applying; the platform runs it, recorded by a later run"
        if done is Status.SUCCEEDED
        else "interrupted before applying; abandoned"
    )
    version = live.version if live and done is Status.SUCCEEDED else None
    finished = pending.model_copy(
        update={
            "status": done,
            "finished_at": now,
            "platform_versions": {"version": version} if version else {},
            "note": note,
        }
    )
    check = CheckResult(name="in_progress", outcome=Outcome.PASS, reason=f"#{pending.seq}: {note}")
    return Settlement(check, finished)


_PR_PATTERNS = (
    re.compile(r"\AMerge pull request #(\d+)\b"),  # GitHub merge commit
    re.compile(r"\A[^\n]*\(#(\d+)\)$", re.MULTILINE),  # GitHub squash merge: subject ends so
    re.compile(r"^See merge request [^!\s]*!(\d+)$", re.MULTILINE),  # GitLab merge commit body
)


def pull_request_number(message: str | None) -> int | None:
    """The pull/merge request a commit message names, as the hosts write merge commits."""
    for pattern in _PR_PATTERNS:
        match = pattern.search(message or "")
        if match:
            return int(match.group(1))
    return None
