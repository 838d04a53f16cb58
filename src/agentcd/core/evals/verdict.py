"""From scored trials to verdicts: per case (pass policy), per suite and agent (the gate). No I/O.

A case's trials become one outcome by its pass policy; an error only leaves a case undecided
when the missing trials could change the result. The gate pairs head and base on the same
case keys: a *new failure* passed on the base and fails on the head. Thresholds come from an
environment's `Gate`. Fail needs evidence; errors, budget exhaustion and too few cases make
the verdict inconclusive, never pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from agentcd.core.definition.model import Gate
from agentcd.core.evals.observation import CheckOutcome
from agentcd.core.evals.scoring import TrialResult
from agentcd.core.evals.stats import mcnemar_exact, wilson_interval
from agentcd.core.evals.suite import Case

CaseKey = tuple[str, str]  # (suite name, case id)


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True, slots=True)
class CaseResult:
    suite: str
    case_id: str
    tags: tuple[str, ...]
    outcome: CheckOutcome
    reason: str
    policy: str
    passes: int
    fails: int
    errors: int
    planned: int
    trials: tuple[TrialResult, ...]

    @property
    def key(self) -> CaseKey:
        return (self.suite, self.case_id)

    @property
    def label(self) -> str:
        return f"{self.suite}/{self.case_id}"


def decide_case(suite: str, case: Case, trials: Sequence[TrialResult]) -> CaseResult:
    """One outcome for a case from its trials; trials that never ran count as unknown."""
    passes = sum(t.outcome is CheckOutcome.PASS for t in trials)
    fails = sum(t.outcome is CheckOutcome.FAIL for t in trials)
    unknown = case.repeat - passes - fails
    outcome, reason = _apply_policy(case, trials, passes, fails, unknown)
    return CaseResult(
        suite=suite,
        case_id=case.id,
        tags=case.tags,
        outcome=outcome,
        reason=reason,
        policy=describe_policy(case),
        passes=passes,
        fails=fails,
        errors=unknown,
        planned=case.repeat,
        trials=tuple(sorted(trials, key=lambda t: t.trial)),
    )


def describe_policy(case: Case) -> str:
    p = case.passing
    if p.policy == "k-of-n":
        return f"{p.k}-of-{case.repeat}"
    if p.policy == "mean":
        return f"mean ≥ {p.min:g}"
    return "all" if case.repeat > 1 else "single"


def _apply_policy(
    case: Case, trials: Sequence[TrialResult], passes: int, fails: int, unknown: int
) -> tuple[CheckOutcome, str]:
    n = case.repeat
    vetoes = [t for t in trials if t.vetoed]
    if vetoes:
        return CheckOutcome.FAIL, f"trial {vetoes[0].trial}: {vetoes[0].reason}"
    tally = f"{passes}/{n} passed"
    first_fail = next((t for t in trials if t.outcome is CheckOutcome.FAIL), None)
    why = f"; trial {first_fail.trial}: {first_fail.reason}" if first_fail else ""
    if case.passing.policy == "k-of-n":
        k = case.passing.k or n
        return _bounded(passes >= k, passes + unknown < k, f"{tally}, need {k}{why}", trials)
    if case.passing.policy == "mean":
        need = case.passing.min or 0.0
        known = sum(t.score for t in trials if t.outcome is not CheckOutcome.ERROR)
        low, high = known / n, (known + unknown) / n
        return _bounded(low >= need, high < need, f"mean score {low:.2f}, need {need:g}", trials)
    return _bounded(fails == 0 and unknown == 0, fails > 0, f"{tally}{why}", trials)


def _bounded(
    surely_passes: bool, surely_fails: bool, reason: str, trials: Sequence[TrialResult]
) -> tuple[CheckOutcome, str]:
    if surely_passes:
        return CheckOutcome.PASS, reason
    if surely_fails:
        return CheckOutcome.FAIL, reason
    error = next((t for t in trials if t.outcome is CheckOutcome.ERROR), None)
    detail = f"trial {error.trial}: {error.reason}" if error else "trials did not run"
    return CheckOutcome.ERROR, f"{reason}; undecided: {detail}"


@dataclass(frozen=True, slots=True)
class Summary:
    cases: int
    passed: int
    failed: int
    errored: int
    pass_rate: float | None
    interval: tuple[float, float] | None
    error_rate: float


def summarize(results: Iterable[CaseResult]) -> Summary:
    outcomes = [r.outcome for r in results]
    passed = outcomes.count(CheckOutcome.PASS)
    failed = outcomes.count(CheckOutcome.FAIL)
    errored = outcomes.count(CheckOutcome.ERROR)
    decided = passed + failed
    return Summary(
        cases=len(outcomes),
        passed=passed,
        failed=failed,
        errored=errored,
        pass_rate=passed / decided if decided else None,
        interval=wilson_interval(passed, decided),
        error_rate=errored / len(outcomes) if outcomes else 0.0,
    )


def by_tag(results: Sequence[CaseResult]) -> dict[str, Summary]:
    """A summary per tag, for slices (sorted by tag)."""
    tags = sorted({t for r in results for t in r.tags})
    return {tag: summarize(r for r in results if tag in r.tags) for tag in tags}


@dataclass(frozen=True, slots=True)
class Pairing:
    """Head against base on the cases both decided."""

    paired: int
    new_failures: tuple[CaseKey, ...]
    fixed: tuple[CaseKey, ...]
    unpaired: tuple[CaseKey, ...]
    p_value: float


def pair(head: Sequence[CaseResult], base: Sequence[CaseResult]) -> Pairing:
    decided = {CheckOutcome.PASS, CheckOutcome.FAIL}
    before: Mapping[CaseKey, CheckOutcome] = {
        r.key: r.outcome for r in base if r.outcome in decided
    }
    new, fixed, unpaired, paired = [], [], [], 0
    for r in head:
        old = before.get(r.key)
        if old is None or r.outcome not in decided:
            unpaired.append(r.key)
            continue
        paired += 1
        if old is CheckOutcome.PASS and r.outcome is CheckOutcome.FAIL:
            new.append(r.key)
        elif old is CheckOutcome.FAIL and r.outcome is CheckOutcome.PASS:
            fixed.append(r.key)
    return Pairing(
        paired, tuple(new), tuple(fixed), tuple(unpaired), mcnemar_exact(len(new), len(fixed))
    )


@dataclass(frozen=True, slots=True)
class GateDecision:
    verdict: Verdict
    reasons: tuple[str, ...]
    summary: Summary
    pairing: Pairing | None


def decide_gate(
    head: Sequence[CaseResult],
    base: Sequence[CaseResult] | None,
    gate: Gate,
    *,
    budget_exhausted: bool = False,
) -> GateDecision:
    """Pass, fail or inconclusive, with the reasons in the order they decided."""
    summary = summarize(head)
    pairing = pair(head, base) if base is not None else None
    fails = _fail_reasons(summary, pairing, gate)
    doubts = _doubt_reasons(summary, gate, budget_exhausted=budget_exhausted)
    verdict = Verdict.FAIL if fails else Verdict.INCONCLUSIVE if doubts else Verdict.PASS
    notes = _evidence(summary, pairing, gate, fails + doubts)
    return GateDecision(verdict, tuple(fails + doubts + notes), summary, pairing)


def _fail_reasons(s: Summary, pairing: Pairing | None, gate: Gate) -> list[str]:
    reasons = []
    if pairing is not None and len(pairing.new_failures) > gate.max_new_failures:
        names = ", ".join(f"{suite}/{case}" for suite, case in pairing.new_failures)
        reasons.append(
            f"{len(pairing.new_failures)} new failure(s), passed on base and fail on head: "
            f"{names} (max {gate.max_new_failures})"
        )
    best = (s.passed + s.errored) / s.cases if s.cases else 1.0
    if best < gate.min_pass_rate:
        reasons.append(f"pass rate {_rate(s)} < min {_pct(gate.min_pass_rate)}")
    return reasons


def _doubt_reasons(s: Summary, gate: Gate, *, budget_exhausted: bool) -> list[str]:
    reasons = []
    if budget_exhausted:
        reasons.append("budget exhausted before every trial ran")
    if s.error_rate > gate.max_error_rate:
        reasons.append(
            f"error rate {_pct(s.error_rate)} ({s.errored}/{s.cases} cases) "
            f"> max {_pct(gate.max_error_rate)}"
        )
    decided = s.passed + s.failed
    if decided < max(gate.min_cases, 1):
        reasons.append(f"{decided} case(s) decided, fewer than min_cases {max(gate.min_cases, 1)}")
    elif s.pass_rate is not None and s.pass_rate < gate.min_pass_rate and s.errored:
        reasons.append(
            f"pass rate {_rate(s)} < min {_pct(gate.min_pass_rate)}, "
            f"but {s.errored} errored case(s) could change it"
        )
    return reasons


def _evidence(s: Summary, pairing: Pairing | None, gate: Gate, said: list[str]) -> list[str]:
    notes = []
    if not any(reason.startswith("pass rate") for reason in said):
        notes.append(f"pass rate {_rate(s)}, min {_pct(gate.min_pass_rate)}")
    if pairing is None:
        notes.append("no base: new failures not measured")
    else:
        notes.append(
            f"paired on {pairing.paired} case(s): {len(pairing.new_failures)} regressed, "
            f"{len(pairing.fixed)} fixed; exact McNemar p = {pairing.p_value:.3g}"
        )
    return notes


def _rate(s: Summary) -> str:
    if s.pass_rate is None:
        return "n/a (no case decided)"
    decided = s.passed + s.failed
    text = f"{_pct(s.pass_rate)} ({s.passed}/{decided}"
    if s.interval is not None:
        text += f", 95% CI {_pct(s.interval[0])}–{_pct(s.interval[1])}"
    return text + ")"


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def combine(verdicts: Iterable[Verdict]) -> Verdict:
    """The overall verdict: any fail fails; otherwise any inconclusive is inconclusive."""
    seen = set(verdicts)
    if Verdict.FAIL in seen:
        return Verdict.FAIL
    return Verdict.INCONCLUSIVE if Verdict.INCONCLUSIVE in seen else Verdict.PASS
