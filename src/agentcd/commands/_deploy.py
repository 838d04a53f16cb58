"""What promote and rollback share: gating each release, then claiming its sequence number,
applying it and recording the outcome.

Every gate is decided before anything is applied, so a refusal changes nothing. Each agent is
then claimed (compare-and-set on its sequence number), applied and finished in turn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from agentcd.adapters import gitops
from agentcd.adapters.ledger.protocol import LedgerError, SequenceTaken
from agentcd.adapters.platforms.protocol import PlatformError, Rendered
from agentcd.commands._services import Identity, Services
from agentcd.commands._services import find_environment as find_environment  # re-exported
from agentcd.core.definition.bundle import Bundle
from agentcd.core.deploy.drift import config_digest, content_matches
from agentcd.core.deploy.gate import Candidate, Decision, GateInput, GateResult, decide
from agentcd.core.deploy.ledger import (
    CheckResult,
    Deployment,
    Kind,
    Outcome,
    PendingAction,
    Slot,
    Status,
    fold,
    make_slot,
    resolve_pending,
)
from agentcd.core.deploy.promotion import (
    AgentOutcome,
    DeployReport,
    Release,
    Result,
    planned_result,
    pull_request_number,
)
from agentcd.exit_codes import ExitCode


@dataclass(frozen=True, slots=True)
class Proposal:
    """One agent's release with how it was obtained, before the gate."""

    release: Release
    bundle: Bundle
    missing_bindings: tuple[str, ...] = ()
    expected_digest: str | None = None
    integrity_problem: str | None = None
    rollback_of: int | None = None


@dataclass(frozen=True, slots=True)
class Gated:
    """A proposal with the gate's decision and the sequence number that decision was made
    for: the claim takes exactly that number, so a run that recorded in between is caught."""

    proposal: Proposal
    result: GateResult
    seq: int


def gate(svc: Services, proposal: Proposal, who: Identity, *, dry_run: bool) -> Gated:
    """Settle a stuck earlier run if the platform tells how, then decide; what already runs
    is a no-op only if the platform still runs it as recorded."""
    agent = proposal.release.agent
    history = svc.ledger.history(agent=agent)
    slot = fold(history).get((agent, svc.environment.name))
    stuck = settle_pending(svc, slot, dry_run=dry_run) if slot else None
    if stuck is not None and stuck.outcome is not Outcome.FAIL:
        history = svc.ledger.history(agent=agent)
    inp = gate_input(svc, proposal, who, history)
    result = decide(inp)
    current = inp.current
    if result.decision is Decision.UNCHANGED and current and not runs_as_recorded(svc, current):
        result = decide(replace(inp, live_matches=False))
    here = [r for r in history if r.environment == svc.environment.name]
    seq = make_slot(agent, svc.environment.name, here).next_seq
    return Gated(proposal, _with_stuck(result, stuck), seq)


def gate_input(
    svc: Services, proposal: Proposal, who: Identity, history: tuple[Deployment, ...]
) -> GateInput:
    """What the core gate needs: the ledger's history and verdicts, and git's ancestry."""
    release = proposal.release
    slots = fold(history)
    slot = slots.get((release.agent, svc.environment.name))
    current = slot.current if slot else None
    return GateInput(
        candidate=Candidate(
            agent=release.agent,
            artifact_digest=release.artifact_digest,
            deployment_digest=release.deployment_digest,
            commit=release.commit,
            missing_bindings=proposal.missing_bindings,
        ),
        environment=svc.environment,
        previous=svc.previous,
        expected_digest=proposal.expected_digest,
        integrity_problem=proposal.integrity_problem,
        current=current,
        history=tuple(r for s in slots.values() for r in s.history),
        evals=svc.ledger.evals(agent=release.agent) + svc.unrecorded_evals,
        ancestry=gitops.ancestry(
            svc.project_dir, release.commit, current.commit if current else None
        ),
        approvers=who.approvers,
        rollback_of=proposal.rollback_of,
    )


def runs_as_recorded(svc: Services, record: Deployment) -> bool:
    """The platform runs this record's deployment, with the content it rendered."""
    live = svc.platform.read_live(record.agent, record.environment)
    return live.deployment_digest == record.deployment_digest and content_matches(record, live)


