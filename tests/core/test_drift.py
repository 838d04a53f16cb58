"""Drift: provenance and content detectors, three states, field-by-field differences."""

from __future__ import annotations

from typing import Any

import pytest

from agentcd.core.deploy.drift import (
    Difference,
    DriftKind,
    DriftState,
    LiveState,
    Presence,
    assess,
    config_digest,
    diff_configs,
)
from agentcd.core.deploy.ledger import Deployment
from tests.core.ledger_records import dep, digest

APPROVED = {
    "agent": {"instructions": "Be kind.\n", "tools": [{"name": "x", "side_effects": False}]},
    "bindings": {"api": "https://api.example.com"},
}
HAND_EDITED = {
    "agent": {"instructions": "Be rude.\n", "tools": [{"name": "x", "side_effects": True}]},
    "bindings": {"api": "https://api.example.com"},
}


def deployed(seq: int, letter: str, version: str) -> Deployment:
    return dep(
        seq, letter, config_digest=config_digest(APPROVED), platform_versions={"version": version}
    )


CURRENT = deployed(2, "b", "7")
RECORDED = (deployed(1, "a", "6"), CURRENT)


def live(
    config: Any = APPROVED, digest_: str | None = digest("B"), version: str = "7"
) -> LiveState:
    return LiveState(Presence.PRESENT, config=config, deployment_digest=digest_, version=version)


def check(state: LiveState, expected: Deployment | None = CURRENT) -> Any:
    return assess(
        agent="a",
        environment="prod",
        expected=expected,
        live=state,
        recorded=RECORDED,
        approved=APPROVED,
    )


@pytest.mark.parametrize(
    ("state", "expected", "result", "kinds", "reasons"),
    [
        (live(), CURRENT, DriftState.IN_SYNC, (), ()),
        (
            live(HAND_EDITED),
            CURRENT,
            DriftState.DRIFTED,
            (DriftKind.CONTENT,),
            ("changed on the platform: agent.instructions, agent.tools[x].side_effects",),
        ),
        (
            live(digest_=digest("Z")),
            CURRENT,
            DriftState.DRIFTED,
            (DriftKind.PROVENANCE,),
            ("runs ZZZZZZZZZZZZ, which the ledger never recorded",),
        ),
        (
            live(digest_=None),
            CURRENT,
            DriftState.DRIFTED,
            (DriftKind.PROVENANCE,),
            ("runs no digest, which the ledger never recorded",),
        ),
        (
            live(digest_=digest("A")),
            CURRENT,
            DriftState.DRIFTED,
            (DriftKind.PROVENANCE,),
            ("runs #1's deployment, the ledger says #2",),
        ),
        (
            live(version="99"),
            CURRENT,
            DriftState.DRIFTED,
            (DriftKind.PROVENANCE,),
            ("runs version 99, which the ledger never recorded",),
        ),
        (
            live(HAND_EDITED, digest_=digest("Z")),
            CURRENT,
            DriftState.DRIFTED,
            (DriftKind.PROVENANCE, DriftKind.CONTENT),
            (
                "runs ZZZZZZZZZZZZ, which the ledger never recorded",
                "changed on the platform: agent.instructions, agent.tools[x].side_effects",
            ),
        ),
        (
            LiveState(Presence.ABSENT),
            CURRENT,
            DriftState.DRIFTED,
            (DriftKind.PROVENANCE,),
            ("nothing runs, the ledger says #2 should",),
        ),
        (LiveState(Presence.ABSENT), None, DriftState.NOT_DEPLOYED, (), ()),
        (
            live(),
            None,
            DriftState.DRIFTED,
            (DriftKind.PROVENANCE,),
            ("runs something the ledger never recorded here",),
        ),
        (
            LiveState(Presence.UNREADABLE, detail="prod/a.json: not JSON"),
            CURRENT,
            DriftState.UNKNOWN,
            (),
            ("prod/a.json: not JSON",),
        ),
        (LiveState(Presence.UNREADABLE, detail="x"), None, DriftState.UNKNOWN, (), ("x",)),
    ],
)
def test_drift_states(
    state: LiveState,
    expected: Deployment | None,
    result: DriftState,
    kinds: tuple[DriftKind, ...],
    reasons: tuple[str, ...],
) -> None:
    found = check(state, expected)
    assert (found.state, found.kinds, found.reasons) == (result, kinds, reasons)


def test_content_drift_lists_each_field() -> None:
    found = check(live(HAND_EDITED))
    assert found.differences == (
        Difference("agent.instructions", "Be kind.\n", "Be rude.\n", at=3),
        Difference("agent.tools[x].side_effects", False, True),
    )


def test_content_drift_without_the_approved_config_still_drifts() -> None:
    found = assess(
        agent="a",
        environment="prod",
        expected=CURRENT,
        live=live(HAND_EDITED),
        recorded=RECORDED,
        approved=None,
    )
    assert found.state is DriftState.DRIFTED
    assert found.reasons == ("the live configuration differs from the approved one",)


@pytest.mark.parametrize(
    ("approved", "live_config", "paths"),
    [
        ({"a": 1}, {"a": 1}, []),
        ({"a": 1}, {"a": "1"}, ["a"]),  # a type change is a change
        ({"a": 1}, {"a": 1.5}, ["a"]),
        ({"a": 1}, {}, ["a"]),
        ({}, {"b": {"c": 1}}, ["b"]),
        (
            {"t": [{"name": "x"}, {"name": "y", "v": 1}]},
            {"t": [{"name": "y", "v": 2}, {"name": "x"}]},
            ["t[y].v"],
        ),  # by name, not position
        ({"t": [{"name": "x"}]}, {"t": []}, ["t[x]"]),
        ({"s": [{"ref": "b"}]}, {"s": [{"ref": "b"}, {"ref": "c"}]}, ["s[c]"]),
        ({"l": [1, 2]}, {"l": [2, 1]}, ["l[0]", "l[1]"]),  # plain lists keep their order
        ({"l": [1, 2]}, {"l": [1, 2, 3]}, ["l"]),
    ],
)
def test_diff_configs(
    approved: dict[str, Any], live_config: dict[str, Any], paths: list[str]
) -> None:
    assert [d.path for d in diff_configs(approved, live_config)] == paths


def test_a_missing_field_reads_as_none() -> None:
    (only,) = diff_configs({"a": 1}, {})
    assert (only.approved, only.live) == (1, None)


def test_content_is_normalized_only_when_it_differs_as_read() -> None:
    calls: list[object] = []

    def normalize(config: Any) -> Any:
        calls.append(config)
        return {k: v for k, v in config.items() if k != "platform_default"}

    def state(config: Any) -> LiveState:
        return LiveState(
            Presence.PRESENT,
            config=config,
            deployment_digest=digest("B"),
            version="7",
            normalize=normalize,
        )

    assert check(state(APPROVED)).state is DriftState.IN_SYNC
    assert calls == []  # hashed as read: no normalization needed
    assert check(state({**APPROVED, "platform_default": 1})).state is DriftState.IN_SYNC
    assert len(calls) == 1
    assert check(state({**APPROVED, "other": 1})).state is DriftState.DRIFTED
