"""What promote and rollback share: gather what each agent's gate needs, let the core decide
(`core.deploy.promotion.decide_all`), then claim, apply and record what it cleared.

Gathering reads each input once: the ledger's history once per agent and its eval verdicts
once per run, the platform's live state once per agent and only when the gate needs it, git's
ancestry once per pair of commits. Every gate is decided before anything is applied, so a
refusal changes nothing. Each cleared agent is then claimed (compare-and-set on the sequence
number its gate was decided for), applied and finished in turn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from functools import cache

from agentcd.adapters.ledger.protocol import LedgerError, SequenceTaken
from agentcd.adapters.platforms.protocol import PlatformError, Rendered
from agentcd.commands._services import Identity, Services
from agentcd.core.deploy.drift import config_digest
from agentcd.core.deploy.gate import Ancestry
from agentcd.core.deploy.ledger import Deployment, Kind, Status, make_slot
from agentcd.core.deploy.promotion import (
    AgentOutcome,
    Context,
    DeployReport,
    Observed,
    Proposal,
    Result,
    decide_all,
    needs_live,
    pull_request_number,
)
from agentcd.exit_codes import ExitCode


def execute(
    svc: Services,
    proposals: Sequence[Proposal],
    who: Identity,
    *,
    command: str,
    dry_run: bool,
    refused: Iterable[AgentOutcome] = (),
) -> DeployReport:
    """Gather, decide, apply: every proposal is gated; they are applied only if none (and
    nothing in `refused`) was refused."""
    observed = observe(svc, proposals)
    ctx = Context(
        environment=svc.environment,
        previous=svc.previous,
        evals=svc.ledger.evals() + svc.unrecorded_evals,
        approvers=who.approvers,
        now=svc.clock() if any(seen.pending for seen in observed) else None,
        triggered_by=who.triggered_by,
    )
    cases = list(zip(proposals, observed, strict=True))
    decided = decide_all(cases, ctx, dry_run=dry_run, refused=refused)
    if not dry_run:
        finish_settled(svc, decided.outcomes)
    done = {o.release.agent: o for o in deploy_all(svc, decided.cleared, who)}
    outcomes = tuple(done.get(o.release.agent, o) for o in decided.outcomes)
    return DeployReport(command, svc.environment.name, dry_run, outcomes)


# ---------------------------------------------------------------- gather


def observe(svc: Services, proposals: Sequence[Proposal]) -> list[Observed]:
    """What each agent's gate needs from the ledger, the platform and git, read once."""
    env = svc.environment.name
    ancestry = cache(svc.repository.ancestry)  # agents built from one commit share each answer
    seen = []
    for proposal in proposals:
        release = proposal.release
        history = svc.ledger.history(agent=release.agent)
        slot = make_slot(release.agent, env, (r for r in history if r.environment == env))
        live = svc.platform.read_live(release.agent, env) if needs_live(slot, release) else None
        # What runs after settling an unfinished deployment: the current one's commit, or its.
        running = {slot.current.commit if slot.current else None}
        running |= {slot.pending.commit} if slot.pending else set()
        pairs: dict[str | None, Ancestry] = {c: ancestry(release.commit, c) for c in running}
        pending = slot.pending is not None
        seen.append(Observed(history=history, live=live, ancestry=pairs, pending=pending))
    return seen


# ---------------------------------------------------------------- apply


def finish_settled(svc: Services, outcomes: Iterable[AgentOutcome]) -> None:
    """Record how the stuck earlier deployments the gates settled ended."""
    for settled in (o.settled for o in outcomes if o.settled is not None):
        _finish(
            svc,
            settled,
            settled.status,
            versions=settled.platform_versions,
            note=settled.note,
        )


def deploy_all(svc: Services, cleared: Sequence[AgentOutcome], who: Identity) -> list[AgentOutcome]:
    """Claim every release (one ledger write), apply each, record the outcomes (one more write),
    and mirror the run on the host. A lost claim is a refusal; a failed apply, a failure."""
    if not cleared:
        return []
    claimed, refused = claim_all(svc, cleared, who)
    mirrored = svc.mirror.start([record for _, _, record in claimed])
    try:
        with svc.ledger.batch():
            done = [apply(svc, o, rendered, record) for o, rendered, record in claimed]
    except SequenceTaken as taken:
        svc.mirror.finish(mirrored, succeeded=False)
        raise LedgerError(f"recording the outcomes: {taken}") from None
    except LedgerError:
        svc.mirror.finish(mirrored, succeeded=False)
        raise
    svc.mirror.finish(mirrored, succeeded=all(o.result is Result.SUCCEEDED for o in done))
    return refused + done


Claim = tuple[AgentOutcome, Rendered, Deployment]
CommitMessage = Callable[[str], str | None]  # asked of git once per commit


def claim_all(
    svc: Services, cleared: Sequence[AgentOutcome], who: Identity
) -> tuple[list[Claim], list[AgentOutcome]]:
    """Store the bundles and claim, for every release, the seq its gate was decided for: all or
    none of them when the ledger writes them at once (a claim lost at the end of the batch
    refuses them all)."""
    claimed: list[Claim] = []
    refused: list[AgentOutcome] = []
    message = cache(svc.repository.commit_message)
    try:
        with svc.ledger.batch():
            for outcome in cleared:
                claim = _claim(svc, outcome, who, message)
                if isinstance(claim, AgentOutcome):
                    refused.append(claim)
                else:
                    claimed.append(claim)
    except SequenceTaken as lost:
        detail = f"{lost}: try again"
        return [], [replace(o, result=Result.REFUSED, detail=detail) for o in cleared]
    return claimed, refused


def _claim(
    svc: Services, outcome: AgentOutcome, who: Identity, message: CommitMessage
) -> Claim | AgentOutcome:
    rendered = svc.platform.render(outcome.release)
    record = claim_record(svc, outcome, who, config_digest(rendered.config), message)
    if outcome.bundle is not None:
        svc.ledger.put_bundle(outcome.bundle)
    try:
        svc.ledger.append(record)
    except SequenceTaken as lost:
        return replace(outcome, result=Result.REFUSED, detail=f"{lost}: try again")
    return outcome, rendered, record


def apply(
    svc: Services, outcome: AgentOutcome, rendered: Rendered, record: Deployment
) -> AgentOutcome:
    """Apply a claimed release and record how it ended."""
    claimed = replace(outcome, result=Result.SUCCEEDED, seq=record.seq)
    try:
        versions = svc.platform.apply(rendered)
    except PlatformError as e:
        _finish(svc, record, Status.FAILED, versions={}, note=str(e))
        return replace(claimed, result=Result.FAILED, detail=str(e))
    _finish(svc, record, Status.SUCCEEDED, versions=versions, note=record.note)
    return replace(claimed, platform_versions=versions)


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


def claim_record(
    svc: Services, outcome: AgentOutcome, who: Identity, digest: str, message: CommitMessage
) -> Deployment:
    """The `in_progress` record that claims the seq the gate was decided for."""
    release, result, rollback = outcome.release, outcome.gate, outcome.rollback_to
    commit = release.commit
    return Deployment(
        agent=release.agent,
        environment=release.environment,
        seq=outcome.claim_seq,
        kind=Kind.ROLLBACK if rollback else Kind.PROMOTE,
        status=Status.IN_PROGRESS,
        artifact_digest=release.artifact_digest,
        deployment_digest=release.deployment_digest,
        config_digest=digest,
        bindings=dict(release.bindings),
        commit=commit,
        ref=svc.ref,
        pull_request=svc.ci.change_number
        or pull_request_number(message(commit) if commit else None),
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