def _with_stuck(result: GateResult, stuck: CheckResult | None) -> GateResult:
    if stuck is None:
        return result
    checks = (stuck, *result.checks)
    if stuck.outcome is Outcome.FAIL:
        return replace(result, decision=Decision.REFUSED, checks=checks)
    return replace(result, checks=checks)


def settle_pending(svc: Services, slot: Slot, *, dry_run: bool) -> CheckResult | None:
    """An unfinished deployment blocks the slot: finish it when the platform shows it ran (or
    it is stale), else refuse while it may still be running."""
    pending = slot.pending
    if pending is None:
        return None
    live = svc.platform.read_live(slot.agent, slot.environment)
    action = resolve_pending(
        pending, live_deployment_digest=live.deployment_digest, now=svc.clock()
    )
    if action is PendingAction.WAIT:
        reason = (
            f"#{pending.seq} ({pending.actor}, started {pending.started_at:%Y-%m-%dT%H:%M:%SZ}) is "
            "still in progress; wait for it (an interrupted run is taken over after 10 minutes)"
        )
        return CheckResult(name="in_progress", outcome=Outcome.FAIL, reason=reason)
    done = Status.SUCCEEDED if action is PendingAction.COMPLETE else Status.FAILED
    note = (
        "interrupted after applying; the platform runs it, recorded by a later run"
        if done is Status.SUCCEEDED
        else "interrupted before applying; abandoned"
    )
    versions = {"version": live.version} if done is Status.SUCCEEDED and live.version else {}
    if not dry_run:
        _finish(svc, pending, done, versions=versions, note=note)
    return CheckResult(name="in_progress", outcome=Outcome.PASS, reason=f"#{pending.seq}: {note}")


def execute(
    svc: Services,
    proposals: Iterable[Proposal],
    who: Identity,
    *,
    command: str,
    dry_run: bool,
    refused: Iterable[AgentOutcome] = (),
) -> DeployReport:
    """Gate every proposal; apply them only if none (and nothing in `refused`) was refused."""
    gated = [gate(svc, p, who, dry_run=dry_run) for p in proposals]
    outcomes = list(refused)
    any_refused = bool(outcomes) or any(
        planned_result(g.result, dry_run=dry_run) is Result.REFUSED for g in gated
    )
    ready: list[Gated] = []
    for g in gated:
        proposal, result = g.proposal, g.result
        planned = planned_result(result, dry_run=dry_run or any_refused)
        if planned is not None:
            held = planned is Result.PLANNED and not dry_run
            detail = "held: another agent was refused" if held else ""
            outcomes.append(
                AgentOutcome(
                    proposal.release,
                    result,
                    planned,
                    rollback_to=proposal.rollback_of,
                    detail=detail,
                )
            )
        else:
            ready.append(g)
    outcomes += deploy_all(svc, ready, who)
    outcomes.sort(key=lambda o: o.release.agent)
    return DeployReport(command, svc.environment.name, dry_run, tuple(outcomes))


@dataclass(frozen=True, slots=True)
class Claimed:
    """A release whose sequence number is ours, rendered and ready to apply."""

    proposal: Proposal
    result: GateResult
    rendered: Rendered
    record: Deployment


def deploy_all(svc: Services, ready: list[Gated], who: Identity) -> list[AgentOutcome]:
    """Claim every release (one ledger write), apply each, record the outcomes (one more write),
    and mirror the run on the host. A lost claim is a refusal; a failed apply, a failure."""
    claimed, refused = claim_all(svc, ready, who)
    mirrored = svc.mirror.start([c.record for c in claimed])
    try:
        with svc.ledger.batch():
            done = [apply(svc, c) for c in claimed]
    except SequenceTaken as taken:
        svc.mirror.finish(mirrored, succeeded=False)
        raise LedgerError(f"recording the outcomes: {taken}") from None
    except LedgerError:
        svc.mirror.finish(mirrored, succeeded=False)
        raise
    svc.mirror.finish(mirrored, succeeded=all(o.result is Result.SUCCEEDED for o in done))
    return refused + done


