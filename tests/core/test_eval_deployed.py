"""The `platform` eval target in the core: which environment it names, when what runs there is
refused, and how the plan is bound to the deployed digests."""

from __future__ import annotations

from typing import Any

import pytest

from agentcd.adapters.source import WorkTree
from agentcd.core.definition.load import Workspace, load_workspace
from agentcd.core.deploy.drift import AgentDrift, DriftState
from agentcd.core.deploy.ledger import make_slot
from agentcd.core.evals.deployed import DeployedAgent, Observed, bind_deployed, refusals
from agentcd.core.evals.plan import plan_eval
from agentcd.core.evals.settings import EvalSettings, PlatformTarget, PythonTarget
from agentcd.errors import ConfigError
from tests.conftest import EXAMPLE
from tests.core.ledger_records import dep, digest


@pytest.fixture(scope="module")
def example() -> Workspace:
    return load_workspace(WorkTree(EXAMPLE))


def with_evals(ws: Workspace, **settings: Any) -> Workspace:
    evals = EvalSettings.model_validate(settings)
    project = ws.project.model_copy(update={"evals": evals})
    return Workspace(project, ws.agents, ws.label, ws.commit)


@pytest.mark.parametrize(
    ("target", "env", "deployed_in"),
    [
        ("platform", None, "dev"),  # the gate's environment, by default the first
        ("platform", "test", "test"),
        ("platform:dev", "test", "dev"),  # test's thresholds on what dev runs
        ("platform:prod", None, "prod"),
    ],
)
def test_the_builtin_platform_target_names_the_environment_it_runs_in(
    example: Workspace, target: str, env: str | None, deployed_in: str
) -> None:
    plan = plan_eval(example, None, environment=env, target=target)
    assert plan.target_name == target
    assert plan.target == PlatformTarget(type="platform", environment=deployed_in)
    assert plan.environment == (env or "dev")


def test_a_configured_platform_target_keeps_its_environment_or_takes_the_gates(
    example: Workspace,
) -> None:
    ws = with_evals(
        example,
        targets={
            "deployed-dev": {"type": "platform", "environment": "dev"},
            "deployed": {"type": "platform"},
            "platform": {"type": "python", "entrypoint": "app.agent:respond"},
        },
    )
    assert plan_eval(ws, None, environment="test", target="deployed-dev").target == (
        PlatformTarget(type="platform", environment="dev")
    )
    assert plan_eval(ws, None, environment="test", target="deployed").target == (
        PlatformTarget(type="platform", environment="test")
    )
    # a configured target of that name wins over the built-in one
    assert isinstance(plan_eval(ws, None, target="platform").target, PythonTarget)


def test_the_builtin_target_works_without_any_configured_target(example: Workspace) -> None:
    ws = with_evals(example)
    assert plan_eval(ws, None, target="platform").target_name == "platform"
    with pytest.raises(ConfigError, match=r"no eval target; .* --target platform"):
        plan_eval(ws, None)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("platform:qa", "evaluating: no environment named 'qa' (known: dev, test, prod)"),
        (
            "platform:",
            "evaluating: no eval target named 'platform:' (known: app, demo, demo-cli, "
            "model, platform[:ENV], inline[:ENV])",
        ),
    ],
)
def test_bad_platform_targets_are_refused(example: Workspace, target: str, message: str) -> None:
    with pytest.raises(ConfigError) as e:
        plan_eval(example, None, target=target)
    assert str(e.value) == message


def test_a_platform_target_cannot_be_paired_with_a_base(example: Workspace) -> None:
    with pytest.raises(ConfigError, match="cannot be paired with --base"):
        plan_eval(example, example, target="platform:dev")


def drift(state: DriftState, *reasons: str) -> AgentDrift:
    return AgentDrift("a", "prod", state, (), reasons, (), 0, None, None, None)


IN_SYNC = drift(DriftState.IN_SYNC)
SLOT = make_slot("a", "prod", [dep(1, "a"), dep(2, "b")])


@pytest.mark.parametrize(
    ("observed", "expected"),
    [
        ({"a": Observed(SLOT, IN_SYNC, artifact_stored=True)}, ()),
        (
            {
                "a": Observed(None, None, artifact_stored=False),
                "b": Observed(make_slot("b", "prod", []), None, artifact_stored=False),
            },
            (
                "nothing runs in prod for a, b (the ledger records no successful deployment: "
                "promote first, or leave it out with --agent)",
            ),
        ),
        (
            {"a": Observed(SLOT, drift(DriftState.DRIFTED, "changed: x"), artifact_stored=True)},
            (
                "a is drifted in prod (changed: x), so a verdict would not be bound to the "
                "recorded digest (see agentcd drift --env prod)",
            ),
        ),
        (
            {"a": Observed(SLOT, drift(DriftState.UNKNOWN, "not JSON"), artifact_stored=True)},
            (
                "a is unknown in prod (not JSON), so a verdict would not be bound to the "
                "recorded digest (see agentcd drift --env prod)",
            ),
        ),
        (
            {"a": Observed(SLOT, IN_SYNC, artifact_stored=False)},
            ("the ledger holds no bundle bbbbbbbbbbbb of a",),
        ),
    ],
    ids=["in-sync", "nothing-runs", "drifted", "unknown", "no-bundle"],
)
def test_what_cannot_be_bound_to_the_recorded_digest_is_refused(
    observed: dict[str, Observed], expected: tuple[str, ...]
) -> None:
    assert refusals("prod", observed) == expected


def test_a_failed_latest_attempt_leaves_the_last_success_running() -> None:
    slot = make_slot("a", "prod", [dep(1, "a"), dep(2, "b", status="failed")])
    assert refusals("prod", {"a": Observed(slot, IN_SYNC, artifact_stored=True)}) == ()
    assert slot.current is not None and slot.current.seq == 1


def test_binding_replaces_the_working_trees_digest_with_the_deployed_one(
    example: Workspace,
) -> None:
    plan = plan_eval(example, None, environment="test", target="platform:dev", agents=("faq-bot",))
    (head,) = plan.agents
    record = dep(3, "c", agent="faq-bot", environment="dev")
    bound = bind_deployed(plan, "dev", {"faq-bot": DeployedAgent(record, {"metadata": {}})})
    (agent,) = bound.agents
    assert (agent.digest, agent.artifact) == (digest("c"), {"metadata": {}})
    assert (agent.base_digest, agent.base_artifact) == (None, None)
    assert agent.suites == head.suites  # the bar is the working tree's, the agent the deployed
    assert agent.notes == (
        "dev runs #3: artifact cccccccccccc, deployment CCCCCCCCCCCC",
        f"the working tree's definition is {head.digest[7:19]}: its suites are used, the "
        "deployed artifact is evaluated",
    )
    assert bound.notes[-1] == (
        "evaluates what dev runs, through its platform; nothing is paired or cached"
    )
    same = dep(1, head.digest[7], agent="faq-bot", environment="dev", artifact_digest=head.digest)
    unchanged = bind_deployed(plan, "dev", {"faq-bot": DeployedAgent(same, head.artifact)})
    assert len(unchanged.agents[0].notes) == 1  # no note when the deployed digest is the head's
