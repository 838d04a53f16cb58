"""The plan view model: environment states, what merging does, eval status, the gate verdict."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agentcd.core.definition.model import Environment, Gate, Requirement
from agentcd.core.deploy.drift import AgentDrift, DriftState
from agentcd.core.deploy.ledger import Deployment, Status, fold
from agentcd.core.deploy.release import make_release
from agentcd.core.evals.verdict import Verdict
from agentcd.core.review.environment import LedgerState, Running, Step, after_merge, env_cell
from agentcd.core.review.evals import EvalStatus
from agentcd.core.review.plan import GateVerdict, changed_agents
from tests.render.plan_scenarios import (
    HEAD_SHA,
    Scenario,
    digest_of,
    edited,
    eval_agent,
    eval_report,
    example_files,
    snapshot,
)

TRIAGE = "agents/support-triage/agent.yaml"
AT = datetime(2026, 3, 1, tzinfo=UTC)
PROD = Environment(
    name="prod",
    target="local",
    gate=Gate(eval=Requirement.REQUIRED, approval=Requirement.REQUIRED),
    bindings={"orders_api": "https://o", "crm_mcp": "https://c", "policies_kb": "kb"},
)


def triage():  # type: ignore[no-untyped-def]
    agent = snapshot(example_files(), HEAD_SHA).workspace.agent("support-triage")
    assert agent is not None
    return agent


def running(deployment_digest: str) -> Running:
    return Running(1, "sha256:" + "a" * 64, deployment_digest, None, None, "ana", (), AT, None)


def deployment(env: str = "prod") -> Deployment:
    return Deployment(
        agent="support-triage",
        environment=env,
        seq=1,
        status=Status.SUCCEEDED,
        artifact_digest="sha256:" + "a" * 64,
        deployment_digest="sha256:" + "d" * 64,
        actor="ana",
        started_at=AT,
    )


def drift(state: DriftState) -> AgentDrift:
    return AgentDrift("support-triage", "prod", state, (), ("why",), (), 0, None, None, None)


@pytest.mark.parametrize(
    ("ledger", "state", "reasons"),
    [
        (LedgerState("l", problem="file is not a database"), DriftState.UNKNOWN, ()),
        (
            LedgerState("l", slots=fold([deployment()]), unreadable={"prod": "no access"}),
            DriftState.UNKNOWN,
            (),
        ),
        (
            LedgerState("l", slots=fold([deployment()])),
            DriftState.UNKNOWN,
            ("the live state was not read",),
        ),
        (LedgerState("l"), DriftState.NOT_DEPLOYED, ()),
        (
            LedgerState(
                "l",
                slots=fold([deployment()]),
                live={("support-triage", "prod"): drift(DriftState.DRIFTED)},
            ),
            DriftState.DRIFTED,
            ("why",),
        ),
        (
            LedgerState(
                "l",
                slots=fold([deployment()]),
                live={("support-triage", "prod"): drift(DriftState.IN_SYNC)},
            ),
            DriftState.IN_SYNC,
            ("why",),
        ),
    ],
)
def test_environment_state(
    ledger: LedgerState, state: DriftState, reasons: tuple[str, ...]
) -> None:
    cell = env_cell("support-triage", PROD, previous="test", head=triage(), ledger=ledger)
    assert cell.state is state
    assert cell.reasons == reasons
    if ledger.problem:
        assert cell.running is None  # nothing is claimed from a ledger that was not read


def test_what_runs_now_comes_from_the_ledger() -> None:
    ledger = LedgerState("l", slots=fold([deployment()]))
    cell = env_cell("support-triage", PROD, previous="test", head=triage(), ledger=ledger)
    assert cell.running is not None
    assert cell.running.deployment_digest == "sha256:" + "d" * 64


def test_after_merge_steps() -> None:
    agent = triage()
    same = make_release(PROD, artifact=agent.artifact, artifact_digest=agent.digest, commit=None)
    unbound = PROD.model_copy(update={"bindings": {}})
    cases = [
        (PROD, None, None, Step.DEPLOY),
        (PROD, "test", None, Step.AFTER_PREVIOUS),
        (PROD, "test", running(same.deployment_digest), Step.ALREADY_RUNS),
        (PROD, "test", running("sha256:" + "e" * 64), Step.AFTER_PREVIOUS),
        (unbound, "test", None, Step.BLOCKED),
    ]
    for env, previous, now, step in cases:
        action = after_merge(env, previous=previous, head=agent, running=now)
        assert action.step is step, (previous, now, step)
        assert action.eval_required and action.approval_required
    blocked = after_merge(unbound, previous=None, head=agent, running=None)
    assert blocked.missing_bindings == ("orders_api", "policies_kb")  # triage has no crm tool
    removed = [after_merge(PROD, previous=None, head=None, running=r) for r in (running("x"), None)]
    assert [a.step for a in removed] == [Step.KEEPS_RUNNING, Step.NOTHING]


def test_changed_agents_by_digest() -> None:
    head = edited(example_files(), {TRIAGE: [("temperature: 0.2", "temperature: 0.3")]})
    assert changed_agents(snapshot(example_files(), "a" * 40), snapshot(head, "b" * 40)) == (
        "support-triage",
    )
    assert changed_agents(None, snapshot(head, "b" * 40)) == (
        "faq-bot",
        "refund-bot",
        "support-triage",
    )


def changed_head() -> dict[str, bytes]:
    return edited(example_files(), {TRIAGE: [("temperature: 0.2", "temperature: 0.3")]})


def triage_eval(verdict: str, digest: str | None = None, env: str = "test"):  # type: ignore[no-untyped-def]
    outcomes = [("a", "pass", "pass"), ("b", "fail" if verdict == "fail" else "pass", "pass")]
    entry = eval_agent(
        "support-triage",
        digest or digest_of(changed_head(), "support-triage"),
        verdict=verdict,
        outcomes=outcomes,
    )
    return eval_report(env, [entry])


@pytest.mark.parametrize(
    ("evals", "status", "verdict", "gate"),
    [
        ((), EvalStatus.NOT_RUN, None, GateVerdict.PENDING),
        (("pass",), EvalStatus.EVALUATED, Verdict.PASS, GateVerdict.PASS),
        (("fail",), EvalStatus.EVALUATED, Verdict.FAIL, GateVerdict.FAIL),
        (("inconclusive",), EvalStatus.EVALUATED, Verdict.INCONCLUSIVE, GateVerdict.INCONCLUSIVE),
        (("pass", "fail"), EvalStatus.EVALUATED, Verdict.FAIL, GateVerdict.FAIL),
        (("stale",), EvalStatus.STALE, None, GateVerdict.PENDING),
    ],
)
def test_eval_status_and_gate(
    evals: tuple[str, ...], status: EvalStatus, verdict: Verdict | None, gate: GateVerdict
) -> None:
    results = tuple(
        r
        for i, v in enumerate(evals)
        for r in (
            triage_eval("pass", "sha256:" + "c" * 64)
            if v == "stale"
            else triage_eval(v, env=f"e{i}")
        )
    )
    view = Scenario(head=changed_head(), evals=results).view()
    (agent,) = view.agents
    assert agent.eval.status is status
    assert agent.eval.verdict is verdict
    assert view.verdict is gate


@pytest.mark.parametrize(
    ("edits", "gate", "reason"),
    [
        (
            {"agents/x/agent.yaml": [("", "kind: Agent\n")]},
            GateVerdict.FAIL,
            "1 agent definition did not load",
        ),
        (
            {
                TRIAGE: [
                    (
                        "tier: customer-facing",
                        'tier: x, key: "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789AB"',
                    )
                ]
            },
            GateVerdict.FAIL,
            "1 policy error",
        ),
    ],
)
def test_broken_definitions_and_policy_errors_fail_the_gate(edits, gate, reason) -> None:  # type: ignore[no-untyped-def]
    view = Scenario(head=edited(changed_head(), edits), evals=triage_eval("pass")).view()
    assert view.verdict is gate
    assert reason in view.verdict_reasons


def test_no_eval_needed_when_no_environment_requires_one() -> None:
    files = changed_head()
    config = files["agentcd.yaml"].decode().replace("eval: required", "eval: optional")
    files["agentcd.yaml"] = config.encode()
    view = Scenario(base=dict(files, **{TRIAGE: example_files()[TRIAGE]}), head=files).view()
    assert view.agents[0].eval.status is EvalStatus.NOT_RUN
    assert view.verdict is GateVerdict.PASS


def test_findings_are_new_only_when_the_base_lacks_them() -> None:
    tool = "  - name: issue_credit\n    type: function\n    side_effects: true\n"
    head = edited(changed_head(), {TRIAGE: [("knowledge:\n", tool + "knowledge:\n")]})
    view = Scenario(head=head).view()
    (item,) = view.agents[0].findings
    assert item.finding.rule.value == "AC104" and item.new


def test_counts() -> None:
    view = Scenario(head=changed_head()).view()
    c = view.counts
    assert (c.total, c.changed, c.unchanged, c.invalid, c.drifted, c.unknown) == (3, 1, 2, 0, 0, 0)
    assert view.unchanged == ("faq-bot", "refund-bot")
