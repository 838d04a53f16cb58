"""The Markdown rendering of diff reports: golden files, and safety once rendered to HTML."""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from agentcd.render.diff.markdown import FOLD_LINES, MAX_DIFF_LINES, render_markdown
from agentcd.render.markdown import ZWJ
from tests.render.diff_scenarios import SCENARIOS, changed, environments, hostile, report, triage


def to_html(markdown: str) -> str:
    # GitHub-like: raw HTML allowed (so <details> works), tables on.
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_md_rendering(golden, name: str) -> None:
    golden(f"diff/{name}.md", render_markdown(SCENARIOS[name]()))


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_details_balanced_and_fences_closed(name: str) -> None:
    markdown = render_markdown(SCENARIOS[name]())
    html = to_html(markdown)
    assert html.count("<details>") == html.count("</details>")
    tokens = MarkdownIt("commonmark", {"html": True}).parse(markdown)
    fences = [t for t in tokens if t.type == "fence"]
    assert all(t.info == "diff" for t in fences)
    lines = markdown.split("\n")
    for token in fences:  # an unclosed fence runs to the end without its closing line
        assert token.map is not None
        assert lines[token.map[1] - 1] == token.markup, token.content
    report = SCENARIOS[name]()
    sections = 2 if report.environments else 0  # bindings, live state
    changed = sum(1 for a in report.agents if a.status != "unchanged")
    assert html.count("<h3>") == changed + sections


def test_hostile_text_stays_text() -> None:
    html = to_html(render_markdown(hostile()))
    assert "<script>" not in html
    assert "<b>" not in html
    assert "<img" not in html
    assert "<a href" not in html
    assert "<em>" not in html
    # GitHub links mentions in text only; code spans and blocks never notify.
    prose = re.sub(r"<code[^>]*>.*?</code>", "", html, flags=re.DOTALL)
    assert re.search(r"@(?!\u200d)[A-Za-z]", prose) is None, "a mention would notify someone"
    assert f"@{ZWJ}org/team" in prose


def test_hostile_fence_and_details_inside_instructions_stay_in_the_diff() -> None:
    tokens = MarkdownIt("commonmark", {"html": True}).parse(render_markdown(hostile()))
    diff = next(t for t in tokens if t.type == "fence")
    assert diff.content.startswith("@@ -1,10 +1,11 @@\n+<script>")
    assert "+```" in diff.content
    assert "+</details>" in diff.content
    assert "+````js" in diff.content


def _long_report(lines: int):  # type: ignore[no-untyped-def]
    text = "".join(f"line {i}\n" for i in range(lines))
    return report(
        [changed(triage(), lambda a: a.update(instructions=""))],
        [changed(triage(), lambda a: a.update(instructions=text))],
    )


@pytest.mark.parametrize(
    ("lines", "folded"),
    [(1, False), (FOLD_LINES - 1, False), (FOLD_LINES + 5, True)],
)
def test_long_text_diffs_fold(lines: int, folded: bool) -> None:
    markdown = render_markdown(_long_report(lines))
    assert ("<details>" in markdown) is folded


def test_very_long_text_diffs_are_cut_with_a_note() -> None:
    markdown = render_markdown(_long_report(MAX_DIFF_LINES + 50))
    (diff,) = [t for t in MarkdownIt("commonmark").parse(markdown) if t.type == "fence"]
    assert len(diff.content.splitlines()) == MAX_DIFF_LINES
    assert "51 more lines" in markdown


def test_binding_values_stay_in_their_table_cells() -> None:
    html = to_html(render_markdown(environments()))
    table = html[html.index("<h3>Bindings") : html.index("<h3>Live state")]
    rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.DOTALL)
    cells = [re.findall(r"<t[dh]>(.*?)</t[dh]>", row) for row in rows]
    assert all(len(row) == 4 for row in cells), "a `|` in a value must not split its cell"
    assert cells[1][2] == "<em>(unset)</em>"
    assert cells[2][3] == "<code>&quot;https://orders.test.example.com/?q=a|b&quot;</code>"


def test_live_state_warns_about_drifted_and_unknown_only() -> None:
    markdown = render_markdown(environments())
    live = markdown[markdown.index("### Live state") :]
    callout = [line for line in live.splitlines() if line.startswith("> - ")]
    assert [line.split(" is ")[0] for line in callout] == [
        "> - `prod`: `support-triage`",
        "> - `test`: `refund-bot`",
    ]
    assert "unknown — its live state could not be read" in callout[1]
    assert "in sync" not in callout[1]
    order = [markdown.index(h) for h in ("### support-triage", "### Bindings", "### Live state")]
    assert order == sorted(order), "artifact changes first, then bindings, then live state"
