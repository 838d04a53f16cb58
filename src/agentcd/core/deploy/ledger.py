"""The ledger's records (deployments, eval verdicts) and what follows from a history of them:
each agent's current deployment per environment, rollback targets, and stuck promotions. No I/O.

History is append-only. A deployment is written `in_progress` first (claiming its sequence
number), then finished once as `succeeded` or `failed`; `rolled_back` is never written but
derived here, for the deployments a later rollback undid.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agentcd.core.evals.verdict import Verdict
from agentcd.errors import DefinitionError

LEDGER_FORMAT = 1
# A promotion left `in_progress` this long is taken to have died (no live trace of it).
PENDING_LEASE = timedelta(minutes=10)
# A claim the platform already runs is taken as finished only after this long: until then its
# owner may be alive between applying and recording, and a second run must not race it.
COMPLETE_GRACE = timedelta(seconds=60)


class Status(StrEnum):
    IN_PROGRESS = "in_progress"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"  # derived, never stored


class Kind(StrEnum):
    PROMOTE = "promote"
    ROLLBACK = "rollback"


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CheckResult(_Record):
    """One named gate check and why it came out as it did."""

    name: str
    outcome: Outcome
    reason: str


class Deployment(_Record):
    """One attempt to make `environment` run `artifact_digest` for `agent`."""

    agent: str
    environment: str
    seq: int = Field(ge=1, description="per (agent, environment), from 1, no gaps")
    kind: Kind = Kind.PROMOTE
    status: Status
    artifact_digest: str
    deployment_digest: str
    config_digest: str | None = Field(None, description="digest of the rendered platform config")
    bindings: dict[str, Any] = Field(default_factory=dict)
    commit: str | None = None
    ref: str | None = None
    pull_request: int | None = None
    actor: str
    approvers: tuple[str, ...] = ()
    gate: tuple[CheckResult, ...] = ()
    eval_verdict: Verdict | None = None
    eval_report_digest: str | None = None
    platform_versions: dict[str, str] = Field(default_factory=dict)
    rollback_to: int | None = Field(None, description="the seq this rollback restores")
    run_url: str | None = None
    note: str = ""
    started_at: datetime
    finished_at: datetime | None = None

    @property
    def gate_passed(self) -> bool:
        return all(check.outcome is not Outcome.FAIL for check in self.gate)


class EvalRecord(_Record):
    """An eval verdict for one artifact digest, judged with one environment's thresholds."""

    agent: str
    artifact_digest: str
    environment: str | None = Field(None, description="whose gate thresholds were applied")
    verdict: Verdict
    report_digest: str | None = None
    suite_digests: dict[str, str] = Field(default_factory=dict, description="suite path: digest")
    target: str | None = Field(None, description="the eval target's name")
    actor: str | None = None
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class Slot:
    """One agent in one environment, as the ledger tells it."""

    agent: str
    environment: str
    current: Deployment | None  # the newest succeeded deployment: what should run
    pending: Deployment | None  # an unfinished deployment newer than `current`
    history: tuple[Deployment, ...]  # by seq, statuses as derived by `effective`

    @property
    def next_seq(self) -> int:
        return self.history[-1].seq + 1 if self.history else 1


def effective(records: Iterable[Deployment]) -> tuple[Deployment, ...]:
    """One slot's records by seq, with `rolled_back` set on what a later rollback undid."""
    ordered = sorted(records, key=lambda r: r.seq)
    undone: set[int] = set()
    for record in ordered:
        if record.kind is Kind.ROLLBACK and record.status is Status.SUCCEEDED:
            target = record.rollback_to or 0
            undone.update(
                r.seq
                for r in ordered
                if target < r.seq < record.seq and r.status is Status.SUCCEEDED
            )
    return tuple(
        r.model_copy(update={"status": Status.ROLLED_BACK}) if r.seq in undone else r
        for r in ordered
    )


def fold(records: Iterable[Deployment]) -> dict[tuple[str, str], Slot]:
    """Group a history into slots keyed by (agent, environment)."""
    groups: dict[tuple[str, str], list[Deployment]] = {}
    for record in records:
        groups.setdefault((record.agent, record.environment), []).append(record)
    return {key: make_slot(*key, group) for key, group in sorted(groups.items())}


def make_slot(agent: str, environment: str, records: Iterable[Deployment]) -> Slot:
    history = effective(records)
    current = next((r for r in reversed(history) if r.status is Status.SUCCEEDED), None)
    after = current.seq if current else 0
    pending = next(
        (r for r in reversed(history) if r.status is Status.IN_PROGRESS and r.seq > after), None
    )
    return Slot(agent, environment, current=current, pending=pending, history=history)


def environment_history(
    records: tuple[Deployment, ...], agents: tuple[str, ...]
) -> list[Deployment]:
    """Records with derived statuses (rolled back), oldest first, optionally for some agents."""
    derived = [r for slot in fold(records).values() for r in slot.history]
    chosen = [r for r in derived if not agents or r.agent in agents]
    return sorted(chosen, key=lambda r: (r.started_at, r.agent, r.seq))


