"""The terminal rendering of diff reports, against golden files."""

from __future__ import annotations

import pytest

from agentcd.render.diff_text import render_text
from tests.render.diff_scenarios import SCENARIOS, changed, report, triage


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_text_rendering(golden, name: str) -> None:
    golden(f"diff/{name}.txt", render_text(SCENARIOS[name]()))


def test_terminal_escapes_in_user_text_are_made_visible() -> None:
    def edit(a: dict) -> None:
        a["instructions"] += "\x1b[2Jcleared\n"
        a["metadata"]["description"] = "\x1b]8;;https://x.invalid\x07link"

    out = render_text(report([triage()], [changed(triage(), edit)]))
    assert "\x1b" not in out and "\x07" not in out
    assert "+\\x1b[2Jcleared" in out
