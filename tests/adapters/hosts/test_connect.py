"""`connect`: which host a CI job can reach, and that its client library loads only then."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from agentcd.adapters.environ import CiContext
from agentcd.adapters.environ import Host as CiHost
from agentcd.adapters.hosts import connect
from agentcd.adapters.hosts.github import GitHubHost
from agentcd.adapters.hosts.gitlab import GitLabHost

GITHUB_TOKEN = "ghs_" + "a" * 36
GITLAB_TOKEN = "glpat-" + "x" * 20
JOB_TOKEN = "glcbt-64_" + "j" * 20


@pytest.mark.parametrize(
    ("ci", "expected"),
    [
        (CiContext(CiHost.GITHUB, "ana", "octo-org/desk", token=GITHUB_TOKEN), GitHubHost),
        (CiContext(CiHost.GITHUB, "ana", "octo-org/desk"), None),
        (CiContext(CiHost.GITHUB, "ana", token=GITHUB_TOKEN), None),
        (CiContext(CiHost.GITHUB, "ana", "octo-org/desk", job_token=JOB_TOKEN), None),
        (CiContext(CiHost.GITLAB, "pip", "support/desk", token=GITLAB_TOKEN), GitLabHost),
        (CiContext(CiHost.GITLAB, "pip", "support/desk", job_token=JOB_TOKEN), GitLabHost),
        (CiContext(CiHost.GITLAB, "pip", "support/desk"), None),
        (CiContext(CiHost.GITLAB, "pip", token=GITLAB_TOKEN), None),
        (CiContext(CiHost.LOCAL, "me", "octo-org/desk", token=GITHUB_TOKEN), None),
    ],
    ids=[
        "github",
        "github-no-token",
        "github-no-repository",
        "github-job-token-only",
        "gitlab-access-token",
        "gitlab-job-token",
        "gitlab-no-token",
        "gitlab-no-project",
        "local",
    ],
)
def test_connects_to_the_host_the_job_can_reach(ci: CiContext, expected: type | None) -> None:
    host = connect(ci)

    assert (None if host is None else type(host)) is expected


def test_the_client_libraries_load_only_when_connecting() -> None:
    script = (
        "import sys, json\n"
        "from agentcd.adapters.hosts import connect\n"
        "from agentcd.adapters.environ import CiContext, Host\n"
        "connect(CiContext(Host.LOCAL, 'me'))\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    loaded = json.loads(done.stdout)

    assert [m for m in loaded if m.split(".")[0] in ("github", "gitlab", "requests")] == []
    assert "agentcd.adapters.hosts.github" not in loaded
