"""What promote and rollback share: gather what each agent's gate needs, let the core decide
(`core.deploy.promotion.decide_all`), then claim, apply and record what it cleared.

Gathering reads each input once: the ledger's history once per agent and its eval verdicts
once per run, the platform's live state once per agent and only when the gate needs it, git's
ancestry once per pair of commits. Every gate is decided before anything is applied, so a
refusal changes nothing. Each cleared agent is then claimed (compare-and-set on the sequence
number its gate was decided for), applied and finished in turn.
"""

from __future__ import annotations

import os
import random
import socket
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache

from agentcd.adapters.ledger.protocol import LeaseHeld, LedgerError, SequenceTaken
from agentcd.adapters.platforms.protocol import Platform, PlatformError, Rendered
from agentcd.commands._services import Identity, Services
from agentcd.core.deploy.drift import config_digest
from agentcd.core.deploy.gate import Ancestry
from agentcd.core.deploy.lease import LEASE_TTL, Lease, new_lease
from agentcd.core.deploy.ledger import Deployment, Kind, Status, make_slot
from agentcd.core.deploy.promotion import (
    AgentOutcome,
    Context,
    Decided,
    DeployReport,
    Observed,
    Proposal,
    Result,
    decide_all,
    needs_live,
    pull_request_number,
)
from agentcd.errors import Busy
from agentcd.exit_codes import ExitCode

CLAIM_ATTEMPTS = 3  # a lost claim records nothing: gather and decide again, this many times
LEASE_POLL = (0.2, 0.6)  # seconds between attempts to take a held lease, at random


@contextmanager
def holding(svc: Services, who: Identity, *, dry_run: bool, wait: float) -> Iterator[Held]:
    """Hold the environment's lease from before the gate reads until after the last record,
    waiting up to `wait` seconds for another run's; a dry run reads without holding it."""
    held = Held(svc, who)
    if not dry_run:
        held.take(wait)
    try:
        yield held
    finally:
        if not dry_run:
            held.release()


class Held:
    """This run's hold on an environment's lease (`core.deploy.lease`)."""

    def __init__(self, svc: Services, who: Identity) -> None:
        self._svc = svc
        where = svc.ci.run_url or f"{socket.gethostname()} pid {os.getpid()}"
        self.lease = new_lease(
            svc.environment.name,
            token=uuid.uuid4().hex,
            holder=f"{who.actor} ({where})",
            now=_wall_clock(),
            host=socket.gethostname(),
            pid=os.getpid(),
        )
        self._taken = False

    def take(self, wait: float) -> None:
        deadline = time.monotonic() + wait
        dead: str | None = None
        while True:
            try:
                self._svc.ledger.take_lease(self.lease, now=_wall_clock(), dead=dead)
            except LeaseHeld as held:
                if _died(held.lease) and dead != held.lease.token:
                    dead = held.lease.token  # its process is gone: take it over at once
                    continue
                if time.monotonic() >= deadline:
                    raise Busy(
                        f"{held}; wait for it to finish (a run that died is taken over when its "
                        f"lease ends, {held.lease.expires_at:%Y-%m-%dT%H:%M:%SZ}), or raise "
                        "--lock-timeout"
                    ) from None
                time.sleep(random.uniform(*LEASE_POLL))
                self.lease = self.lease.renewed(_wall_clock())
                continue
            self._taken = True
            return

    def renew(self) -> None:
        """Extend the lease before it is half spent, so a long apply keeps it."""
        now = _wall_clock()
        if self._taken and now >= self.lease.expires_at - LEASE_TTL / 2:
            self.lease = self.lease.renewed(now)
            self._svc.ledger.take_lease(self.lease, now=now)

    def release(self) -> None:
        if self._taken:
            self._svc.ledger.release_lease(self.lease.environment, self.lease.token)
            self._taken = False


