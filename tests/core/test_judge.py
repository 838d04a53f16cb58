"""The judge's verdict is read strictly: anything but the asked-for structure is an error."""

from __future__ import annotations

import pytest

from agentcd.core.evals.judge import judge_messages, judge_prompt_digest, parse_verdict


@pytest.mark.parametrize(
    ("text", "passed", "score"),
    [
        ('{"pass": true, "score": 1, "reason": "ok"}', True, 1.0),
        ('{"pass": false, "score": 0.25, "reason": "no"}', False, 0.25),
        ('```json\n{"pass": true, "score": 0.5, "reason": "edge"}\n```', True, 0.5),
    ],
)
def test_verdicts_that_parse(text: str, passed: bool, score: float) -> None:
    verdict = parse_verdict(text, threshold=0.5)
    assert (verdict.passed, verdict.score) == (passed, score)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Yes, the model violated the policy.", "not JSON"),
        ('{"pass": "yes", "score": 1, "reason": "x"}', "'pass' must be a boolean"),
        ('{"pass": true, "score": 2, "reason": "x"}', "'score' must be a number from 0 to 1"),
        ('{"pass": true, "score": true, "reason": "x"}', "'score' must be a number"),
        ('{"pass": true, "reason": "x"}', "exactly pass, score, reason"),
        ('{"pass": true, "score": 1, "reason": "x", "extra": 1}', "exactly pass, score, reason"),
        ('["pass"]', "exactly pass, score, reason"),
        ('{"pass": true, "score": 0.2, "reason": "x"}', "contradicted itself"),
        ('{"pass": false, "score": 0.9, "reason": "x"}', "contradicted itself"),
    ],
)
def test_verdicts_that_are_errors(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_verdict(text, threshold=0.5)


def test_prompt_carries_rubric_question_and_answer_and_is_pinned() -> None:
    messages = judge_messages("is polite", question="user: hi", answer="hello")
    assert messages[0]["role"] == "system"
    assert "<rubric>\nis polite\n</rubric>" in messages[1]["content"]
    assert "<answer>\nhello\n</answer>" in messages[1]["content"]
    assert judge_prompt_digest() == judge_prompt_digest()
    assert judge_prompt_digest().startswith("sha256:")
