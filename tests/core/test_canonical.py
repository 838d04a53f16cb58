"""`core.canonical`: the written rules of canonical form v1, rule by rule, and its pinned bytes."""

from __future__ import annotations

import math
from typing import Any

import pytest

from agentcd.core.definition.canonical import (
    CANONICAL_VERSION,
    binding_names,
    build_artifact,
    canonical_bytes,
    canonicalize,
    normalize_text,
)
from agentcd.core.definition.digest import artifact_digest
from agentcd.core.definition.load import load_workspace
from agentcd.core.definition.model import Agent
from tests.conftest import EXAMPLE
from tests.core.memtree import MemoryTree


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("a", "a\n"),
        ("a\n", "a\n"),
        ("a\n\n\n", "a\n"),
        ("a\r\nb\r\n", "a\nb\n"),
        ("a\rb", "a\nb\n"),
        ("\ufeffa", "a\n"),
        ("", ""),
        ("\n\n", ""),
        ("  a  \n\n  b\t\n", "  a  \n\n  b\t\n"),  # inner whitespace is meaningful Markdown
        ("\n\na", "\n\na\n"),  # leading newlines are kept
    ],
)
def test_normalize_text(text: str, normal: str) -> None:
    assert normalize_text(text) == normal


def _artifact(**extra: Any) -> dict[str, Any]:
    return {
        "canonical_version": 1,
        "metadata": {"name": "a", "owners": ["b", "a", "b"]},
        "tools": [
            {"name": "zeta", "allowed_tools": ["y", "x", "x"]},
            {"name": "alpha", "input_schema": {"enum": ["z", "a"]}},
        ],
        "knowledge": [{"name": "k2"}, {"name": "k1"}],
        "guardrails": [{"name": "g2"}, {"name": "g1"}],
        "skills": [{"name": "s2", "files": {}}, {"name": "s1", "files": {}}],
        "subagents": [{"ref": "b"}, {"ref": "a"}],
        "model": {"parameters": {"temperature": 1.0, "top_p": 0.5, "stop": ["b", "a"]}},
        **extra,
    }


def test_canonicalize_sorts_sets_and_keeps_ordered_lists() -> None:
    out = canonicalize(_artifact())
    assert [t["name"] for t in out["tools"]] == ["alpha", "zeta"]
    assert [k["name"] for k in out["knowledge"]] == ["k1", "k2"]
    assert [g["name"] for g in out["guardrails"]] == ["g1", "g2"]
    assert [s["name"] for s in out["skills"]] == ["s1", "s2"]
    assert [s["ref"] for s in out["subagents"]] == ["a", "b"]
    assert out["metadata"]["owners"] == ["a", "b"]
    assert out["tools"][1]["allowed_tools"] == ["x", "y"]
    assert out["tools"][0]["input_schema"]["enum"] == ["z", "a"]
    assert out["model"]["parameters"]["stop"] == ["b", "a"]


def test_canonicalize_writes_integral_floats_as_integers() -> None:
    params = canonicalize(_artifact())["model"]["parameters"]
    assert params == {"temperature": 1, "top_p": 0.5, "stop": ["b", "a"]}
    assert isinstance(params["temperature"], int)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_canonicalize_refuses_non_finite_numbers(bad: float) -> None:
    with pytest.raises(ValueError, match="is not a finite number"):
        canonicalize(_artifact(model={"parameters": {"t": [bad]}}))


def test_canonicalize_is_idempotent_and_leaves_its_input_alone() -> None:
    data = _artifact()
    once = canonicalize(data)
    assert canonicalize(once) == once
    assert data == _artifact()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"b": 1, "a": [1, 2]}, b'{"a":[1,2],"b":1}'),
        ({"t": "caf\u00e9 \u2713"}, '{"t":"caf\u00e9 \u2713"}'.encode()),
        ({"n": None, "f": 0.5, "t": True}, b'{"f":0.5,"n":null,"t":true}'),
        ({"z": {"y": 1, "x": 2}}, b'{"z":{"x":2,"y":1}}'),
    ],
)
def test_canonical_bytes(data: dict[str, Any], expected: bytes) -> None:
    assert canonical_bytes(data) == expected


def test_canonical_bytes_refuses_nan() -> None:
    with pytest.raises(ValueError):
        canonical_bytes({"x": math.nan})


AGENT = {
    "apiVersion": "agentcd.dev/v1",
    "kind": "Agent",
    "metadata": {"name": "a"},
    "instructions": {"file": "prompt.md"},
    "model": {"provider": "openai", "id": "gpt-4.1-2025-04-14"},
    "tools": [{"name": "orders", "type": "openapi", "spec": {"file": "orders.yaml"}}],
    "evals": ["evals/a.yaml"],
}


def test_build_artifact_inlines_files_and_drops_paths_and_evals() -> None:
    art = build_artifact(
        Agent.model_validate(AGENT),
        instructions="Be brief.\r\n\r\n",
        specs={"orders": "openapi: 3.1.0\n\n"},
        skills={"s": {"SKILL.md": "x\n"}},
    )
    assert art == {
        "apiVersion": "agentcd.dev/v1",
        "canonical_version": CANONICAL_VERSION,
        "guardrails": [],
        "instructions": "Be brief.\n",
        "kind": "Agent",
        "knowledge": [],
        "metadata": {"description": "", "labels": {}, "name": "a", "owners": []},
        "model": {
            "id": "gpt-4.1-2025-04-14",
            "overrides": {},
            "parameters": {},
            "provider": "openai",
        },
        "runtime": {},
        "skills": [{"files": {"SKILL.md": "x\n"}, "name": "s"}],
        "subagents": [],
        "tools": [
            {
                "description": "",
                "name": "orders",
                "side_effects": False,
                "spec": "openapi: 3.1.0\n",
                "type": "openapi",
            }
        ],
    }


def test_binding_names_are_the_sorted_bindings_used() -> None:
    art = {
        "tools": [{"name": "a", "binding": "crm"}, {"name": "b"}],
        "knowledge": [{"name": "k", "binding": "kb"}],
        "guardrails": [{"name": "g", "binding": "crm"}],
    }
    assert binding_names(art) == ("crm", "kb")


def test_the_example_artifacts_are_pinned(golden: Any) -> None:
    """Canonical form v1 of the example, byte for byte: a change here needs a version bump."""
    ws = load_workspace(MemoryTree.from_folder(EXAMPLE))
    text = "".join(
        f"{a.name} {artifact_digest(a.artifact)}\n{canonical_bytes(a.artifact).decode()}\n"
        for a in ws.agents
    )
    golden("canonical/support-desk.txt", text)