def _died(lease: Lease) -> bool:
    """The holder ran on this machine and its process no longer exists."""
    if lease.host != socket.gethostname() or lease.pid <= 0:
        return False
    try:
        os.kill(lease.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it exists, under another user
    return False


def _wall_clock() -> datetime:
    # Leases coordinate processes, possibly on several machines: they run on the wall clock,
    # not on the clock deployments are recorded with (which tests fix).
    return datetime.now(UTC)


def execute(
    svc: Services,
    proposals: Sequence[Proposal],
    who: Identity,
    *,
    command: str,
    dry_run: bool,
    refused: Iterable[AgentOutcome] = (),
    held: Held | None = None,
) -> DeployReport:
    """Gather, decide, apply: every proposal is gated; they are applied only if none (and
    nothing in `refused`) was refused. A claim lost to a run that recorded meanwhile records
    nothing: the gates are decided again on what the ledger says now."""
    refused = tuple(refused)
    lost: LostClaim | None = None
    for _ in range(CLAIM_ATTEMPTS):
        decided = decide(svc, proposals, who, dry_run=dry_run, refused=refused)
        if not dry_run:
            finish_settled(svc, decided.outcomes)
        try:
            done = {o.release.agent: o for o in deploy_all(svc, decided.cleared, who, held)}
        except LostClaim as e:
            lost = e
            continue
        outcomes = tuple(done.get(o.release.agent, o) for o in decided.outcomes)
        return DeployReport(command, svc.environment.name, dry_run, outcomes)
    detail = f"{lost}: another run kept recording here; try again"
    outcomes = tuple(
        replace(o, result=Result.REFUSED, detail=detail) if o.result is Result.PLANNED else o
        for o in decided.outcomes
    )
    return DeployReport(command, svc.environment.name, dry_run, outcomes)


def decide(
    svc: Services,
    proposals: Sequence[Proposal],
    who: Identity,
    *,
    dry_run: bool,
    refused: Iterable[AgentOutcome],
) -> Decided:
    """Read what every gate needs, once, and let the core decide."""
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
    return decide_all(cases, ctx, dry_run=dry_run, refused=refused)


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


class LostClaim(Exception):
    """A claim found its sequence number taken: none of the run's claims was recorded."""


def deploy_all(
    svc: Services, cleared: Sequence[AgentOutcome], who: Identity, held: Held | None = None
) -> list[AgentOutcome]:
    """Claim every release (one ledger write, all or none), apply each, record the outcomes
    (one more write), and mirror the run on the host. A failed apply is a failure; a lost
    claim (`LostClaim`) leaves nothing recorded and nothing applied."""
    if not cleared:
        return []
    claimed = claim_all(svc, cleared, who)
    mirrored = svc.mirror.start([record for _, _, record in claimed])
    applied: list[tuple[AgentOutcome, Deployment]] = []
    try:
        for outcome, rendered, record in claimed:
            if held is not None:
                held.renew()
            applied.append((apply(svc, outcome, rendered, record), record))
    finally:  # what was applied is recorded, even when a later apply raised
        try:
            with svc.ledger.batch():
                for outcome, record in applied:
                    record_outcome(svc, outcome, record)
        except SequenceTaken as taken:
            svc.mirror.finish(mirrored, succeeded=False)
            raise LedgerError(f"recording the outcomes: {taken}") from None
        except LedgerError:
            svc.mirror.finish(mirrored, succeeded=False)
            raise
    done = [outcome for outcome, _ in applied]
    svc.mirror.finish(mirrored, succeeded=all(o.result is Result.SUCCEEDED for o in done))
    return done


def record_outcome(svc: Services, outcome: AgentOutcome, record: Deployment) -> None:
    """Finish a claimed record the way its apply ended."""
    failed = outcome.result is Result.FAILED
    status = Status.FAILED if failed else Status.SUCCEEDED
    note = outcome.detail if failed else "; ".join(filter(None, (record.note, outcome.detail)))
    _finish(svc, record, status, versions=outcome.platform_versions, note=note)


Claim = tuple[AgentOutcome, Rendered, Deployment]
CommitMessage = Callable[[str], str | None]  # asked of git once per commit


def claim_all(svc: Services, cleared: Sequence[AgentOutcome], who: Identity) -> list[Claim]:
    """Store the bundles and claim, for every release, the seq its gate was decided for, in one
    all-or-none write: `LostClaim` when any seq was taken meanwhile (then none is recorded)."""
    message = cache(svc.repository.commit_message)
    try:
        with svc.ledger.batch():
            return [_claim(svc, outcome, who, message) for outcome in cleared]
    except SequenceTaken as lost:
        raise LostClaim(str(lost)) from None


def _claim(svc: Services, outcome: AgentOutcome, who: Identity, message: CommitMessage) -> Claim:
    rendered = svc.platform.render(outcome.release)
    record = claim_record(svc, outcome, who, config_digest(rendered.config), message)
    if outcome.bundle is not None:
        svc.ledger.put_bundle(outcome.bundle)
    svc.ledger.append(record)
    return outcome, rendered, record


def apply(
    svc: Services, outcome: AgentOutcome, rendered: Rendered, record: Deployment
) -> AgentOutcome:
    """Apply a claimed release: succeeded with the platform's versions, or failed with why."""
    claimed = replace(outcome, result=Result.SUCCEEDED, seq=record.seq)
    try:
        versions, how = put(svc.platform, rendered, outcome.restore_version)
    except PlatformError as e:
        return replace(claimed, result=Result.FAILED, detail=str(e))
    return replace(claimed, platform_versions=versions, detail=how)


def put(
    platform: Platform, rendered: Rendered, recorded: str | None
) -> tuple[Mapping[str, str], str]:
    """Apply a release; a rollback (`recorded`: the version its target ran) re-points to that
    version when the platform still has it, stamped with this release, and else re-applies."""
    if recorded is None:
        return platform.apply(rendered), ""
    version = platform.find_version(rendered, hint=recorded)
    if version is None:
        return platform.apply(rendered), f"re-applied the stored bundle: version {recorded} is gone"
    return platform.point(rendered, version), f"re-pointed to version {version}"


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
