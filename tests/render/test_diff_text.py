"""The terminal rendering of diff reports, against golden files."""

from __future__ import annotations

from dataclasses import replace

import pytest

from agentcd.core.deploy.drift import DriftState
from agentcd.core.diff.environments import EnvironmentSide, LiveNote, compare_environments
from agentcd.render.diff.text import render_text
from tests.render.diff_scenarios import SCENARIOS, changed, faq_bot, report, triage


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_text_rendering(golden, name: str) -> None:
    golden(f"diff/{name}.txt", render_text(SCENARIOS[name]()))


def test_terminal_escapes_in_user_text_are_made_visible() -> None:
    def edit(a: dict) -> None:
        a["instructions"] += "\x1b[2Jcleared\n"
        a["metadata"]["description"] = "\x1b]8;;https://x.invalid\x07link"

    out = render_text(report([triage()], [changed(triage(), edit)]))
    assert "\x1b" not in out and "\x07" not in out
    assert "+\\u001b[2Jcleared" in out


@pytest.mark.parametrize(
    ("test_agents", "bindings_line", "test_line"),
    [
        (
            ("faq-bot",),
            "Every agent deployed in both has the same binding values in test and prod.",
            "test: in sync: faq-bot",
        ),
        (
            (),
            "No agent is deployed in both test and prod.",
            "test: no agent is deployed or running",
        ),
    ],
)
def test_environments_without_binding_differences(
    test_agents: tuple[str, ...], bindings_line: str, test_line: str
) -> None:
    def env(name: str, agents: tuple[str, ...]) -> EnvironmentSide:
        return EnvironmentSide(name, tuple(LiveNote(a, DriftState.IN_SYNC) for a in agents))

    values = {"policies_kb": "kb-shared"}
    comparison = compare_environments(
        env("test", test_agents),
        env("prod", ("faq-bot",)),
        base_bindings={a: values for a in test_agents},
        head_bindings={"faq-bot": values},
    )
    base = [faq_bot()] if test_agents else []
    out = render_text(replace(report(base, [faq_bot()]), environments=comparison))
    assert out.endswith(
        "\n"
        "bindings (expected to differ per environment): test → prod\n"
        f"  {bindings_line}\n"
        "\n"
        "live state\n"
        f"  {test_line}\n"
        "  prod: in sync: faq-bot\n"
    ), out


def test_without_environments_there_are_no_environment_sections() -> None:
    out = render_text(report([triage()], [triage()]))
    assert "bindings" not in out and "live state" not in out
