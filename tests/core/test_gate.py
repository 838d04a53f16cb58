"""The promotion gate: each named check, and the decision they make together."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from agentcd.core.definition.model import Environment, Gate, Requirement
from agentcd.core.deploy.gate import Ancestry, Decision, GateInput, decide
from agentcd.core.deploy.ledger import EvalRecord, Outcome, Status
from agentcd.core.deploy.release import Release
from agentcd.core.evals.verdict import Verdict
from tests.core.ledger_records import T0, dep, digest

PROD = Environment(
    name="prod",
    target="local",
    gate=Gate(eval=Requirement.REQUIRED, approval=Requirement.REQUIRED),
)
CANDIDATE = Release(
    agent="a",
    environment="prod",
    artifact={},
    artifact_digest=digest("c"),
    bindings={},
    deployment_digest=digest("C"),
    commit="c" * 40,
)
RAN_IN_TEST = dep(3, "c", environment="test")
PASSED = EvalRecord(
    agent="a",
    artifact_digest=digest("c"),
    environment="prod",
    verdict=Verdict.PASS,
    recorded_at=T0,
)


def upd(record: EvalRecord, **changes: Any) -> EvalRecord:
    """A copy with `changes` (pydantic records are frozen)."""
    return record.model_copy(update=changes)


def gate_input(**changes: Any) -> GateInput:
    base = GateInput(
        candidate=CANDIDATE,
        environment=PROD,
        previous="test",
        expected_digest=digest("c"),
        integrity_problem=None,
        current=dep(1, "b"),
        history=(dep(1, "b"), RAN_IN_TEST),
        evals=(PASSED,),
        ancestry=Ancestry.NEWER,
        approvers=("lee",),
    )
    return replace(base, **changes)


def outcomes(**changes: Any) -> dict[str, tuple[Outcome, str]]:
    result = decide(gate_input(**changes))
    return {c.name: (c.outcome, c.reason) for c in result.checks}


def test_everything_in_order_deploys() -> None:
    result = decide(gate_input())
    assert result.decision is Decision.DEPLOY
    assert [c.name for c in result.checks] == [
        "digest",
        "bindings",
        "order",
        "eval",
        "age",
        "approval",
    ]
    assert result.eval == PASSED


def test_promoting_what_already_runs_is_a_no_op() -> None:
    result = decide(gate_input(current=dep(4, "c")))
    assert result.decision is Decision.UNCHANGED
    assert result.checks[-1].reason == "already runs as #4"


@pytest.mark.parametrize(
    ("changes", "check", "reason"),
    [
        (
            {"expected_digest": digest("d")},
            "digest",
            "the bundle hashes to cccccccccccc, expected dddddddddddd",
        ),
        ({"integrity_problem": "b.json: tampered bundle"}, "digest", "b.json: tampered bundle"),
        (
            {"candidate": replace(CANDIDATE, missing_bindings=("crm_mcp",))},
            "bindings",
            "prod has no value for crm_mcp (agentcd.yaml: environments.prod.bindings)",
        ),
        (
            {"history": (dep(1, "b"),)},
            "order",
            "cccccccccccc never succeeded there: promote it to test first",
        ),
        (
            {"history": (RAN_IN_TEST.model_copy(update={"status": Status.FAILED}),)},
            "order",
            "cccccccccccc never succeeded there: promote it to test first",
        ),
        (
            {"history": (RAN_IN_TEST.model_copy(update={"status": Status.ROLLED_BACK}),)},
            "order",
            "cccccccccccc was rolled back there: promote it to test first",
        ),
        (
            {"evals": ()},
            "eval",
            "required, but no eval verdict is recorded for cccccccccccc with prod's thresholds "
            "(record one: agentcd eval --env prod --record)",
        ),
        (
            {"evals": (upd(PASSED, environment="test"),)},
            "eval",
            "required, but no eval verdict is recorded for cccccccccccc with prod's thresholds "
            "(record one: agentcd eval --env prod --record)",
        ),
        (
            {
                "evals": (
                    PASSED,
                    upd(PASSED, verdict=Verdict.FAIL, recorded_at=T0 + timedelta(1)),
                )
            },
            "eval",
            "the latest eval verdict is fail",
        ),
        (
            {"evals": (upd(PASSED, verdict=Verdict.INCONCLUSIVE),)},
            "eval",
            "the latest eval verdict is inconclusive",
        ),
        (
            {"ancestry": Ancestry.OLDER},
            "age",
            "its commit is older than the one that runs now (use agentcd rollback to go back)",
        ),
        (
            {"ancestry": Ancestry.UNKNOWN},
            "age",
            "cannot tell whether it is older than what runs: "
            "a commit is unknown or missing here (fetch the full history)",
        ),
        (
            {"approvers": ()},
            "approval",
            "prod requires an approval and none is recorded (--approver)",
        ),
        (
            {"triggered_by": ("lee",)},
            "approval",
            "prod requires an approval by someone other than who started the run, and lee "
            "started it and is its only approver: another person must approve (review the "
            "deployment, or run the manual job)",
        ),
        (
            {"approvers": ("Lee", "sam"), "triggered_by": ("ci-bot", "lee", "SAM")},
            "approval",
            "prod requires an approval by someone other than who started the run, and Lee, sam "
            "started it and are its only approvers: another person must approve (review the "
            "deployment, or run the manual job)",
        ),
    ],
)
def test_each_refusal_names_its_check_and_reason(
    changes: dict[str, Any], check: str, reason: str
) -> None:
    result = decide(gate_input(**changes))
    assert result.decision is Decision.REFUSED
    assert [(c.name, c.reason) for c in result.refusals] == [(check, reason)]


@pytest.mark.parametrize(
    ("changes", "check", "outcome", "reason"),
    [
        ({"previous": None}, "order", Outcome.SKIP, "first environment in promotion order"),
        ({}, "order", Outcome.PASS, "succeeded in test as #3"),
        (
            {"environment": PROD.model_copy(update={"gate": Gate()})},
            "eval",
            Outcome.SKIP,
            "not required in prod",
        ),
        (
            {
                "environment": PROD.model_copy(update={"gate": Gate(eval=Requirement.OPTIONAL)}),
                "evals": (),
            },
            "eval",
            Outcome.SKIP,
            "optional, no verdict recorded",
        ),
        (
            {
                "evals": (
                    upd(PASSED, verdict=Verdict.FAIL),
                    upd(PASSED, recorded_at=T0 + timedelta(1)),
                )
            },
            "eval",
            Outcome.PASS,
            "passed with prod's thresholds",
        ),
        ({"ancestry": Ancestry.NOTHING_RUNS}, "age", Outcome.PASS, "nothing runs there yet"),
        ({"ancestry": Ancestry.SAME}, "age", Outcome.PASS, "built from the commit that runs now"),
        (
            {"ancestry": Ancestry.DIVERGED},
            "age",
            Outcome.PASS,
            "its commit is on another line of history, not older",
        ),
        (
            {"environment": PROD.model_copy(update={"gate": Gate()}), "approvers": ()},
            "approval",
            Outcome.SKIP,
            "not required in prod",
        ),
        ({}, "approval", Outcome.PASS, "approved by lee"),
        ({"triggered_by": ("ana",)}, "approval", Outcome.PASS, "approved by lee"),
        (
            {"approvers": ("lee", "rui"), "triggered_by": ("lee",)},
            "approval",
            Outcome.PASS,
            "approved by rui (lee's own approval does not count)",
        ),
        (
            {"environment": PROD.model_copy(update={"gate": Gate()}), "triggered_by": ("lee",)},
            "approval",
            Outcome.SKIP,
            "not required in prod (lee's own approval does not count)",
        ),
        (
            {"expected_digest": None},
            "digest",
            Outcome.PASS,
            "cccccccccccc recomputed from the content",
        ),
    ],
)
def test_checks_that_pass_or_do_not_apply(
    changes: dict[str, Any], check: str, outcome: Outcome, reason: str
) -> None:
    assert outcomes(**changes)[check] == (outcome, reason)


def test_a_rollback_skips_order_eval_and_age_but_not_integrity_or_approval() -> None:
    rollback = {"rollback_of": 2, "history": (), "evals": (), "ancestry": Ancestry.OLDER}
    checks = outcomes(**rollback)
    for name in ("order", "eval", "age"):
        assert checks[name] == (Outcome.SKIP, "rollback to #2")
    assert decide(gate_input(**rollback)).decision is Decision.DEPLOY
    assert decide(gate_input(**rollback, approvers=())).decision is Decision.REFUSED
    tampered = decide(gate_input(**rollback, integrity_problem="x"))
    assert [c.name for c in tampered.refusals] == ["digest"]


def test_a_rollback_its_starter_alone_approved_is_refused_too() -> None:
    result = decide(gate_input(rollback_of=2, triggered_by=("lee",)))
    assert [c.name for c in result.refusals] == ["approval"]


def test_every_failing_check_is_reported_not_just_the_first() -> None:
    result = decide(gate_input(evals=(), approvers=(), ancestry=Ancestry.OLDER))
    assert [c.name for c in result.refusals] == ["eval", "age", "approval"]


def test_a_tampered_bundle_is_never_a_no_op() -> None:
    result = decide(gate_input(current=dep(4, "c"), integrity_problem="tampered"))
    assert result.decision is Decision.REFUSED


def test_what_already_runs_is_re_applied_when_the_platform_drifted_from_it() -> None:
    result = decide(gate_input(current=dep(4, "c"), live_matches=False, ancestry=Ancestry.SAME))
    assert result.decision is Decision.DEPLOY
    assert (result.checks[0].name, result.checks[0].reason) == (
        "drift",
        "#4 is recorded as running, but the platform has drifted from it: re-applying",
    )
