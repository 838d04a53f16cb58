"""Semantic diff: risk rules, key-based collections, type changes, and empty iff digests equal."""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from agentcd.adapters.source import WorkTree
from agentcd.core.definition.bundle import make_bundle
from agentcd.core.definition.canonical import canonicalize
from agentcd.core.definition.digest import artifact_digest
from agentcd.core.definition.load import load_workspace
from agentcd.core.diff.changes import (
    AgentStatus,
    ChangeKind,
    compare_workspaces,
    diff_artifacts,
    format_path,
    unified_diff,
)
from agentcd.core.diff.risk import Risk
from tests.conftest import EXAMPLE

Artifact = dict[str, Any]
Edit = Callable[[Artifact], None]


@cache
def _examples() -> dict[str, Artifact]:
    workspace = load_workspace(WorkTree(EXAMPLE))
    return {a.name: dict(a.artifact) for a in workspace.agents}


def example(name: str) -> Artifact:
    return copy.deepcopy(_examples()[name])


def edited(name: str, edit: Edit) -> tuple[Artifact, Artifact]:
    base = example(name)
    head = copy.deepcopy(base)
    edit(head)
    return base, head


def tool(a: Artifact, name: str) -> dict[str, Any]:
    return next(t for t in a["tools"] if t["name"] == name)


def item(a: Artifact, field: str, name: str) -> dict[str, Any]:
    key = "ref" if field == "subagents" else "name"
    return next(i for i in a[field] if i[key] == name)


SIDE_EFFECT_TOOL = {"name": "issue_refund", "type": "function", "side_effects": True}

TRIAGE, REFUND, FAQ = "support-triage", "refund-bot", "faq-bot"
_KINDS = {"+": ChangeKind.ADDED, "-": ChangeKind.REMOVED, "~": ChangeKind.CHANGED}

