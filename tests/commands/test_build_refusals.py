"""`agentcd build` on broken definitions: exit 1, the loader's exact message, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.refusal_cases import REFUSALS, Refusal, copy_example


@pytest.mark.parametrize("case", REFUSALS, ids=lambda c: c.id)
def test_build_refuses_with_exit_1_and_the_message(cli, case: Refusal, tmp_path: Path) -> None:
    project = copy_example(tmp_path / "project")
    case.edit(project)
    result = cli("build", cwd=project)
    assert result.code == 1, result
    assert result.err == f"error: {case.message.format(root=project)}\n"
    assert result.out == ""


def test_build_in_a_missing_folder_is_an_error_not_a_bug(cli, tmp_path: Path) -> None:
    result = cli("-C", str(tmp_path / "nowhere"), "build")
    assert result.code == 1, result
    missing = (tmp_path / "nowhere").resolve()
    assert result.err == f"error: reading the working tree: {missing} is not a folder\n"