def latest_eval(
    evals: Iterable[EvalRecord], *, agent: str, digest: str, environment: str
) -> EvalRecord | None:
    """The newest verdict for this digest judged with `environment`'s thresholds."""
    matching = [
        e
        for e in evals
        if e.agent == agent and e.artifact_digest == digest and e.environment == environment
    ]
    return max(matching, key=lambda e: e.recorded_at, default=None)


# ---------------------------------------------------------------- rollback


@dataclass(frozen=True, slots=True)
class RollbackChoice:
    target: Deployment | None
    reason: str  # why this target, or why there is none


def choose_rollback(slot: Slot, *, to: str | None = None, steps: int = 1) -> RollbackChoice:
    """The deployment to restore: by default the newest earlier one that succeeded, passed its
    gate and was not itself rolled back; `to` picks a digest (any that once succeeded)."""
    if slot.current is None:
        return RollbackChoice(None, f"nothing runs in {slot.environment}: nothing to roll back")
    if to is not None:
        return _rollback_to(slot, slot.current, to)
    candidates = _good_before(slot, slot.current)
    if not candidates:
        return RollbackChoice(
            None, f"no earlier good deployment of {slot.agent} in {slot.environment} to restore"
        )
    if steps < 1 or steps > len(candidates):
        return RollbackChoice(
            None,
            f"{len(candidates)} earlier good deployment(s) of {slot.agent} in "
            f"{slot.environment}, cannot go back {steps}",
        )
    target = candidates[steps - 1]
    return RollbackChoice(target, f"#{target.seq}, {steps} good deployment(s) back")


def _good_before(slot: Slot, current: Deployment) -> list[Deployment]:
    seen = {current.deployment_digest}
    found = []
    for record in reversed(slot.history):
        if record.seq >= current.seq or record.status is not Status.SUCCEEDED:
            continue
        if record.gate_passed and record.deployment_digest not in seen:
            seen.add(record.deployment_digest)
            found.append(record)
    return found


def _rollback_to(slot: Slot, current: Deployment, to: str) -> RollbackChoice:
    wanted = to.removeprefix("sha256:").lower()
    if len(wanted) < 7:
        return RollbackChoice(None, f"--to {to!r}: give at least 7 hex digits of the digest")
    for record in reversed(slot.history):
        digest = record.artifact_digest.removeprefix("sha256:")
        if not digest.startswith(wanted) or record.kind is Kind.ROLLBACK:
            continue
        if record.status in (Status.SUCCEEDED, Status.ROLLED_BACK):
            if record.deployment_digest == current.deployment_digest:
                return RollbackChoice(
                    None, f"{to} is what {slot.environment} runs now (#{current.seq})"
                )
            return RollbackChoice(record, f"#{record.seq}, chosen by digest")
    return RollbackChoice(None, f"{slot.environment} never ran {to} successfully for {slot.agent}")


# ---------------------------------------------------------------- stuck promotions


class PendingAction(StrEnum):
    COMPLETE = "complete"  # the platform runs it: the apply finished, only the record did not
    ABANDON = "abandon"  # old, no live trace: the run died before applying
    WAIT = "wait"  # may still be running: refuse


def resolve_pending(
    pending: Deployment, *, live_deployment_digest: str | None, now: datetime
) -> PendingAction:
    """What to do about an unfinished deployment found before starting a new one."""
    age = now - pending.started_at
    if live_deployment_digest == pending.deployment_digest:
        return PendingAction.COMPLETE if age >= COMPLETE_GRACE else PendingAction.WAIT
    if age >= PENDING_LEASE:
        return PendingAction.ABANDON
    return PendingAction.WAIT


def deployments_by_digest(history: Iterable[Deployment]) -> Mapping[str, Deployment]:
    """Newest record per deployment digest."""
    out: dict[str, Deployment] = {}
    for record in sorted(history, key=lambda r: r.seq):
        out[record.deployment_digest] = record
    return out


def evals_from_report(
    data: Any, *, report_digest: str, recorded_at: datetime, where: str, actor: str | None = None
) -> tuple[EvalRecord, ...]:
    """The per-agent verdicts of an `agentcd eval --format json` report (report_version 1)."""
    if not isinstance(data, dict) or data.get("report_version") != 1:
        raise DefinitionError(where, "report_version", "not an agentcd eval report (version 1)")
    env = data.get("environment")
    target = data.get("target")
    target_name = target.get("name") if isinstance(target, dict) else None
    records = []
    for i, agent in enumerate(data.get("agents") or []):
        try:
            records.append(
                EvalRecord(
                    agent=agent["name"],
                    artifact_digest=agent["digest"],
                    environment=env,
                    verdict=Verdict(agent["verdict"]),
                    report_digest=report_digest,
                    suite_digests={s["path"]: s["digest"] for s in agent.get("suites") or []},
                    target=target_name,
                    actor=actor,
                    recorded_at=recorded_at,
                )
            )
        except (KeyError, TypeError, ValueError) as e:
            raise DefinitionError(where, f"agents[{i}]", f"not a valid agent verdict ({e})") from e
    return tuple(records)