# (agent, edit, "kind path", risk, reason)
RULES: list[tuple[str, Edit, str, Risk, str]] = [
    # high
    (TRIAGE, lambda a: a["tools"].append({**SIDE_EFFECT_TOOL, "approval": "never"}),
     "+ tools[issue_refund]", Risk.HIGH, "tool with side effects added (approval: never)"),
    (TRIAGE, lambda a: a["tools"].append(SIDE_EFFECT_TOOL),
     "+ tools[issue_refund]", Risk.HIGH, "tool with side effects added (approval unset)"),
    (TRIAGE, lambda a: tool(a, "lookup_order").update(side_effects=True),
     "~ tools[lookup_order].side_effects", Risk.HIGH, "side effects turned on"),
    (REFUND, lambda a: tool(a, "issue_refund").update(approval="never"),
     "~ tools[issue_refund].approval", Risk.HIGH, "approval loosened (always → never)"),
    (REFUND, lambda a: tool(a, "issue_refund").pop("approval"),
     "- tools[issue_refund].approval", Risk.HIGH, "approval loosened (always → unset)"),
    (TRIAGE, lambda a: tool(a, "lookup_order").update(approval="never"),
     "+ tools[lookup_order].approval", Risk.HIGH, "approval loosened (unset → never)"),
    (TRIAGE, lambda a: a["model"].update(id="gpt-5-2025-08-07"),
     "~ model.id", Risk.HIGH, "model pin changed"),
    (TRIAGE, lambda a: a["model"].update(provider="azure"),
     "~ model.provider", Risk.HIGH, "model provider changed"),
    (TRIAGE, lambda a: a["model"]["overrides"].update(bedrock="anthropic.claude-x"),
     "~ model.overrides.bedrock", Risk.HIGH, "per-platform model pin changed"),
    (FAQ, lambda a: a["model"]["overrides"].update(foundry="gpt-4.1"),
     "+ model.overrides.foundry", Risk.HIGH, "per-platform model pin added"),
    (FAQ, lambda a: a.update(knowledge=[]),
     "- knowledge[policies]", Risk.HIGH, "knowledge source removed"),
    (FAQ, lambda a: item(a, "knowledge", "policies").pop("version"),
     "- knowledge[policies].version", Risk.HIGH, "knowledge version unpinned"),
    (FAQ, lambda a: item(a, "knowledge", "policies").update(version="latest"),
     "~ knowledge[policies].version", Risk.HIGH, "knowledge version unpinned"),
    (TRIAGE, lambda a: a.update(guardrails=[]),
     "- guardrails[no_pii_in_answers]", Risk.HIGH, "guardrail removed"),
    (FAQ, lambda a: a["subagents"].append({"ref": "refund-bot", "mode": "handoff"}),
     "+ subagents[refund-bot]", Risk.HIGH, "subagent added"),
    # medium
    (FAQ, lambda a: a.update(instructions=a["instructions"] + "Be brief.\n"),
     "~ instructions", Risk.MEDIUM, "instructions changed"),
    (FAQ, lambda a: a["model"]["parameters"].update(temperature=0.9),
     "~ model.parameters.temperature", Risk.MEDIUM, "model parameter changed"),
    (FAQ, lambda a: a["model"]["parameters"].update(top_p=0.5),
     "+ model.parameters.top_p", Risk.MEDIUM, "model parameter added"),
    (FAQ, lambda a: a["tools"].append({"name": "search", "type": "builtin", "side_effects": False}),
     "+ tools[search]", Risk.MEDIUM, "tool added without side effects"),
    (REFUND, lambda a: a.update(tools=[tool(a, "issue_refund")]),
     "- tools[crm]", Risk.MEDIUM, "tool removed"),
    (REFUND, lambda a: tool(a, "issue_refund")["input_schema"]["properties"]["amount_eur"].update(
            maximum=5000
        ),
     "~ tools[issue_refund].input_schema.properties.amount_eur.maximum",
     Risk.MEDIUM, "tool input_schema changed"),
    (TRIAGE, lambda a: tool(a, "lookup_order").update(spec="openapi: 3.1.0\n"),
     "~ tools[lookup_order].spec", Risk.MEDIUM, "tool spec changed"),
    (TRIAGE, lambda a: tool(a, "lookup_order").update(binding="orders_v2"),
     "~ tools[lookup_order].binding", Risk.MEDIUM, "tool binding changed"),
    (TRIAGE, lambda a: tool(a, "route_ticket").update(type="mcp"),
     "~ tools[route_ticket].type", Risk.MEDIUM, "tool type changed"),
    (REFUND, lambda a: tool(a, "crm")["allowed_tools"].append("refund"),
     "~ tools[crm].allowed_tools", Risk.MEDIUM, "tool allowed_tools changed"),
    (TRIAGE, lambda a: tool(a, "route_ticket").update(approval="always"),
     "~ tools[route_ticket].approval", Risk.MEDIUM, "approval tightened (never → always)"),
    (REFUND, lambda a: tool(a, "issue_refund").update(side_effects=False),
     "~ tools[issue_refund].side_effects", Risk.MEDIUM, "side effects declaration changed"),
    (FAQ, lambda a: item(a, "knowledge", "policies").update(version="2026-11-01"),
     "~ knowledge[policies].version", Risk.MEDIUM, "knowledge version changed"),
    (FAQ, lambda a: a["knowledge"].append({"name": "faq", "type": "files"}),
     "+ knowledge[faq]", Risk.MEDIUM, "knowledge source added"),
    (TRIAGE, lambda a: a["runtime"].update(version="==0.5.0"),
     "~ runtime.version", Risk.MEDIUM, "runtime changed"),
    (FAQ, lambda a: a["guardrails"].append({"name": "tone", "type": "policy", "config": {}}),
     "+ guardrails[tone]", Risk.MEDIUM, "guardrail added"),
    (TRIAGE, lambda a: a.update(subagents=[]),
     "- subagents[refund-bot]", Risk.MEDIUM, "subagent removed"),
    (TRIAGE, lambda a: item(a, "subagents", "refund-bot").update(mode="tool"),
     "~ subagents[refund-bot].mode", Risk.MEDIUM, "subagent mode changed"),
    (REFUND, lambda a: a.update(skills=[]),
     "- skills[refund-policy]", Risk.MEDIUM, "skill removed"),
    (FAQ, lambda a: a["skills"].append({"name": "tone", "files": {"SKILL.md": "Be kind.\n"}}),
     "+ skills[tone]", Risk.MEDIUM, "skill added"),
    (REFUND, lambda a: item(a, "skills", "refund-policy")["files"].update({"SKILL.md": "x\n"}),
     "~ skills[refund-policy].files[SKILL.md]", Risk.MEDIUM, "skill file changed"),
    (REFUND, lambda a: item(a, "skills", "refund-policy")["files"].update({"ref/a.md": "y\n"}),
     "+ skills[refund-policy].files[ref/a.md]", Risk.MEDIUM, "skill file added"),
    # low
    (FAQ, lambda a: a["metadata"].update(description="FAQ"),
     "~ metadata.description", Risk.LOW, "description changed"),
    (FAQ, lambda a: a["metadata"]["owners"].append("team-web"),
     "~ metadata.owners", Risk.LOW, "owners changed"),
    (TRIAGE, lambda a: a["metadata"]["labels"].update(tier="internal"),
     "~ metadata.labels.tier", Risk.LOW, "labels changed"),
    (TRIAGE, lambda a: tool(a, "lookup_order").update(description="Find an order."),
     "~ tools[lookup_order].description", Risk.LOW, "tool description changed"),
    (TRIAGE, lambda a: item(a, "knowledge", "policies").update(description="x"),
     "~ knowledge[policies].description", Risk.LOW, "knowledge description changed"),
]  # fmt: skip


