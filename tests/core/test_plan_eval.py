"""Reading eval reports for the plan: the fields shown, and errors that name the field."""

from __future__ import annotations

from typing import Any

import pytest

from agentcd.core.evals.verdict import Verdict
from agentcd.core.review.evals import combine_verdicts, read_eval_report
from agentcd.errors import DefinitionError

DIGEST = "sha256:" + "a" * 64


def agent(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": "support-triage",
        "verdict": "fail",
        "reasons": ["13 new failures, max 0"],
        "digest": DIGEST,
        "base_digest": "sha256:" + "b" * 64,
        "summary": {"cases": 4, "passed": 2, "failed": 1, "errored": 1, "wilson_95": [0.2, 0.9]},
        "paired": {"new_failures": ["t/b"], "fixed": ["t/c"]},
        "cases": [
            {"id": "a", "base_outcome": "pass"},
            {"id": "b", "base_outcome": "pass"},
            {"id": "c", "base_outcome": "fail"},
            {"id": "d", "base_outcome": "error"},
        ],
    }
    entry.update(changes)
    return entry


def report(*agents: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {"report_version": 1, "environment": "test", "agents": list(agents), **changes}


def test_reads_the_fields_the_plan_shows() -> None:
    (result,) = read_eval_report(report(agent()), source="eval.json")
    assert (result.agent, result.environment, result.digest) == ("support-triage", "test", DIGEST)
    assert result.verdict is Verdict.FAIL
    assert (result.passed, result.failed, result.errored, result.decided) == (2, 1, 1, 3)
    assert result.interval == (0.2, 0.9)
    assert (result.base_passed, result.base_total) == (2, 3)  # errors on the base not counted
    assert result.new_failures == ("t/b",) and result.fixed == ("t/c",)


def test_no_base_no_base_counts() -> None:
    (result,) = read_eval_report(report(agent(base_digest=None, paired=None)), source="e")
    assert result.base_total is None and result.new_failures == ()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ([], "report_version"),
        (report(report_version=2), "report_version"),
        (report(environment=""), "environment"),
        (report(agents={}), "agents"),
        (report("x"), "agents[0]"),
        (report(agent(verdict="maybe")), "agents[0].verdict"),
        (report(agent(summary=None)), "agents[0].summary"),
        (report(agent(name=3)), "agents[0].name"),
        (
            report(agent(summary={"passed": -1, "failed": 0, "errored": 0})),
            "agents[0].summary.passed",
        ),
        (
            report(agent(summary={"passed": True, "failed": 0, "errored": 0})),
            "agents[0].summary.passed",
        ),
    ],
)
def test_malformed_reports_name_the_field(data: Any, field: str) -> None:
    with pytest.raises(DefinitionError) as raised:
        read_eval_report(data, source="eval.json")
    assert raised.value.path == "eval.json" and raised.value.field == field


@pytest.mark.parametrize(
    ("verdicts", "combined"),
    [
        ([], None),
        ([Verdict.PASS, Verdict.PASS], Verdict.PASS),
        ([Verdict.PASS, Verdict.INCONCLUSIVE], Verdict.INCONCLUSIVE),
        ([Verdict.INCONCLUSIVE, Verdict.FAIL, Verdict.PASS], Verdict.FAIL),
    ],
)
def test_combine_verdicts(verdicts: list[Verdict], combined: Verdict | None) -> None:
    assert combine_verdicts(verdicts) is combined
