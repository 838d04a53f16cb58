"""The alias-bomb benchmark's files do what it says: the bombs are refused, the honest ones built.

Not a timing test: it checks that the benchmark measures refusals and builds of the kinds it
names (and that the honest files stay within the limits they are meant to approach).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bench.alias_bomb import AGENT, CASES, EXAMPLE, Case, honest_aliased

from agentcd.core.definition.parse import MAX_EXPANDED_BYTES
from agentcd.core.definition.tree import MAX_FILE_BYTES

BOMB_MESSAGES = {
    "string alias bomb": f"{MAX_EXPANDED_BYTES} bytes of text",
    "merge-key bomb": "200000 values",
    "billion laughs": "200000 values",
}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
def test_each_case_exits_as_the_benchmark_expects(cli, case: Case, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".agentcd"))
    text = case.make()
    assert len(text.encode()) <= MAX_FILE_BYTES
    (project / AGENT).write_text(text, encoding="utf-8")
    result = cli("build", "--agent", "faq-bot", "--format", "json", cwd=project)
    assert result.code == case.code, result.err
    if case.code == 1:
        assert f"aliases expand to more than {BOMB_MESSAGES[case.label]}" in result.err


def test_the_honest_aliased_file_comes_close_to_the_limit() -> None:
    anchor = 1_040_000
    assert honest_aliased().count("*a") == 8
    assert 0.99 * MAX_EXPANDED_BYTES < 8 * anchor <= MAX_EXPANDED_BYTES
