"""Scoring one trial: what the agent did (an `Observation`) against a case's assertions. No I/O.

Three outcomes, kept apart on purpose: *fail* is the agent's behaviour missing the expected
range; *error* is anything that kept us from knowing (a transport fault, a judge whose verdict
cannot be parsed). Errors are never counted as failures, except that a failed critical
assertion decides the trial whatever else errored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from agentcd.core.evals.assertions import check_assertion
from agentcd.core.evals.observation import Check, CheckOutcome, JudgeReply, Observation
from agentcd.core.evals.suite import Case


@dataclass(frozen=True, slots=True)
class AssertionResult:
    index: int
    type: str
    weight: float
    critical: bool
    check: Check


@dataclass(frozen=True, slots=True)
class TrialResult:
    case_id: str
    trial: int
    outcome: CheckOutcome
    score: float
    reason: str
    assertions: tuple[AssertionResult, ...]
    observation: Observation
    cached: bool = False

    @property
    def vetoed(self) -> bool:
        """A critical assertion failed: the case fails whatever its pass policy says."""
        return any(a.critical and a.check.outcome is CheckOutcome.FAIL for a in self.assertions)


def score_trial(
    case: Case,
    trial: int,
    observation: Observation,
    judgments: Mapping[int, JudgeReply],
    *,
    cached: bool = False,
) -> TrialResult:
    """Score every assertion of `case`; `judgments` holds the judge's reply per assertion index."""
    if observation.error is not None:
        return TrialResult(
            case.id, trial, CheckOutcome.ERROR, 0.0, observation.error, (), observation, cached
        )
    results = tuple(
        AssertionResult(
            index=i,
            type=a.type,
            weight=a.weight,
            critical=a.critical,
            check=check_assertion(a, observation, judgments.get(i)),
        )
        for i, a in enumerate(case.expect)
    )
    outcome, reason = _trial_outcome(results, case.threshold)
    return TrialResult(
        case.id, trial, outcome, weighted_score(results), reason, results, observation, cached
    )


def weighted_score(results: tuple[AssertionResult, ...]) -> float:
    """The weighted mean of assertion scores; weight-0 assertions only record values."""
    total = sum(r.weight for r in results)
    if total == 0:
        return 1.0
    return sum(r.weight * r.check.score for r in results) / total


def _trial_outcome(
    results: tuple[AssertionResult, ...], threshold: float | None
) -> tuple[CheckOutcome, str]:
    critical = [r for r in results if r.critical and r.check.outcome is CheckOutcome.FAIL]
    if critical:
        return CheckOutcome.FAIL, _describe("critical", critical[0])
    errors = [r for r in results if r.check.outcome is CheckOutcome.ERROR]
    if errors:
        return CheckOutcome.ERROR, _describe("error in", errors[0])
    if threshold is not None:
        score = weighted_score(results)
        if score >= threshold:
            return CheckOutcome.PASS, f"score {score:.2f} ≥ {threshold:.2f}"
        return CheckOutcome.FAIL, f"score {score:.2f} < {threshold:.2f}"
    failed = [r for r in results if r.weight > 0 and r.check.outcome is CheckOutcome.FAIL]
    if failed:
        return CheckOutcome.FAIL, _describe("failed", failed[0])
    return CheckOutcome.PASS, "all assertions passed"


def _describe(label: str, result: AssertionResult) -> str:
    return f"{label} expect[{result.index}] {result.type}: {result.check.reason}"
