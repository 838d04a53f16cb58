"""Markdown of audit and drift: user text escaped, tables intact, <details> balanced."""

from __future__ import annotations

from datetime import UTC, datetime

from markdown_it import MarkdownIt

from agentcd.core.deploy.drift import AgentDrift, Difference, DriftKind, DriftState
from agentcd.render.deploy.audit import render_markdown as audit_md
from agentcd.render.deploy.drift import render_markdown as drift_md
from agentcd.render.markdown import ZWJ
from tests.conftest import ROOT
from tests.core.ledger_records import dep

HOSTILE = "@org/admins <script>alert(1)</script> | `x` **bold**"


def html(text: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(text)


def test_audit_escapes_user_text() -> None:
    record = dep(1, "a", actor=HOSTILE, approvers=(HOSTILE,), note=HOSTILE, ref="refs/heads/`x`")
    text = audit_md("prod", [record], datetime(2026, 1, 1, tzinfo=UTC))
    rendered = html(text)
    assert "<script>" not in rendered
    assert "@org" not in text and f"@{ZWJ}org" in text  # nobody gets pinged
    table_rows = [line for line in text.splitlines() if line.startswith("| 1 |")]
    assert (
        len(table_rows) == 1 and table_rows[0].count(" | ") == 10
    )  # the pipe did not split a cell


def test_drift_differences_keep_the_table_and_details_balanced() -> None:
    item = AgentDrift(
        agent="a",
        environment="prod",
        state=DriftState.DRIFTED,
        kinds=(DriftKind.CONTENT,),
        reasons=(HOSTILE,),
        differences=(Difference("agent.instructions", "a | b", "```\n<b>x</b>"),),
        more_differences=3,
        expected=dep(1, "a"),
        live_digest=None,
        live_version=None,
    )
    text = drift_md([item])
    rendered = html(text)
    assert rendered.count("<details>") == rendered.count("</details>") == 1
    assert "<b>x</b>" not in rendered and "<script>" not in rendered
    assert rendered.count("<tr>") == 2 + 3  # two tables: header + one row, header + row + "more"


def test_the_golden_markdown_renders_cleanly() -> None:
    for name in ("drift.md", "audit-dev.md"):
        rendered = html((ROOT / "tests" / "golden" / "promotion" / name).read_text())
        assert rendered.count("<details>") == rendered.count("</details>")
        assert "<table>" in rendered