@pytest.mark.parametrize(("agent", "edit", "where", "risk", "reason"), RULES)
def test_risk_rules(agent: str, edit: Edit, where: str, risk: Risk, reason: str) -> None:
    base, head = edited(agent, edit)
    (change,) = diff_artifacts(base, head)
    mark, path = where.split(" ", 1)
    assert (change.kind, change.path, change.risk, change.reason) == (
        _KINDS[mark],
        path,
        risk,
        reason,
    )


def test_added_tool_is_one_record_carrying_the_whole_tool() -> None:
    new = {"name": "issue_refund", "type": "mcp", "binding": "crm", "side_effects": True}
    base, head = edited("support-triage", lambda a: a["tools"].insert(0, new))
    (change,) = diff_artifacts(base, head)
    assert change.keys == ("tools", "issue_refund")
    assert (change.before, change.after) == (None, {**new})


@pytest.mark.parametrize(
    "edit",
    [
        lambda a: a["tools"].reverse(),
        lambda a: a["skills"].reverse(),
        lambda a: a["metadata"]["owners"].reverse(),
        lambda a: a["model"]["parameters"].update(temperature=0.2, max_output_tokens=800.0),
        lambda a: a.update(dict(reversed(list(a.items())))),
    ],
    ids=["tool order", "skill order", "owner order", "800 vs 800.0", "key order"],
)
def test_set_order_and_number_form_are_not_changes(edit: Edit) -> None:
    base, head = edited("support-triage", edit)
    assert diff_artifacts(base, head) == ()
    assert artifact_digest(canonicalize(base)) == artifact_digest(canonicalize(head))


def test_tools_are_matched_by_name_not_position() -> None:
    def edit(a: Artifact) -> None:
        a["tools"].insert(0, {"name": "aaa_first", "type": "builtin", "side_effects": False})
        tool(a, "route_ticket")["description"] = "Queue it."

    base, head = edited("support-triage", edit)
    paths = [c.path for c in diff_artifacts(base, head)]
    assert paths == ["tools[aaa_first]", "tools[route_ticket].description"]


def test_renamed_tool_is_one_removal_and_one_addition() -> None:
    base, head = edited("support-triage", lambda a: tool(a, "lookup_order").update(name="find"))
    changes = {(c.kind, c.path) for c in diff_artifacts(base, head)}
    assert changes == {
        (ChangeKind.REMOVED, "tools[lookup_order]"),
        (ChangeKind.ADDED, "tools[find]"),
    }


