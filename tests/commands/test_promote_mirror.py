"""Promote and rollback in CI: the approvers read from the run, and the deployment mirrored on
GitHub or GitLab (fake APIs on `responses`; every GitHub request is checked against GitHub's
REST description), advisory only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses

from agentcd.adapters.hosts.github import GitHubHost
from agentcd.adapters.hosts.github_api import GitHubOptions
from agentcd.core.deploy.ledger import Status
from tests.adapters.hosts.conftest import _github
from tests.adapters.hosts.fake_github import REPO, FakeGitHub
from tests.adapters.hosts.fake_gitlab import API, PROJECT, FakeGitLab
from tests.commands.deploying import Clock, clock_fixture, history  # noqa: F401 (fixtures)
from tests.conftest import git

TOKEN = "ghs_" + "t" * 36


@pytest.fixture(name="github")
def github_fixture() -> Iterator[FakeGitHub]:
    """A fake api.github.com; every exchange is checked against GitHub's description."""
    yield from _github("https://api.github.com")


@pytest.fixture(name="gitlab_api")
def gitlab_fixture() -> Iterator[FakeGitLab]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeGitLab(rsps).install()


@pytest.fixture
def in_github(
    repo: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch, github: FakeGitHub
) -> Iterator[Path]:
    """The example repository as a GitHub Actions deploy job of run 500 sees it."""
    head = git(repo, "rev-parse", "HEAD").strip()
    for name, value in {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_RUN_ID": "500",
        "GITHUB_ACTOR": "ana",
        "GITHUB_SHA": head,
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_API_URL": "https://api.github.com",
    }.items():
        monkeypatch.setenv(name, value)
    unpaced = GitHubHost.from_context.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(
        GitHubHost,
        "from_context",
        classmethod(lambda cls, ctx, options=None: unpaced(cls, ctx, GitHubOptions(paced=False))),
    )
    monkeypatch.chdir(repo)
    yield repo


def test_promote_mirrors_one_github_deployment_and_records_the_approvers(
    cli: Any, in_github: Path, github: FakeGitHub
) -> None:
    github.review("dev", "lee")
    github.review("prod", "kim")
    github.review("dev", "mallory", state="rejected")

    result = cli("promote", "--env", "dev")

    assert result.code == 0, result
    records = history(in_github)
    assert {r.approvers for r in records} == {("lee",)}
    (deployment,) = github.deployments.values()
    head = git(in_github, "rev-parse", "HEAD").strip()
    assert {k: deployment[k] for k in ("ref", "environment", "auto_merge")} == {
        "ref": head,
        "environment": "dev",
        "auto_merge": False,
    }
    assert deployment["required_contexts"] == []
    assert deployment["payload"]["ref"] == "main"
    assert deployment["payload"]["agentcd"]["agents"] == [
        {
            "agent": r.agent,
            "seq": 1,
            "artifact_digest": r.artifact_digest,
            "deployment_digest": r.deployment_digest,
        }
        for r in records
    ]
    assert [s["state"] for s in github.statuses] == ["in_progress", "success"]
    run_url = f"https://github.com/{REPO}/actions/runs/500"
    assert {s["log_url"] for s in github.statuses} == {run_url}


def test_a_failed_apply_is_mirrored_as_a_failure(
    cli: Any, in_github: Path, github: FakeGitHub
) -> None:
    blocker = in_github / ".agentcd" / "deployed" / "dev"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("a file where the environment folder goes")

    result = cli("promote", "--env", "dev", "--agent", "faq-bot")

    assert result.code == 1, result
    assert [s["state"] for s in github.statuses] == ["in_progress", "failure"]


def test_a_mirror_the_host_refuses_is_a_warning_and_the_deploy_stands(
    cli: Any, in_github: Path, github: FakeGitHub
) -> None:
    refusal = (403, {}, '{"message": "Resource not accessible by integration"}')
    github.fail_next("POST", r"/deployments$", refusal)

    result = cli("promote", "--env", "dev", "--agent", "faq-bot")

    assert result.code == 0, result
    assert result.err.startswith(
        "::warning::mirroring the deployment to dev: GitHub refused (403: Resource not "
        "accessible by integration): the token needs `deployments: write`"
    )
    assert [r.status for r in history(in_github)] == [Status.SUCCEEDED]
    assert github.statuses == []


