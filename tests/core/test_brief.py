"""The approval brief's view model: what replaces what, what backs it, what changes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from agentcd.core.definition.bundle import Bundle, make_bundle
from agentcd.core.definition.model import Environment, Gate, Requirement
from agentcd.core.deploy.brief import (
    LedgerView,
    Replacement,
    is_blocking,
    live_is_suspect,
    make_brief,
)
from agentcd.core.deploy.drift import AgentDrift, DriftState
from agentcd.core.deploy.ledger import EvalRecord, Slot, make_slot
from agentcd.core.deploy.release import make_release
from agentcd.core.evals.verdict import Verdict
from tests.core.ledger_records import T0, dep

PROD = Environment(
    name="prod",
    target="local",
    gate=Gate(approval=Requirement.REQUIRED),
    bindings={"kb": "kb-prod"},
)


def artifact(instructions: str, *, kb: bool = True) -> dict[str, Any]:
    knowledge = [{"name": "docs", "type": "files", "binding": "kb"}] if kb else []
    return {
        "apiVersion": "agentcd.dev/v1",
        "metadata": {"name": "a"},
        "instructions": instructions,
        "model": {"provider": "openai", "id": "gpt-4.1-2025-04-14", "parameters": {}},
        "knowledge": knowledge,
    }


def bundle(instructions: str, **kw: Any) -> Bundle:
    return make_bundle(name="a", artifact=artifact(instructions, **kw), commit="c" * 40, path="x")


def running(candidate: Bundle, env: Environment = PROD, **extra: Any) -> Slot:
    """A prod slot whose current deployment is `candidate` with `env`'s binding values."""
    release = make_release(
        env, artifact=candidate.artifact, artifact_digest=candidate.digest, commit="b" * 40
    )
    record = dep(
        1,
        "x",
        artifact_digest=candidate.digest,
        deployment_digest=release.deployment_digest,
        bindings=dict(release.bindings),
        **extra,
    )
    return make_slot("a", "prod", [record])


def view(*slots: Slot, stored: tuple[Bundle, ...] = (), **extra: Any) -> LedgerView:
    fields: dict[str, Any] = {
        "slots": {(s.agent, s.environment): s for s in slots},
        "stored": {b.digest: b for b in stored},
        "evals": (),
        "live": {},
        "pull_requests": {},
    }
    fields.update(extra)
    return LedgerView(**fields)


OLD, NEW = bundle("Be kind."), bundle("Be kind and brief.")
OTHER_ENV = PROD.model_copy(update={"bindings": {"kb": "kb-old"}})


@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        ((), Replacement.NEW),
        ((running(NEW),), Replacement.UNCHANGED),
        ((running(NEW, OTHER_ENV),), Replacement.REBOUND),
        ((running(OLD),), Replacement.CHANGED),
    ],
    ids=["nothing runs", "same release", "same artifact, other bindings", "other artifact"],
)
def test_replacement(slots: tuple[Slot, ...], expected: Replacement) -> None:
    brief = make_brief(PROD, "test", [NEW], view(*slots, stored=(OLD, NEW)), now=T0)
    assert brief.agents[0].replacement is expected
    assert brief.approval_required


def test_changes_are_taken_from_what_runs_not_from_the_last_commit() -> None:
    brief = make_brief(PROD, "test", [NEW], view(running(OLD), stored=(OLD,)), now=T0)
    agent = brief.agents[0]
    assert [(c.path, c.before, c.after) for c in agent.changes] == [
        ("instructions", "Be kind.", "Be kind and brief.")
    ]
    assert agent.base_known and agent.bindings == ()
    assert agent.age == T0 - agent.running.finished_at  # type: ignore[union-attr]


def test_without_a_stored_copy_of_what_runs_there_is_no_diff() -> None:
    agent = make_brief(PROD, "test", [NEW], view(running(OLD)), now=T0).agents[0]
    assert (agent.base_known, agent.changes) == (False, ())


def test_binding_changes_are_listed_apart_from_the_artifact() -> None:
    slot = running(NEW, OTHER_ENV)
    agent = make_brief(PROD, "test", [NEW], view(slot, stored=(NEW,)), now=T0).agents[0]
    assert agent.changes == ()
    assert [(b.name, b.before, b.after) for b in agent.bindings] == [("kb", "kb-old", "kb-prod")]


def verdict(value: Verdict, environment: str = "test") -> EvalRecord:
    return EvalRecord(
        agent="a", artifact_digest=NEW.digest, environment=environment, verdict=value,
        recorded_at=T0,
    )  # fmt: skip


def in_test(candidate: Bundle) -> Slot:
    record = dep(4, "x", environment="test", artifact_digest=candidate.digest)
    return make_slot("a", "test", [record])


@pytest.mark.parametrize(
    ("test_runs", "evals", "blocking"),
    [
        (NEW, (verdict(Verdict.PASS),), False),
        (NEW, (), False),
        (NEW, (verdict(Verdict.FAIL),), True),
        (NEW, (verdict(Verdict.PASS, "prod"),), False),
        (OLD, (verdict(Verdict.PASS),), True),
        (None, (), True),
    ],
    ids=["passed", "no verdict", "failed", "other thresholds", "test runs another", "nothing"],
)
def test_the_previous_stage_backs_the_candidate(
    test_runs: Bundle | None, evals: tuple[EvalRecord, ...], blocking: bool
) -> None:
    slots = (running(OLD), in_test(test_runs)) if test_runs else (running(OLD),)
    agent = make_brief(PROD, "test", [NEW], view(*slots, evals=evals), now=T0).agents[0]
    stage = agent.previous
    assert stage is not None
    assert stage.runs_candidate is (test_runs is NEW)
    assert stage.seq == (4 if test_runs is NEW else None)
    expected_eval = next((e for e in evals if e.environment == "test"), None)
    assert stage.eval == expected_eval
    assert is_blocking(agent) is blocking


def test_the_first_environment_has_no_stage_and_blocks_nothing() -> None:
    agent = make_brief(PROD, None, [NEW], view(running(OLD)), now=T0).agents[0]
    assert agent.previous is None and not is_blocking(agent)


@pytest.mark.parametrize(
    ("state", "suspect"),
    [(DriftState.IN_SYNC, False), (DriftState.DRIFTED, True), (DriftState.UNKNOWN, True)],
)
def test_drifted_or_unreadable_live_state_is_flagged(state: DriftState, suspect: bool) -> None:
    drift = AgentDrift("a", "prod", state, (), (), (), 0, None, None, None)
    agent = make_brief(PROD, "test", [NEW], view(live={"a": drift}), now=T0).agents[0]
    assert live_is_suspect(agent) is suspect


def test_agents_are_sorted_and_the_pull_request_comes_from_the_commit() -> None:
    b = make_bundle(name="b", artifact={**artifact("x"), "metadata": {"name": "b"}},
                    commit="d" * 40, path="y")  # fmt: skip
    brief = make_brief(
        PROD, "test", [b, NEW], view(pull_requests={"d" * 40: 7}), now=T0 + timedelta(days=1)
    )
    assert [(a.agent, a.candidate_pull_request) for a in brief.agents] == [("a", None), ("b", 7)]
