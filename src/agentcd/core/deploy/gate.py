"""The promotion gate: named checks, each with its reason, deciding whether one agent's artifact
may enter an environment. A refusal is a value, not an error. No I/O: commit ancestry, the
ledger's history and eval verdicts come in as data.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from agentcd.core.definition.digest import short
from agentcd.core.definition.model import Environment, Requirement
from agentcd.core.deploy.ledger import (
    CheckResult,
    Deployment,
    EvalRecord,
    Outcome,
    Status,
    latest_eval,
)
from agentcd.core.deploy.release import Release
from agentcd.core.evals.verdict import Verdict


class CheckName(StrEnum):
    DIGEST = "digest"
    BINDINGS = "bindings"
    ORDER = "order"
    EVAL = "eval"
    AGE = "age"
    APPROVAL = "approval"
    UNCHANGED = "unchanged"
    DRIFT = "drift"


_REAPPLY = "#{seq} is recorded as running, but the platform has drifted from it: re-applying"


class Ancestry(StrEnum):
    """How the candidate's commit relates to the commit the environment runs."""

    NOTHING_RUNS = "nothing_runs"
    SAME = "same"
    NEWER = "newer"  # the running commit is an ancestor of the candidate's
    OLDER = "older"  # the candidate's commit is an ancestor of the running one
    DIVERGED = "diverged"  # neither is an ancestor of the other
    UNKNOWN = "unknown"  # a commit is missing or not in this repository


class Decision(StrEnum):
    DEPLOY = "deploy"
    UNCHANGED = "unchanged"  # already runs there: a successful no-op
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class GateInput:
    candidate: Release  # what is about to be deployed
    environment: Environment
    previous: str | None  # the environment before this one in promotion order
    expected_digest: str | None  # --expect-digest; None when the digest was computed here
    integrity_problem: str | None  # why the bundle's recorded digest is not its content's
    current: Deployment | None  # what the environment runs now
    history: tuple[Deployment, ...]  # this agent, every environment, statuses derived
    evals: tuple[EvalRecord, ...]
    ancestry: Ancestry
    approvers: tuple[str, ...]
    rollback_of: int | None = None  # set when restoring that seq: order, eval, age don't apply
    live_matches: bool = True  # False when the platform no longer runs `current` as recorded
    triggered_by: tuple[str, ...] = ()  # who started the run: their own approval does not count


@dataclass(frozen=True, slots=True)
class GateResult:
    decision: Decision
    checks: tuple[CheckResult, ...]
    eval: EvalRecord | None

    @property
    def refusals(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.outcome is Outcome.FAIL)


def decide(inp: GateInput) -> GateResult:
    """Run every check; deploy when none fails, no-op when the same deployment already runs."""
    digest = check_digest(inp)
    verdict = _eval_record(inp)
    running = _running_same(inp)
    if running is not None and digest.outcome is Outcome.PASS and inp.live_matches:
        note = _result(CheckName.UNCHANGED, Outcome.PASS, f"already runs as #{running.seq}")
        return GateResult(Decision.UNCHANGED, (digest, note), verdict)
    repair = () if running is None else (
        _result(CheckName.DRIFT, Outcome.PASS, _REAPPLY.format(seq=running.seq)),
    )  # fmt: skip
    checks = (
        *repair,
        digest,
        check_bindings(inp),
        check_order(inp),
        check_eval(inp, verdict),
        check_age(inp),
        check_approval(inp),
    )
    refused = any(c.outcome is Outcome.FAIL for c in checks)
    return GateResult(Decision.REFUSED if refused else Decision.DEPLOY, checks, verdict)


def _running_same(inp: GateInput) -> Deployment | None:
    """The current deployment when it is the candidate's deployment digest."""
    current = inp.current
    if current is not None and current.deployment_digest == inp.candidate.deployment_digest:
        return current
    return None


def _result(name: CheckName, outcome: Outcome, reason: str) -> CheckResult:
    return CheckResult(name=name.value, outcome=outcome, reason=reason)


def check_digest(inp: GateInput) -> CheckResult:
    actual = inp.candidate.artifact_digest
    if inp.integrity_problem is not None:
        return _result(CheckName.DIGEST, Outcome.FAIL, inp.integrity_problem)
    if inp.expected_digest is not None and inp.expected_digest != actual:
        return _result(
            CheckName.DIGEST,
            Outcome.FAIL,
            f"the bundle hashes to {short(actual)}, expected {short(inp.expected_digest)}",
        )
    how = "equals the expected digest" if inp.expected_digest else "recomputed from the content"
    return _result(CheckName.DIGEST, Outcome.PASS, f"{short(actual)} {how}")


def check_bindings(inp: GateInput) -> CheckResult:
    missing = inp.candidate.missing_bindings
    if missing:
        return _result(
            CheckName.BINDINGS,
            Outcome.FAIL,
            f"{inp.environment.name} has no value for {', '.join(missing)} (agentcd.yaml: "
            f"environments.{inp.environment.name}.bindings)",
        )
    return _result(CheckName.BINDINGS, Outcome.PASS, "every declared binding has a value")


