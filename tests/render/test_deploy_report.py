"""The promotion report's headline says what was applied: "nothing" only when nothing was."""

from __future__ import annotations

from agentcd.core.deploy.gate import Decision, GateResult
from agentcd.core.deploy.promotion import AgentOutcome, DeployReport, Result
from agentcd.core.deploy.release import Release
from agentcd.render.deploy.report import render_text


def _outcome(agent: str, result: Result) -> AgentOutcome:
    release = Release(
        agent=agent,
        environment="dev",
        artifact={},
        artifact_digest="sha256:" + "a" * 64,
        bindings={},
        deployment_digest="sha256:" + "b" * 64,
    )
    decision = Decision.REFUSED if result is Result.REFUSED else Decision.DEPLOY
    return AgentOutcome(release, GateResult(decision, (), None), result)


def _headline(*results: Result) -> str:
    outcomes = tuple(_outcome(f"a{i}", r) for i, r in enumerate(results))
    return render_text(DeployReport("promote", "dev", False, outcomes)).splitlines()[0]


def test_a_refusal_with_nothing_applied_says_so() -> None:
    assert _headline(Result.REFUSED, Result.PLANNED) == (
        "promote to dev: refused, nothing was applied (1 refused, 1 planned)"
    )


def test_a_refusal_beside_an_applied_agent_never_says_nothing_was_applied() -> None:
    line = _headline(Result.REFUSED, Result.SUCCEEDED)
    assert "nothing was applied" not in line
    assert line == "promote to dev: refused in part, 1 applied (1 succeeded, 1 refused)"
