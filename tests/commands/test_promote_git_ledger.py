"""`agentcd promote` with `ledger: {backend: git}` when the remote cannot be reached."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.commands.deploying import use_git_ledger
from tests.conftest import git


def test_an_unreachable_remote_is_an_error_naming_it_without_credentials(
    cli: Any, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_git_ledger(repo, monkeypatch)
    git(repo, "remote", "set-url", "origin", "https://ci:s3cret@127.0.0.1:9/octo/app.git")
    monkeypatch.chdir(repo)

    result = cli("promote", "--env", "dev")

    assert result.code == 1
    assert result.err.startswith(
        "error: reading the ledger: fetching branch agentcd-ledger of origin "
        "(https://***@127.0.0.1:9/octo/app.git): unable to access"
    )
    assert "s3cret" not in result.err and "Traceback" not in result.err
    assert not (repo / ".agentcd" / "deployed").exists()