def claim_all(
    svc: Services, ready: list[Gated], who: Identity
) -> tuple[list[Claimed], list[AgentOutcome]]:
    """Store the bundles and claim, for every release, the seq its gate was decided for: all or
    none of them when the ledger writes them at once (a claim lost at the end of the batch
    refuses them all)."""
    claimed: list[Claimed] = []
    refused: list[AgentOutcome] = []
    try:
        with svc.ledger.batch():
            for g in ready:
                claim = _claim(svc, g, who)
                if isinstance(claim, Claimed):
                    claimed.append(claim)
                else:
                    refused.append(claim)
    except SequenceTaken as lost:
        detail = f"{lost}: try again"
        return [], [
            AgentOutcome(g.proposal.release, g.result, Result.REFUSED, detail=detail) for g in ready
        ]
    return claimed, refused


def _claim(svc: Services, gated: Gated, who: Identity) -> Claimed | AgentOutcome:
    proposal, result = gated.proposal, gated.result
    release = proposal.release
    rendered = svc.platform.render(release)
    record = _claim_record(svc, proposal, result, who, gated.seq, config_digest(rendered.config))
    svc.ledger.put_bundle(proposal.bundle)
    try:
        svc.ledger.append(record)
    except SequenceTaken as lost:
        return AgentOutcome(release, result, Result.REFUSED, detail=f"{lost}: try again")
    return Claimed(proposal, result, rendered, record)


def apply(svc: Services, claim: Claimed) -> AgentOutcome:
    """Apply a claimed release and record how it ended."""
    release, record = claim.proposal.release, claim.record
    base = AgentOutcome(
        release, claim.result, Result.SUCCEEDED, seq=record.seq, rollback_to=record.rollback_to
    )
    try:
        versions = svc.platform.apply(claim.rendered)
    except PlatformError as e:
        _finish(svc, record, Status.FAILED, versions={}, note=str(e))
        return replace(base, result=Result.FAILED, detail=str(e))
    _finish(svc, record, Status.SUCCEEDED, versions=versions, note=record.note)
    return replace(base, platform_versions=versions)


def _finish(
    svc: Services, record: Deployment, status: Status, *, versions: Mapping[str, str], note: str
) -> None:
    """Record the final status; another run having recorded the same one first is fine."""
    try:
        svc.ledger.finish(
            record.agent,
            record.environment,
            record.seq,
            status=status,
            finished_at=svc.clock(),
            platform_versions=versions,
            note=note,
        )
    except SequenceTaken as taken:
        if taken.holder is None or taken.holder.status is not status:
            raise LedgerError(f"recording #{record.seq} of {record.agent}: {taken}") from None


def _claim_record(
    svc: Services, proposal: Proposal, result: GateResult, who: Identity, seq: int, digest: str
) -> Deployment:
    release = proposal.release
    message = gitops.commit_message(svc.project_dir, release.commit) if release.commit else None
    rollback = proposal.rollback_of
    return Deployment(
        agent=release.agent,
        environment=release.environment,
        seq=seq,
        kind=Kind.ROLLBACK if rollback else Kind.PROMOTE,
        status=Status.IN_PROGRESS,
        artifact_digest=release.artifact_digest,
        deployment_digest=release.deployment_digest,
        config_digest=digest,
        bindings=dict(release.bindings),
        commit=release.commit,
        ref=svc.ref,
        pull_request=svc.ci.change_number or pull_request_number(message),
        actor=who.actor,
        approvers=who.approvers,
        gate=result.checks,
        eval_verdict=result.eval.verdict if result.eval else None,
        eval_report_digest=result.eval.report_digest if result.eval else None,
        rollback_to=rollback,
        run_url=svc.ci.run_url,
        note=f"rollback to #{rollback}" if rollback else "",
        started_at=svc.clock(),
    )


def exit_code(report: DeployReport) -> int:
    """1 when an apply failed, 2 when anything was refused, else 0."""
    if report.count(Result.FAILED):
        return ExitCode.ERROR
    return ExitCode.NO if report.count(Result.REFUSED) else ExitCode.OK
