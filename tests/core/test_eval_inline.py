"""The `inline` eval target in the core: which environment it names, and which binding values
its trials run with (the base's, so the change under review cannot move the bar)."""

from __future__ import annotations

import pytest

from agentcd.adapters.source import WorkTree
from agentcd.commands._eval_jobs import build_jobs
from agentcd.core.definition.load import Workspace, load_workspace
from agentcd.core.evals.plan import plan_eval
from agentcd.core.evals.settings import InlineTarget
from tests.conftest import EXAMPLE


@pytest.fixture(scope="module")
def example() -> Workspace:
    return load_workspace(WorkTree(EXAMPLE))


def with_bindings(ws: Workspace, environment: str, **values: str) -> Workspace:
    envs = [
        e.model_copy(update={"bindings": {**e.bindings, **values}}) if e.name == environment else e
        for e in ws.project.environments
    ]
    project = ws.project.model_copy(update={"environments": envs})
    return Workspace(project, ws.agents, ws.label, ws.commit)


@pytest.mark.parametrize(
    ("target", "env", "runs_in"),
    [("inline", None, "dev"), ("inline", "test", "test"), ("inline:dev", "prod", "dev")],
)
def test_the_builtin_inline_target_names_the_environment_it_runs_in(
    example: Workspace, target: str, env: str | None, runs_in: str
) -> None:
    plan = plan_eval(example, None, environment=env, target=target)
    assert plan.target == InlineTarget(type="inline", environment=runs_in)
    assert plan.inline is not None and plan.inline.name == runs_in
    assert plan.inline.bindings == example.project.environment(runs_in).bindings  # type: ignore[union-attr]


def test_an_inline_target_pairs_with_the_base_on_the_bases_binding_values(
    example: Workspace,
) -> None:
    head = with_bindings(
        example, "dev", orders_api="http://127.0.0.1:9999/elsewhere", new_kb="kb-9"
    )
    plan = plan_eval(head, example, target="inline:dev")
    assert plan.inline is not None
    assert plan.inline.bindings["orders_api"] == "http://127.0.0.1:8081/orders"  # the base's
    assert plan.inline.bindings["new_kb"] == "kb-9"  # only the head has it
    assert any(a.base_artifact is not None for a in plan.agents)  # paired
    assert (
        "the head changes dev's binding values (orders_api); the base's are used on both "
        "sides" in plan.notes
    )


def test_binding_values_are_part_of_an_inline_trials_cache_key(example: Workspace) -> None:
    keys = {j.key for j in build_jobs(plan_eval(example, None, target="inline:dev"))}
    moved = with_bindings(example, "dev", orders_api="http://127.0.0.1:9999/elsewhere")
    assert keys.isdisjoint(j.key for j in build_jobs(plan_eval(moved, None, target="inline:dev")))
    assert keys == {j.key for j in build_jobs(plan_eval(example, None, target="inline:dev"))}
