"""The terminal and CI-log rules: controls shown, no workflow command, JSON kept valid."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentcd.render.inert import log, terminal
from tests.render.sinks import github_commands, log_problems, terminal_problems


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain\twords\n", "plain\twords\n"),
        ("\x1b[31mred", "\\u001b[31mred"),
        ("\x1b]52;c;aGk=\x07", "\\u001b]52;c;aGk=\\u0007"),  # OSC 52 writes the clipboard
        ("\x9b2J \x9d8;;x\x9c", "\\u009b2J \\u009d8;;x\\u009c"),  # C1 CSI and OSC
        ("over\rwrite", "over\\u000dwrite"),
        ("nel\x85 del\x7f nul\x00", "nel\\u0085 del\\u007f nul\\u0000"),
        ("é → ✅", "é → ✅"),
    ],
)
def test_terminal_shows_controls_as_escapes(text: str, shown: str) -> None:
    assert terminal(text) == shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("error: a: b", "error: a: b"),
        ("::warning::x", "\\u003a:warning::x"),
        ("key\n  ::stop-commands::t\n", "key\n  \\u003a:stop-commands::t\n"),
        ("a\r::error::e", "a\\u000d::error::e"),  # the runner ends a line at CR too
        ("text ##[warning]w", "text ##\\u005bwarning]w"),  # the old syntax acts mid-line
        ("\x1b[0Ksection_start:1:s\r\x1b[0K", "\\u001b[0Ksection_start:1:s\\u000d\\u001b[0K"),
        ("a :: b\nc::d", "a :: b\nc::d"),  # only a line's start counts
    ],
)
def test_log_lines_cannot_be_commands(text: str, shown: str) -> None:
    assert log(text) == shown
    assert log_problems(log(text)) == []


@given(st.text())
def test_log_is_inert_and_idempotent(text: str) -> None:
    shown = log(text)
    assert log_problems(shown) == [] and terminal_problems(terminal(text)) == []
    assert log(shown) == shown


@given(
    st.recursive(
        st.text() | st.integers(), lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner)
    )
)
def test_log_keeps_json_valid_with_the_same_values(value: object) -> None:
    for ensure_ascii in (True, False):
        text = json.dumps({"v": value}, indent=2, ensure_ascii=ensure_ascii)
        assert json.loads(log(text)) == {"v": value}


def test_the_runner_model_obeys_what_github_would() -> None:
    log_text = (
        "::warning::a\n  ::error::b\r##[notice]c\n::stop-commands::t\n::error::d\n::t::\n::e::f"
    )
    assert github_commands(log_text) == ["warning", "error", "notice", "stop-commands", "t", "e"]
