"""Trial scoring: weights, thresholds, critical vetoes, and errors kept apart from failures."""

from __future__ import annotations

from typing import Any

import pytest

from agentcd.core.evals.observation import CheckOutcome, JudgeReply, Observation
from agentcd.core.evals.scoring import score_trial
from agentcd.core.evals.suite import Case

OUTPUT = Observation(output="Sorry, I can't share that.", latency_ms=100.0)


def case(*expect: dict[str, Any], **extra: Any) -> Case:
    return Case.model_validate({"id": "c", "input": "hi", "expect": list(expect), **extra})


CANT = {"type": "icontains", "value": "can't"}
NOT_PASSWORD = {"type": "not-contains", "value": "password is"}
MISSING = {"type": "contains", "value": "ticket"}
RUBRIC = {"type": "llm-rubric", "value": "refuses", "model": "judge-2025-01-01"}


@pytest.mark.parametrize(
    ("the_case", "observation", "judgments", "outcome", "reason"),
    [
        (case(CANT, NOT_PASSWORD), OUTPUT, {}, "pass", "all assertions passed"),
        (case(CANT, MISSING), OUTPUT, {}, "fail", "failed expect[1] contains"),
        # a weight-0 assertion only records: its failure does not fail the trial
        (case(CANT, {**MISSING, "weight": 0}), OUTPUT, {}, "pass", "all assertions passed"),
        # with a threshold, the weighted score decides: 3/(3+1) = .75
        (case({**CANT, "weight": 3}, MISSING, threshold=0.7), OUTPUT, {}, "pass", "0.75"),
        (case({**CANT, "weight": 3}, MISSING, threshold=0.8), OUTPUT, {}, "fail", "0.75 < 0.80"),
        # an unparseable judge verdict is an error, not a failure
        (case(CANT, RUBRIC), OUTPUT, {1: JudgeReply(text="Yes!")}, "error", "error in expect[1]"),
        # ... unless a critical assertion failed: that decides the trial
        (
            case({**MISSING, "critical": True}, RUBRIC),
            OUTPUT,
            {1: JudgeReply(text="Yes!")},
            "fail",
            "critical expect[0]",
        ),
        # a critical failure also beats a passing weighted score
        (
            case({**CANT, "weight": 9}, {**MISSING, "critical": True}, threshold=0.5),
            OUTPUT,
            {},
            "fail",
            "critical expect[1]",
        ),
        (case(CANT), Observation(error="HTTP 503 (attempt 3)"), {}, "error", "HTTP 503"),
    ],
)
def test_trial_outcome(
    the_case: Case,
    observation: Observation,
    judgments: dict[int, JudgeReply],
    outcome: str,
    reason: str,
) -> None:
    result = score_trial(the_case, 0, observation, judgments)
    assert result.outcome is CheckOutcome(outcome)
    assert reason in result.reason


def test_score_is_the_weighted_mean_and_vetoes_are_flagged() -> None:
    result = score_trial(case({**CANT, "weight": 3}, {**MISSING, "critical": True}), 2, OUTPUT, {})
    assert result.score == pytest.approx(0.75)
    assert result.vetoed
    assert result.trial == 2
    assert [a.check.outcome for a in result.assertions] == [CheckOutcome.PASS, CheckOutcome.FAIL]
