"""The hidden marker: exact rendering, round trip, and refusal of anything malformed."""

from __future__ import annotations

import pytest

from agentcd.core.review.marker import (
    COMMENT_CAP,
    GITHUB_COMMENT_LIMIT,
    GITLAB_NOTE_LIMIT,
    Marker,
    body_after_marker,
    parse_marker,
    with_marker,
)

HEAD = "9f3c2e1" + "0" * 33


def test_renders_compact_json_in_a_fixed_order() -> None:
    assert Marker("plan", 42, HEAD, run=812).render() == (
        f'<!-- agentcd:plan {{"v":1,"pr":42,"head":"{HEAD}","run":812}} -->'
    )
    assert Marker("drift", 3, "9f3c2e1", env="prod").render() == (
        '<!-- agentcd:drift {"v":1,"pr":3,"env":"prod","head":"9f3c2e1","run":0} -->'
    )


@pytest.mark.parametrize(
    "marker",
    [Marker("plan", 42, HEAD, run=812), Marker("drift-report", 1, "abc1234", 0, "eu-prod.1")],
)
def test_round_trips(marker: Marker) -> None:
    text = with_marker(marker, "## body\n<!-- agentcd:plan forged -->")
    assert parse_marker(text) == marker
    assert body_after_marker(text) == "## body\n<!-- agentcd:plan forged -->"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no marker here",
        "## plan\n" + Marker("plan", 42, HEAD).render(),  # not on the first line
        '<!-- agentcd:plan {"v":2,"pr":42,"head":"abc1234"} -->',
        '<!-- agentcd:plan {"v":1,"pr":"42","head":"abc1234"} -->',
        '<!-- agentcd:plan {"v":1,"pr":true,"head":"abc1234"} -->',
        '<!-- agentcd:plan {"v":1,"pr":42,"head":"not-a-sha"} -->',
        '<!-- agentcd:plan {"v":1,"pr":42} -->',
        '<!-- agentcd:plan {"v":1,"pr":42,"head":"abc1234",} -->',
        '<!-- agentcd:Plan {"v":1,"pr":42,"head":"abc1234"} -->',
        ' <!-- agentcd:plan {"v":1,"pr":42,"head":"abc1234"} -->',
    ],
)
def test_rejects_what_is_not_our_marker(text: str) -> None:
    assert parse_marker(text) is None


def test_accepts_a_crlf_first_line() -> None:
    text = Marker("plan", 42, HEAD).render() + "\r\nbody"
    assert parse_marker(text) == Marker("plan", 42, HEAD)


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "plan x"},
        {"kind": "plan", "env": "prod -->"},
        {"kind": "plan", "head": "9F3C2E1"},
        {"kind": "plan", "change": 0},
        {"kind": "plan", "run": -1},
    ],
)
def test_cannot_build_a_marker_that_would_break_out(fields: dict[str, object]) -> None:
    values: dict[str, object] = {"change": 1, "head": "abc1234", **fields}
    with pytest.raises(ValueError):
        Marker(**values)  # type: ignore[arg-type]


def test_our_cap_is_well_below_both_hosts() -> None:
    assert 0.95 * min(GITHUB_COMMENT_LIMIT, GITLAB_NOTE_LIMIT) >= COMMENT_CAP
