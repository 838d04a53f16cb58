"""The GitHub adapter against a fake REST API checked against GitHub's own description."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from agentcd.adapters.environ import CiContext, detect_ci
from agentcd.adapters.environ import Host as CiHost
from agentcd.adapters.hosts.github import GitHubHost
from agentcd.adapters.hosts.github_api import GitHubOptions
from agentcd.adapters.hosts.gitlab import GitLabHost
from agentcd.adapters.hosts.protocol import (
    DeploymentRequest,
    DeploymentState,
    EnvironmentApprovals,
    Host,
)
from agentcd.core.review.marker import COMMENT_CAP, Marker, parse_marker, with_marker
from agentcd.core.review.sticky import Upsert
from agentcd.errors import AgentcdError, ConfigError
from tests.adapters.hosts.fake_github import ACTIONS_BOT, HUMAN, REPO, FakeGitHub

HEAD = "9f3c2e1d" * 5
OLD_HEAD = "1234abcd" * 5
MARK = Marker("plan", 42, HEAD, run=500)
BODY = "## agentcd plan\n\n1 of 3 agents change."
APP_TOKEN = "ghs_" + "a" * 36
IMPLEMENTS: tuple[type[Host], ...] = (GitHubHost, GitLabHost)  # checked by mypy


def host(fake: FakeGitHub, token: str = APP_TOKEN, **options: Any) -> GitHubHost:
    return GitHubHost(REPO, token, GitHubOptions(api_url=fake.api_url, paced=False, **options))


def run_host(fake: FakeGitHub, **ci: Any) -> GitHubHost:
    """The host of an Actions run whose context holds `ci`."""
    ctx = CiContext(CiHost.GITHUB, "ana", REPO, api_url=fake.api_url, token=APP_TOKEN, **ci)
    return GitHubHost.from_context(ctx, GitHubOptions(paced=False))


def methods(fake: FakeGitHub) -> list[str]:
    return [str(call.request.method) for call in fake.rsps.calls]


def error_body(message: str) -> str:
    return json.dumps({"message": message, "documentation_url": "https://docs.github.com/rest"})


def test_creates_the_comment_with_the_marker_on_its_first_line(github: FakeGitHub) -> None:
    result = host(github).upsert_comment(MARK, BODY)

    [stored] = github.on_issue(42)
    assert result.outcome is Upsert.CREATED
    assert (result.comment_id, result.url) == (stored.id, stored_url(stored.id))
    assert stored.body == with_marker(MARK, BODY)
    assert parse_marker(stored.body) == MARK
    assert methods(github) == ["GET", "POST", "GET"]  # list, create, re-list since (race check)


def stored_url(comment_id: int) -> str:
    return f"https://github.com/{REPO}/pull/42#issuecomment-{comment_id}"


def test_updates_our_comment_in_place(github: FakeGitHub) -> None:
    old = github.add_comment(42, with_marker(Marker("plan", 42, OLD_HEAD, run=400), "old plan"))

    result = host(github).upsert_comment(MARK, BODY)

    assert (result.outcome, result.comment_id) == (Upsert.UPDATED, old.id)
    assert [c.body for c in github.on_issue(42)] == [with_marker(MARK, BODY)]
    assert methods(github) == ["GET", "PATCH"]


def test_no_write_when_only_the_run_differs(github: FakeGitHub) -> None:
    github.add_comment(42, with_marker(Marker("plan", 42, HEAD, run=499), BODY))

    result = host(github).upsert_comment(MARK, BODY)

    assert result.outcome is Upsert.UNCHANGED
    assert methods(github) == ["GET"]


@pytest.mark.parametrize(
    ("user", "minimized"),
    [(HUMAN, False), (dict(HUMAN, login="github-actions"), False), (ACTIONS_BOT, True)],
    ids=["another-author", "lookalike-login", "minimized"],
)
def test_a_marker_not_ours_is_left_alone(
    github: FakeGitHub, user: dict[str, Any], minimized: bool
) -> None:
    planted = with_marker(Marker("plan", 42, HEAD, run=999), "planted")
    foreign = github.add_comment(42, planted, user=user, minimized=minimized)

    result = host(github).upsert_comment(MARK, BODY)

    assert result.outcome is Upsert.CREATED
    assert github.comments[foreign.id].body == planted
    assert len(github.on_issue(42)) == 2


def test_250_comments_take_three_pages_and_one_write(github: FakeGitHub) -> None:
    github.add_comments(42, 120)
    ours = github.add_comment(42, with_marker(Marker("plan", 42, OLD_HEAD, run=1), "old"))
    github.add_comments(42, 129)

    result = host(github).upsert_comment(MARK, BODY)

    assert (result.outcome, result.comment_id) == (Upsert.UPDATED, ours.id)
    assert methods(github) == ["GET", "GET", "GET", "PATCH"]
    pages = [c.request.url for c in github.rsps.calls[:3]]
    assert all("per_page=100" in url for url in pages)


def test_250_comments_unchanged_take_reads_only(github: FakeGitHub) -> None:
    github.add_comments(42, 249)
    github.add_comment(42, with_marker(MARK, BODY))

    assert host(github).upsert_comment(MARK, BODY).outcome is Upsert.UNCHANGED
    assert methods(github) == ["GET", "GET", "GET"]


def test_never_overwrites_a_comment_for_a_newer_head(github: FakeGitHub) -> None:
    newer = with_marker(Marker("plan", 42, OLD_HEAD, run=600), "written by a later run")
    github.add_comment(42, newer)

    result = host(github).upsert_comment(MARK, BODY)

    assert result.outcome is Upsert.SKIPPED_NEWER
    assert [c.body for c in github.on_issue(42)] == [newer]
    assert methods(github) == ["GET"]


def test_duplicates_converge_on_the_oldest(github: FakeGitHub) -> None:
    first = github.add_comment(42, with_marker(Marker("plan", 42, OLD_HEAD, run=1), "a"))
    github.add_comment(42, "an unrelated review comment", user=HUMAN)
    github.add_comment(42, with_marker(Marker("plan", 42, OLD_HEAD, run=2), "b"))

    result = host(github).upsert_comment(MARK, BODY)

    assert (result.outcome, result.comment_id, result.removed) == (Upsert.UPDATED, first.id, 1)
    assert [c.body for c in github.on_issue(42)] == [
        with_marker(MARK, BODY),
        "an unrelated review comment",
    ]


def test_a_racer_that_created_first_wins(github: FakeGitHub) -> None:
    racer_body = with_marker(Marker("plan", 42, HEAD, run=499), "racer")
    # Another run creates its comment between our list and our create.
    github.before_create = lambda: github.add_comment(42, racer_body)

    result = host(github).upsert_comment(MARK, BODY)

    assert (result.outcome, result.removed) == (Upsert.UPDATED, 1)
    assert [c.body for c in github.on_issue(42)] == [with_marker(MARK, BODY)]
    assert methods(github) == ["GET", "POST", "GET", "PATCH", "DELETE"]


def test_retries_server_errors(github: FakeGitHub) -> None:
    github.fail_next("GET", r"/comments", (502, {}, error_body("Server Error")), times=2)

    assert host(github).upsert_comment(MARK, BODY).outcome is Upsert.CREATED
    assert methods(github) == ["GET", "GET", "GET", "POST", "GET"]


def test_gives_up_after_the_retries(github: FakeGitHub) -> None:
    github.fail_next("GET", r"/comments", (503, {}, error_body("Unavailable")), times=3)

    with pytest.raises(AgentcdError, match="kept failing"):
        host(github, retries=2).upsert_comment(MARK, BODY)
    assert github.on_issue(42) == []


@pytest.mark.parametrize(
    ("status", "headers", "message"),
    [
        (403, {"Retry-After": "1"}, "You have exceeded a secondary rate limit. Please wait."),
        (429, {"Retry-After": "1"}, "You have exceeded a secondary rate limit."),
        (403, {}, "You have exceeded a secondary rate limit and have been temporarily blocked."),
    ],
    ids=["403-retry-after", "429-retry-after", "403-message"],
)
def test_waits_out_secondary_rate_limits(
    github: FakeGitHub, status: int, headers: dict[str, str], message: str
) -> None:
    github.fail_next("POST", r"/comments$", (status, headers, error_body(message)))

    assert host(github).upsert_comment(MARK, BODY).outcome is Upsert.CREATED
    assert methods(github) == ["GET", "POST", "POST", "GET"]
    assert len(github.on_issue(42)) == 1


def test_an_exhausted_primary_rate_limit_fails_clearly(github: FakeGitHub) -> None:
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "4102444800"}
    message = "API rate limit exceeded for installation ID 1."
    github.fail_next("GET", r"/comments", (403, headers, error_body(message)))

    with pytest.raises(AgentcdError, match="rate limit asks to wait"):
        host(github).upsert_comment(MARK, BODY)


def test_a_403_names_the_missing_permission(github: FakeGitHub) -> None:
    answer = (403, {}, error_body("Resource not accessible by integration"))
    github.fail_next("POST", r"/comments$", answer)

    with pytest.raises(AgentcdError) as caught:
        host(github).upsert_comment(MARK, BODY)

    message = str(caught.value)
    assert message.startswith(f"commenting on {REPO}#42: GitHub refused (403: Resource not")
    assert "`pull-requests: write` (or `issues: write`)" in message
    assert "workflow_run" in message
    assert methods(github) == ["GET", "POST"]  # a plain 403 is not retried


def test_a_personal_token_asks_who_it_is(github: FakeGitHub) -> None:
    github.writer = dict(HUMAN, login="release-bot")
    github.add_comment(
        42, with_marker(Marker("plan", 42, OLD_HEAD, run=1), "old"), user=ACTIONS_BOT
    )

    result = host(github, token="ghp_" + "b" * 36).upsert_comment(MARK, BODY)

    assert result.outcome is Upsert.CREATED  # the Actions bot's comment is not this token's
    assert methods(github) == ["GET", "GET", "POST", "GET"]
    assert str(github.rsps.calls[0].request.url).endswith(".com:443/user")


def test_the_author_can_be_named(github: FakeGitHub) -> None:
    github.writer = dict(ACTIONS_BOT, login="agentcd-app[bot]")
    github.add_comment(42, with_marker(MARK, BODY), user=github.writer)

    result = host(github, author="agentcd-app[bot]").upsert_comment(MARK, BODY)

    assert result.outcome is Upsert.UNCHANGED
    assert methods(github) == ["GET"]


def test_enterprise_server_base_url_from_the_environment(ghes: FakeGitHub, tmp_path: Any) -> None:
    ctx = detect_ci(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_TOKEN": APP_TOKEN,
            "GITHUB_API_URL": ghes.api_url,
        }
    )
    github_host = GitHubHost.from_context(ctx, GitHubOptions(paced=False))

    assert github_host.upsert_comment(MARK, BODY).outcome is Upsert.CREATED
    urls = [str(call.request.url) for call in ghes.rsps.calls]
    assert urls and all(u.startswith("https://github.example.com:443/api/v3/repos/") for u in urls)


def test_an_oversized_body_fails_before_any_request(github: FakeGitHub) -> None:
    with pytest.raises(AgentcdError, match="cap is 60,000"):
        host(github).upsert_comment(MARK, "x" * COMMENT_CAP)
    assert methods(github) == []


def test_resolves_a_fork_pull_request_by_head(github: FakeGitHub) -> None:
    github.pulls = [
        {"number": 7, "sha": OLD_HEAD, "label": "contributor:fix-typo"},
        {"number": 8, "sha": HEAD, "label": "contributor:fix-typo"},
    ]

    assert host(github).resolve_pull_request(HEAD, "contributor:fix-typo") == 8
    with pytest.raises(AgentcdError, match="0 open pull requests match"):
        host(github).resolve_pull_request("f" * 40, "contributor:fix-typo")


REQUEST = DeploymentRequest(
    environment="prod",
    sha=HEAD,
    ref="main",
    payload={"artifact_digest": "sha256:" + "a" * 64, "agent": "support-triage"},
    description="support-triage sha256:aaaaaaaaaaaa",
    log_url="https://github.com/octo-org/support-desk/actions/runs/500",
    environment_url="https://support.example.com",
    production=True,
)


def test_mirrors_a_deployment(github: FakeGitHub) -> None:
    deployments = host(github)

    deployment_id = deployments.start_deployment(REQUEST)
    deployments.finish_deployment(deployment_id, DeploymentState.SUCCESS, log_url=REQUEST.log_url)

    assert github.deployments[deployment_id] == {
        "ref": HEAD,
        "environment": "prod",
        "payload": {"ref": "main", **REQUEST.payload},
        "auto_merge": False,
        "required_contexts": [],
        "description": REQUEST.description,
        "transient_environment": False,
        "production_environment": True,
    }
    assert [(s["state"], s.get("auto_inactive")) for s in github.statuses] == [
        ("in_progress", None),
        ("success", True),
    ]
    assert github.statuses[0]["environment_url"] == "https://support.example.com"
    assert all(s["log_url"] == REQUEST.log_url for s in github.statuses)


def test_a_failed_deployment_is_recorded_as_failure(github: FakeGitHub) -> None:
    deployments = host(github)
    deployment_id = deployments.start_deployment(REQUEST)

    deployments.finish_deployment(deployment_id, DeploymentState.FAILURE)

    assert github.statuses[-1] == {"deployment": deployment_id, "state": "failure"}


def test_a_deployment_without_permission_says_which(github: FakeGitHub) -> None:
    github.fail_next("POST", r"/deployments$", (403, {}, error_body("Resource not accessible")))

    with pytest.raises(AgentcdError, match="needs `deployments: write`"):
        host(github).start_deployment(REQUEST)


def test_reads_who_approved_an_environment_in_the_run(github: FakeGitHub) -> None:
    github.review("prod", "lee")
    github.review("test", "kim")
    github.review("prod", "mallory", state="rejected")

    approvals = host(github).run_approvals("prod", run_id=500)

    assert [(a.user, a.status, a.comment) for a in approvals] == [
        ("lee", "approved", "approved by lee"),
        ("mallory", "rejected", "rejected by mallory"),
    ]
    (call,) = github.rsps.calls
    assert urlsplit(str(call.request.url)).path == f"/repos/{REPO}/actions/runs/500/approvals"


def test_approvals_without_permission_say_which(github: FakeGitHub) -> None:
    github.fail_next("GET", r"/approvals$", (403, {}, error_body("Resource not accessible")))

    with pytest.raises(AgentcdError, match="needs `actions: read`"):
        host(github).run_approvals("prod", run_id=500)


def test_the_change_is_the_events_pull_request(github: FakeGitHub) -> None:
    assert run_host(github, change_number=42, head_label="octo-org:fix").change_number(HEAD) == 42
    assert methods(github) == []


def test_a_workflow_run_finds_its_pull_request_by_head(github: FakeGitHub) -> None:
    github.pulls = [
        {"number": 7, "sha": OLD_HEAD, "label": "contributor:fix-typo"},
        {"number": 8, "sha": HEAD, "label": "contributor:fix-typo"},
        {"number": 9, "sha": HEAD, "label": "someone:else"},
    ]

    assert run_host(github, head_label="contributor:fix-typo").change_number(HEAD) == 8
    (call,) = github.rsps.calls
    assert "head=contributor%3Afix-typo" in str(call.request.url)


@pytest.mark.parametrize(
    "make",
    [lambda fake: run_host(fake, event_name="push"), host],
    ids=["push-event", "no-ci-context"],
)
def test_no_pull_request_in_the_event_is_a_config_error(github: FakeGitHub, make: Any) -> None:
    with pytest.raises(ConfigError) as caught:
        make(github).change_number(HEAD)

    assert str(caught.value) == (
        "commenting: no pull request in this event; run on pull_request, "
        "pull_request_target or workflow_run"
    )
    assert methods(github) == []


def test_environment_approvals_are_who_approved_it_in_the_run(github: FakeGitHub) -> None:
    github.review("prod", "lee")
    github.review("test", "kim")
    github.review("prod", "mallory", state="rejected")

    seen = run_host(github, run_id=500).environment_approvals("prod")

    assert seen == EnvironmentApprovals(approvers=("lee",), job_is_deployment=False)
    (call,) = github.rsps.calls
    assert urlsplit(str(call.request.url)).path == f"/repos/{REPO}/actions/runs/500/approvals"


def test_no_run_no_environment_approvals(github: FakeGitHub) -> None:
    github.review("prod", "lee")

    assert run_host(github).environment_approvals("prod") == EnvironmentApprovals((), False)
    assert methods(github) == []