def test_no_mirror_still_records_the_approvers(
    cli: Any, in_github: Path, github: FakeGitHub
) -> None:
    github.review("dev", "lee")

    result = cli("promote", "--env", "dev", "--agent", "faq-bot", "--no-mirror")

    assert result.code == 0, result
    assert history(in_github)[0].approvers == ("lee",)
    assert github.deployments == {}


def test_approvals_that_cannot_be_read_stop_the_promotion(
    cli: Any, in_github: Path, github: FakeGitHub
) -> None:
    github.fail_next("GET", r"/approvals$", (403, {}, '{"message": "Resource not accessible"}'))

    result = cli("promote", "--env", "dev", "--agent", "faq-bot")

    assert result.code == 1
    assert "reading who approved dev in workflow run 500" in result.err
    assert "the token needs `actions: read`" in result.err
    assert history(in_github) == ()


def test_a_rollback_is_mirrored_with_what_it_restores(
    cli: Any, in_github: Path, github: FakeGitHub
) -> None:
    assert cli("promote", "--env", "dev", "--agent", "faq-bot").code == 0
    (in_github / "agents" / "faq-bot" / "agent.yaml").write_text(
        (in_github / "agents" / "faq-bot" / "agent.yaml").read_text().replace("0.3", "0.4")
    )
    git(in_github, "commit", "-q", "-am", "warmer")
    assert cli("promote", "--env", "dev", "--agent", "faq-bot").code == 0

    result = cli("rollback", "--env", "dev", "--agent", "faq-bot")

    assert result.code == 0, result
    last = github.deployments[max(github.deployments)]
    (agent,) = last["payload"]["agentcd"]["agents"]
    assert (last["payload"]["agentcd"]["kind"], agent["seq"], agent["rollback_to"]) == (
        "rollback",
        3,
        1,
    )
    assert last["ref"] == history(in_github)[0].commit  # the restored commit
    assert [s["state"] for s in github.statuses][-2:] == ["in_progress", "success"]


def test_mirror_outside_ci_is_an_error(
    cli: Any, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    result = cli("promote", "--env", "dev", "--mirror")
    assert result.code == 1
    assert result.err.startswith("error: --mirror needs a GitHub Actions or GitLab CI job")


# ---------------------------------------------------------------- GitLab


@pytest.fixture
def in_gitlab(
    repo: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch, gitlab_api: FakeGitLab
) -> Iterator[Path]:
    """The example repository as GitLab job 7002 (with the job token only) sees it."""
    for name, value in {
        "GITLAB_CI": "true",
        "CI_PROJECT_PATH": PROJECT,
        "CI_API_V4_URL": API,
        "CI_JOB_TOKEN": "glcbt-64_" + "j" * 20,
        "CI_JOB_ID": "7002",
        "CI_COMMIT_SHA": git(repo, "rev-parse", "HEAD").strip(),
        "CI_COMMIT_REF_NAME": "main",
        "GITLAB_USER_LOGIN": "ana",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(repo)
    yield repo


def test_an_environment_job_records_its_approvals_and_is_its_own_mirror(
    cli: Any, in_gitlab: Path, gitlab_api: FakeGitLab
) -> None:
    gitlab_api.add_job_deployment("prod", 7001, approvals=("someone-else",))
    gitlab_api.add_job_deployment("dev", 7002, approvals=("release-manager",))

    result = cli("promote", "--env", "dev", "--agent", "faq-bot")

    assert result.code == 0, result
    assert history(in_gitlab)[0].approvers == ("release-manager",)
    writes = [c for c in gitlab_api.rsps.calls if c.request.method != "GET"]
    assert writes == []  # GitLab keeps the job's deployment itself


def test_a_job_without_an_environment_gets_a_deployment_created(
    cli: Any, in_gitlab: Path, gitlab_api: FakeGitLab
) -> None:
    result = cli("promote", "--env", "dev", "--agent", "faq-bot")

    assert result.code == 0, result
    (deployment,) = gitlab_api.deployments.values()
    assert deployment["request"]["environment"] == "dev"
    assert deployment["request"]["ref"] == "main"
    assert deployment["updates"] == [{"status": "success"}]