def check_order(inp: GateInput) -> CheckResult:
    if inp.rollback_of is not None:
        return _result(CheckName.ORDER, Outcome.SKIP, f"rollback to #{inp.rollback_of}")
    if inp.previous is None:
        return _result(CheckName.ORDER, Outcome.SKIP, "first environment in promotion order")
    digest = inp.candidate.artifact_digest
    ran = [
        r
        for r in inp.history
        if r.environment == inp.previous
        and r.artifact_digest == digest
        and r.agent == inp.candidate.agent
    ]
    good = [r for r in ran if r.status is Status.SUCCEEDED]
    if good:
        return _result(
            CheckName.ORDER, Outcome.PASS, f"succeeded in {inp.previous} as #{good[-1].seq}"
        )
    why = (
        "was rolled back there"
        if any(r.status is Status.ROLLED_BACK for r in ran)
        else ("never succeeded there")
    )
    return _result(
        CheckName.ORDER,
        Outcome.FAIL,
        f"{short(digest)} {why}: promote it to {inp.previous} first",
    )


def _eval_record(inp: GateInput) -> EvalRecord | None:
    return latest_eval(
        inp.evals,
        agent=inp.candidate.agent,
        digest=inp.candidate.artifact_digest,
        environment=inp.environment.name,
    )


def check_eval(inp: GateInput, record: EvalRecord | None) -> CheckResult:
    need = inp.environment.gate.eval
    if inp.rollback_of is not None:
        return _result(CheckName.EVAL, Outcome.SKIP, f"rollback to #{inp.rollback_of}")
    if need is Requirement.OFF:
        return _result(CheckName.EVAL, Outcome.SKIP, f"not required in {inp.environment.name}")
    if record is None:
        if need is Requirement.OPTIONAL:
            return _result(CheckName.EVAL, Outcome.SKIP, "optional, no verdict recorded")
        return _result(
            CheckName.EVAL,
            Outcome.FAIL,
            f"required, but no eval verdict is recorded for {short(inp.candidate.artifact_digest)}"
            f" with {inp.environment.name}'s thresholds (record one: agentcd eval --env "
            f"{inp.environment.name} --record)",
        )
    if record.verdict is Verdict.PASS:
        return _result(
            CheckName.EVAL, Outcome.PASS, f"passed with {inp.environment.name}'s thresholds"
        )
    return _result(
        CheckName.EVAL, Outcome.FAIL, f"the latest eval verdict is {record.verdict.value}"
    )


_AGE_REASONS = {
    Ancestry.NOTHING_RUNS: (Outcome.PASS, "nothing runs there yet"),
    Ancestry.SAME: (Outcome.PASS, "built from the commit that runs now"),
    Ancestry.NEWER: (Outcome.PASS, "its commit descends from the one that runs now"),
    Ancestry.DIVERGED: (Outcome.PASS, "its commit is on another line of history, not older"),
    Ancestry.OLDER: (
        Outcome.FAIL,
        "its commit is older than the one that runs now (use agentcd rollback to go back)",
    ),
    Ancestry.UNKNOWN: (
        Outcome.FAIL,
        "cannot tell whether it is older than what runs: a commit is unknown or missing here "
        "(fetch the full history)",
    ),
}


def check_age(inp: GateInput) -> CheckResult:
    if inp.rollback_of is not None:
        return _result(CheckName.AGE, Outcome.SKIP, f"rollback to #{inp.rollback_of}")
    outcome, reason = _AGE_REASONS[inp.ancestry]
    return _result(CheckName.AGE, outcome, reason)


def check_approval(inp: GateInput) -> CheckResult:
    """Someone must approve where the gate requires it, and not the person who started the run
    alone: GitHub's "prevent self-review" and GitLab's rule for deployment approvals, kept here
    for every host (a GitLab `when: manual` job records whoever runs it as the approver)."""
    env = inp.environment.name
    own = {name.casefold() for name in inp.triggered_by}
    mine = [a for a in inp.approvers if a.casefold() in own]
    others = [a for a in inp.approvers if a.casefold() not in own]
    uncounted = f" ({', '.join(mine)}'s own approval does not count)" if mine else ""
    if others:
        reason = f"approved by {', '.join(others)}{uncounted}"
        return _result(CheckName.APPROVAL, Outcome.PASS, reason)
    if inp.environment.gate.approval is not Requirement.REQUIRED:
        return _result(CheckName.APPROVAL, Outcome.SKIP, f"not required in {env}{uncounted}")
    if mine:
        return _result(CheckName.APPROVAL, Outcome.FAIL, _self_approved(env, mine))
    reason = f"{env} requires an approval and none is recorded (--approver)"
    return _result(CheckName.APPROVAL, Outcome.FAIL, reason)


def _self_approved(env: str, mine: list[str]) -> str:
    only = "is its only approver" if len(mine) == 1 else "are its only approvers"
    return (
        f"{env} requires an approval by someone other than who started the run, and "
        f"{', '.join(mine)} started it and {only}: another person must approve (review the "
        "deployment, or run the manual job)"
    )
