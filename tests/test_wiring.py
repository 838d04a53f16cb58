"""Which credentials the git ledger hands to git, by CI host."""

from __future__ import annotations

import pytest

from agentcd.adapters.environ import detect_ci
from agentcd.adapters.ledger.gitbranch import Credentials
from agentcd.wiring import git_credentials


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        (
            {"GITHUB_ACTIONS": "true", "GITHUB_TOKEN": "ghs_abc"},
            Credentials("x-access-token", "ghs_abc"),
        ),
        (
            {"GITLAB_CI": "true", "AGENTCD_GITLAB_TOKEN": "glpat-abc", "CI_JOB_TOKEN": "job"},
            Credentials("oauth2", "glpat-abc"),
        ),
        ({"GITLAB_CI": "true", "CI_JOB_TOKEN": "job"}, None),  # the checkout's URL carries it
        ({"GITHUB_ACTIONS": "true"}, None),
        ({"GITHUB_TOKEN": "ghp_local"}, None),  # outside CI: the user's own git setup
    ],
)
def test_git_ledger_credentials(environ: dict[str, str], expected: Credentials | None) -> None:
    assert git_credentials(detect_ci(environ)) == expected