@pytest.mark.parametrize(
    ("before", "after"),
    [(0, "0"), (0, False), (1, True), ("1", 1), (None, 0), ([0.5], 0.5), ({"a": 1}, [1])],
)
def test_type_changes_are_changes(before: Any, after: Any) -> None:
    base = example("faq-bot")
    base["model"]["parameters"]["x"] = before
    head = copy.deepcopy(base)
    head["model"]["parameters"]["x"] = after
    (change,) = diff_artifacts(base, head)
    assert change.path == "model.parameters.x"
    assert (change.before, change.after) == (before, after)
    assert type(change.after) is type(after)


def test_ordered_lists_compare_whole_and_in_order() -> None:
    base = example("faq-bot")
    base["model"]["parameters"]["stop"] = ["END", "STOP"]
    head = copy.deepcopy(base)
    head["model"]["parameters"]["stop"] = ["STOP", "END"]
    (change,) = diff_artifacts(base, head)
    assert change.path == "model.parameters.stop"
    assert change.after == ["STOP", "END"]


def test_changes_sorted_by_risk_then_path() -> None:
    def edit(a: Artifact) -> None:
        a["metadata"]["description"] = "x"
        a["instructions"] += "More.\n"
        a["model"]["id"] = "gpt-5-2025-08-07"
        a["model"]["parameters"]["temperature"] = 1
        tool(a, "route_ticket")["side_effects"] = False
        a["guardrails"] = []

    base, head = edited("support-triage", edit)
    assert [(c.risk, c.path) for c in diff_artifacts(base, head)] == [
        (Risk.HIGH, "guardrails[no_pii_in_answers]"),
        (Risk.HIGH, "model.id"),
        (Risk.MEDIUM, "instructions"),
        (Risk.MEDIUM, "model.parameters.temperature"),
        (Risk.MEDIUM, "tools[route_ticket].side_effects"),
        (Risk.LOW, "metadata.description"),
    ]


def test_text_changes_carry_a_unified_diff() -> None:
    lines = [f"line {i}\n" for i in range(20)]
    base = example("faq-bot")
    base["instructions"] = "".join(lines)
    head = copy.deepcopy(base)
    head["instructions"] = "".join([*lines[:10], "new line\n", *lines[11:], "tail\n"])
    (change,) = diff_artifacts(base, head)
    assert change.text_diff is not None
    assert (change.text_diff.added, change.text_diff.removed) == (2, 1)
    assert change.text_diff.unified.splitlines() == [
        "@@ -8,7 +8,7 @@", " line 7", " line 8", " line 9", "-line 10", "+new line",
        " line 11", " line 12", " line 13",
        "@@ -18,3 +18,4 @@", " line 17", " line 18", " line 19", "+tail",
    ]  # fmt: skip


def test_non_text_changes_carry_no_text_diff() -> None:
    base, head = edited("faq-bot", lambda a: a["metadata"].update(description="x"))
    assert diff_artifacts(base, head)[0].text_diff is None


@pytest.mark.parametrize(
    ("before", "after", "added", "removed"),
    [("", "a\n", 1, 0), ("a\n", "", 0, 1), ("a\nb\n", "a\nc\n", 1, 1), ("a\n", "a\n", 0, 0)],
)
def test_unified_diff_counts(before: str, after: str, added: int, removed: int) -> None:
    diff = unified_diff(before, after)
    assert (diff.added, diff.removed) == (added, removed)


@pytest.mark.parametrize(
    ("keys", "path"),
    [
        (("instructions",), "instructions"),
        (("tools", "issue_refund", "approval"), "tools[issue_refund].approval"),
        (("skills", "refund-policy", "files", "SKILL.md"), "skills[refund-policy].files[SKILL.md]"),
        (("model", "parameters", "max output"), "model.parameters[max output]"),
        (("subagents", "refund-bot"), "subagents[refund-bot]"),
        ((), "(artifact)"),
    ],
)
def test_format_path(keys: tuple[str, ...], path: str) -> None:
    assert format_path(keys) == path


# ---------------------------------------------------------------- agents


def snapshot(artifact: Artifact, digest: str | None = None):  # type: ignore[no-untyped-def]
    bundle = make_bundle(name=artifact["metadata"]["name"], artifact=artifact, commit=None, path="")
    if digest is not None:
        object.__setattr__(bundle, "digest", digest)
    return bundle


