"""`core.validate`: pydantic's errors rewritten to name the field, what was found, what fits."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from agentcd.core.definition.model import Agent, Project
from agentcd.core.definition.validate import validate_model
from agentcd.core.evals.suite import EvalSuite
from agentcd.errors import DefinitionError

AGENT: dict[str, Any] = {
    "apiVersion": "agentcd.dev/v1",
    "kind": "Agent",
    "metadata": {"name": "a"},
    "instructions": "Be brief.",
    "model": {"provider": "openai", "id": "gpt-4.1-2025-04-14"},
}
PROJECT: dict[str, Any] = {
    "apiVersion": "agentcd.dev/v1",
    "kind": "Project",
    "environments": [{"name": "dev", "target": "local"}],
    "targets": {"local": {"platform": "file"}},
}
SUITE: dict[str, Any] = {
    "apiVersion": "agentcd.dev/v1",
    "kind": "EvalSuite",
    "metadata": {"name": "s"},
    "cases": [{"id": "c1", "input": "hi", "expect": [{"type": "contains", "value": "x"}]}],
}


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**base, **changes}


@pytest.mark.parametrize(
    ("model", "data", "message"),
    [
        (Agent, None, "must be a mapping of fields, found an empty document"),
        (Agent, ["a"], "must be a mapping of fields, found a list"),
        (Agent, "text", "must be a mapping of fields, found the string 'text'"),
        (Agent, 3, "must be a mapping of fields, found the number 3"),
        (
            Agent,
            _with(AGENT, tools=[{"name": "t", "type": "function", "side_effect": True}]),
            "tools[0].side_effect: unknown field (did you mean 'side_effects'?)",
        ),
        (
            Agent,
            _with(AGENT, runtime={"image": "python:3.12"}),
            "runtime.image: 'python:3.12' is not valid: use an image pinned by digest "
            "(...@sha256:<64 hex digits>)",
        ),
        (
            Agent,
            _with(AGENT, tools=[{"name": "9tool", "type": "function"}]),
            "tools[0].name: '9tool' is not valid: use letters, digits, '_', '.' and '-', starting "
            "with a letter or '_' (at most 128)",
        ),
        (
            Agent,
            _with(AGENT, tools=[{"name": "t", "type": "function", "side_effects": "maybe"}]),
            "tools[0].side_effects: input should be a valid boolean, unable to interpret input, "
            "found the string 'maybe'",
        ),
        (
            Agent,
            _with(AGENT, instructions={"file": "a.md", "text": "b"}),
            "instructions: give exactly one of 'text' or 'file'",
        ),
        (Agent, _with(AGENT, runtime={"version": "==1"}), "runtime: 'version' needs 'framework'"),
        (
            Agent,
            _with(AGENT, skills=[{"path": "s", "nmae": "x"}]),
            "skills[0].nmae: unknown field (did you mean 'name'?)",
        ),
        (
            Project,
            _with(PROJECT, targets={"local": {"platform": "file", "pth": "x"}}),
            "targets.local.pth: unknown field (did you mean 'path'?)",
        ),
        (Project, _with(PROJECT, ledger={"path": "x.db"}), "ledger.backend: field required"),
        (
            Project,
            _with(PROJECT, ledger={"backend": "git", "brnch": "x"}),
            "ledger.brnch: unknown field (did you mean 'branch'?)",
        ),
        (
            Project,
            _with(PROJECT, environments=[]),
            "environments: tuple should have at least 1 item after validation, not 0",
        ),
        (
            EvalSuite,
            _with(
                SUITE,
                cases=[
                    {"id": "c1", "input": "hi", "expect": [{"type": "tool-called", "nmae": "x"}]}
                ],
            ),
            "cases[0].expect[0].name: field required\n"
            "s.yaml: cases[0].expect[0].nmae: unknown field (did you mean 'name'?)",
        ),
    ],
)
def test_messages(model: type[BaseModel], data: Any, message: str) -> None:
    with pytest.raises(DefinitionError) as e:
        validate_model(model, data, "s.yaml")
    assert str(e.value) == f"s.yaml: {message}"


def test_valid_data_gets_every_default() -> None:
    agent = validate_model(Agent, AGENT, "a.yaml")
    assert agent.tools == () and agent.runtime.framework is None
    assert agent.instructions.text == "Be brief."
