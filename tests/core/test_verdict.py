"""Per-case pass policies under repeats, pairing with the base, and the gate's three verdicts."""

from __future__ import annotations

from typing import Any

import pytest

from agentcd.core.definition.model import Gate
from agentcd.core.evals.observation import Check, CheckOutcome, Observation
from agentcd.core.evals.scoring import AssertionResult, TrialResult
from agentcd.core.evals.suite import Case
from agentcd.core.evals.verdict import CaseResult, Verdict, decide_case, decide_gate, pair

P, F, E = CheckOutcome.PASS, CheckOutcome.FAIL, CheckOutcome.ERROR


def trial(
    i: int, outcome: CheckOutcome, score: float | None = None, *, critical: bool = False
) -> TrialResult:
    check = Check(outcome, 1.0 if outcome is P else 0.0, "r")
    assertion = AssertionResult(0, "contains", 1.0, critical, check)
    value = score if score is not None else check.score
    return TrialResult("c", i, outcome, value, f"t{i}", (assertion,), Observation(output="x"))


def make_case(repeat: int, passing: dict[str, Any] | None = None) -> Case:
    data: dict[str, Any] = {"id": "c", "input": "hi", "expect": [{"type": "is-json"}]}
    data["repeat"] = repeat
    if passing:
        data["pass"] = passing
    return Case.model_validate(data)


@pytest.mark.parametrize(
    ("repeat", "policy", "outcomes", "expected"),
    [
        (3, None, [P, P, P], P),
        (3, None, [P, F, P], F),
        (3, None, [P, E, P], E),  # the error could have been a failure: undecided
        (3, None, [F, E, P], F),  # a failure is a failure whatever the error would have been
        (3, None, [P, P], E),  # a trial that never ran (budget) is unknown
        (3, {"policy": "k-of-n", "k": 2}, [P, F, P], P),  # flaky but within policy
        (3, {"policy": "k-of-n", "k": 2}, [F, F, P], F),
        (3, {"policy": "k-of-n", "k": 2}, [P, E, F], E),
        (3, {"policy": "k-of-n", "k": 2}, [F, E, F], F),  # even a pass could not reach 2
        (4, {"policy": "mean", "min": 0.5}, [P, F, P, F], P),
        (4, {"policy": "mean", "min": 0.6}, [P, F, P, F], F),
        (4, {"policy": "mean", "min": 0.5}, [P, F, E, F], E),  # .25 .. .5 straddles
        (4, {"policy": "mean", "min": 0.5}, [P, P, E, F], P),  # at least .5 whatever
    ],
)
def test_pass_policies(
    repeat: int, policy: dict[str, Any] | None, outcomes: list[CheckOutcome], expected: CheckOutcome
) -> None:
    trials = [trial(i, o) for i, o in enumerate(outcomes)]
    result = decide_case("s", make_case(repeat, policy), trials)
    assert result.outcome is expected, result.reason
    assert result.passes + result.fails + result.errors == repeat


def test_a_critical_failure_vetoes_a_k_of_n_case() -> None:
    trials = [trial(0, P), trial(1, F, critical=True), trial(2, P)]
    result = decide_case("s", make_case(3, {"policy": "k-of-n", "k": 2}), trials)
    assert result.outcome is F
    assert result.reason.startswith("trial 1:")


def test_policy_must_fit_the_repeats() -> None:
    with pytest.raises(ValueError, match="exceeds repeat"):
        make_case(2, {"policy": "k-of-n", "k": 3})


def result(case_id: str, outcome: CheckOutcome, suite: str = "s") -> CaseResult:
    return CaseResult(suite, case_id, (), outcome, "why", "single", 0, 0, 0, 1, ())


def results(spec: str, prefix: str = "c") -> list[CaseResult]:
    """'PPFE' -> c0 pass, c1 pass, c2 fail, c3 error."""
    return [
        result(f"{prefix}{i}", CheckOutcome({"P": "pass", "F": "fail", "E": "error"}[ch]))
        for i, ch in enumerate(spec)
    ]


def test_pairing_counts_discordant_cases_and_tests_them() -> None:
    head = [*results("FFFPPE"), result("new", P)]
    base = results("PPPFPP")
    pairing = pair(head, base)
    assert pairing.new_failures == (("s", "c0"), ("s", "c1"), ("s", "c2"))
    assert pairing.fixed == (("s", "c3"),)
    assert pairing.paired == 5
    assert pairing.unpaired == (("s", "c5"), ("s", "new"))
    assert pairing.p_value == pytest.approx(0.625)  # 2·(1 + 4)/16


GATE = Gate(min_pass_rate=0.75, max_new_failures=0, min_cases=3, max_error_rate=0.2)


@pytest.mark.parametrize(
    ("head", "base", "exhausted", "verdict", "first_reason"),
    [
        ("PPPP", "PPPP", False, Verdict.PASS, "pass rate 100%"),
        ("PPPF", "PPPF", False, Verdict.PASS, "pass rate 75%"),  # a failure the base had too
        (
            "PPPF",
            "PPPP",
            False,
            Verdict.FAIL,
            "1 new failure(s), passed on base and fail on head: s/c3",
        ),
        ("PPFF", None, False, Verdict.FAIL, "pass rate 50%"),
        ("PPPPE", "PPPPP", False, Verdict.PASS, "pass rate 100%"),  # 20% errors is the max
        ("PPPEE", "PPPPP", False, Verdict.INCONCLUSIVE, "error rate 40% (2/5 cases) > max 20%"),
        ("EEEE", "PPPP", False, Verdict.INCONCLUSIVE, "error rate 100%"),  # infra fault: never fail
        ("PPPP", "PPPP", True, Verdict.INCONCLUSIVE, "budget exhausted"),
        ("PP", None, False, Verdict.INCONCLUSIVE, "2 case(s) decided, fewer than min_cases 3"),
        ("", None, False, Verdict.INCONCLUSIVE, "0 case(s) decided"),
        ("PPPFFPPPPE", None, False, Verdict.PASS, "pass rate 78%"),
    ],
)
def test_gate(
    head: str, base: str | None, exhausted: bool, verdict: Verdict, first_reason: str
) -> None:
    decision = decide_gate(
        results(head), results(base) if base is not None else None, GATE, budget_exhausted=exhausted
    )
    assert decision.verdict is verdict, decision.reasons
    assert decision.reasons[0].startswith(first_reason), decision.reasons


def test_errors_that_could_lift_the_pass_rate_make_it_inconclusive_not_fail() -> None:
    gate = Gate(min_pass_rate=0.9, max_error_rate=0.5, min_cases=1)
    decision = decide_gate(results("PPPPPPPFEE"), None, gate)  # 7/8 decided, 9/10 at best
    assert decision.verdict is Verdict.INCONCLUSIVE
    assert "could change it" in decision.reasons[0]
    assert decision.summary.pass_rate == pytest.approx(7 / 8)
    assert decision.summary.interval == pytest.approx((0.5291, 0.9776), abs=5e-4)