def test_compare_workspaces_statuses() -> None:
    faq, refund, triage = (example(n) for n in ("faq-bot", "refund-bot", "support-triage"))
    faq2 = copy.deepcopy(faq)
    faq2["instructions"] += "More.\n"
    result = compare_workspaces(
        [snapshot(faq), snapshot(refund)], [snapshot(faq2), snapshot(triage), snapshot(refund)]
    )
    assert [(a.name, a.status) for a in result] == [
        ("faq-bot", AgentStatus.CHANGED),
        ("refund-bot", AgentStatus.UNCHANGED),
        ("support-triage", AgentStatus.ADDED),
    ]
    assert [c.path for c in result[0].changes] == ["instructions"]
    assert result[1].changes == () and result[1].risk is None
    assert result[2].risk is Risk.HIGH  # route_ticket has side effects
    assert result[2].reason == "new agent with side-effect tools (route_ticket)"


def test_removed_agent() -> None:
    (result,) = compare_workspaces([snapshot(example("faq-bot"))], [])
    assert (result.status, result.head_digest, result.risk) == (
        AgentStatus.REMOVED,
        None,
        Risk.MEDIUM,
    )


def test_new_agent_without_side_effects_is_medium() -> None:
    (result,) = compare_workspaces([], [snapshot(example("faq-bot"))])
    assert (result.status, result.risk) == (AgentStatus.ADDED, Risk.MEDIUM)


def test_equal_digests_are_not_diffed() -> None:
    faq = example("faq-bot")
    other = copy.deepcopy(faq)
    other["instructions"] = "different\n"
    (result,) = compare_workspaces([snapshot(faq)], [snapshot(other, digest=snapshot(faq).digest)])
    assert result.status is AgentStatus.UNCHANGED
    assert result.changes == ()


# ---------------------------------------------------------------- property


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([0.5, 1.0, 2.0, -0.0, 0.1 + 0.2, 0.3]),
    st.sampled_from(["", "0", "1", "true", "never", "always", "latest", "x\n", "x"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abc"), inner),
    max_leaves=6,
)


def _twins(value: bool | int | float | str) -> list[Any]:
    """Values equal or alike in Python or in text, but not in JSON: 1, 1.0, True, "1"."""
    if isinstance(value, bool):
        return [int(value), str(value).lower(), float(value)]
    if isinstance(value, int | float):
        return [str(value), float(value), int(value), *([bool(value)] if value in (0, 1) else [])]
    return [value.upper(), value + " ", *([int(value)] if value.isdigit() else []), value or None]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[Artifact, Artifact]:
    base = example(draw(st.sampled_from(sorted(_examples()))))
    head = copy.deepcopy(base)
    for _ in range(draw(st.integers(0, 3))):
        action = draw(st.sampled_from(["replace", "twin", "delete", "add", "reorder", "same"]))
        kind = {"add": dict, "reorder": list, "twin": bool | int | float | str}.get(action, object)
        paths = [p for p in _paths(head)[1:] if isinstance(_get(head, p), kind)]
        if not paths:
            continue
        path = draw(st.sampled_from(paths))
        parent, key = _get(head, path[:-1]), path[-1]
        if action == "replace":
            parent[key] = draw(VALUES)
        elif action == "twin":
            parent[key] = draw(st.sampled_from(_twins(parent[key])))
        elif action == "delete" and isinstance(parent, dict):
            del parent[key]
        elif action == "add":
            parent[key][draw(st.sampled_from(["x", "name", "side_effects"]))] = draw(VALUES)
        elif action == "reorder":
            parent[key] = draw(st.permutations(parent[key]))
        elif action == "same":
            parent[key] = copy.deepcopy(parent[key])
    return base, head


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_changes_empty_exactly_when_digests_equal(pair: tuple[Artifact, Artifact]) -> None:
    base, head = pair
    try:
        digests = [artifact_digest(canonicalize(copy.deepcopy(a))) for a in (base, head)]
    except (KeyError, TypeError, ValueError, AttributeError):
        assume(False)  # no longer artifact-shaped: no digest to compare against
        return
    changes = diff_artifacts(base, head)
    assert (changes == ()) == (digests[0] == digests[1]), changes
    assert len({c.path for c in changes}) == len(changes)
