"""The GitLab adapter against a fake REST API shaped like GitLab's documented payloads."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agentcd.adapters.environ import CiContext, detect_ci
from agentcd.adapters.environ import Host as CiHost
from agentcd.adapters.hosts.gitlab import GitLabHost, GitLabOptions
from agentcd.adapters.hosts.protocol import (
    Approval,
    DeploymentRequest,
    DeploymentState,
    EnvironmentApprovals,
)
from agentcd.core.review.marker import Marker, with_marker
from agentcd.core.review.sticky import Upsert
from agentcd.errors import AgentcdError, ConfigError
from tests.adapters.hosts.fake_gitlab import API, BOT, HUMAN, PROJECT, FakeGitLab

HEAD = "a91957a8" * 5
OLD_HEAD = "99d03678" * 5
MARK = Marker("plan", 7, HEAD, run=1200)
BODY = "## agentcd plan\n\n1 of 3 agents change."
TOKEN = "glpat-" + "x" * 20


def host(token: str | None = TOKEN, **options: Any) -> GitLabHost:
    return GitLabHost(PROJECT, token=token, options=GitLabOptions(api_url=API, **options))


def job_host(**ci: Any) -> GitLabHost:
    """The host of a pipeline job whose context holds `ci`."""
    return GitLabHost.from_context(CiContext(CiHost.GITLAB, "pip", PROJECT, api_url=API, **ci))


def calls(fake: FakeGitLab) -> list[str]:
    paths = []
    for call in fake.rsps.calls:
        path = str(call.request.path_url).split("?")[0].replace("/api/v4/projects/", "")
        paths.append(f"{call.request.method} {path.replace(PROJECT.replace('/', '%2F'), 'P')}")
    return paths


def test_creates_the_note(gitlab_api: FakeGitLab) -> None:
    result = host().upsert_comment(MARK, BODY)

    [note] = gitlab_api.on_mr(7)
    assert result.outcome is Upsert.CREATED
    assert note["body"] == with_marker(MARK, BODY)
    assert note["author"]["username"] == BOT["username"]
    assert (
        result.url == f"https://gitlab.example.com/{PROJECT}/-/merge_requests/7#note_{note['id']}"
    )
    assert calls(gitlab_api) == [
        "GET /api/v4/user",
        "GET P/merge_requests/7/notes",
        "POST P/merge_requests/7/notes",
        "GET P/merge_requests/7/notes",
    ]


def test_updates_our_note_in_place(gitlab_api: FakeGitLab) -> None:
    old = gitlab_api.add_note(7, with_marker(Marker("plan", 7, OLD_HEAD, run=1100), "old"))

    result = host().upsert_comment(MARK, BODY)

    assert (result.outcome, result.comment_id) == (Upsert.UPDATED, old["id"])
    assert [n["body"] for n in gitlab_api.on_mr(7)] == [with_marker(MARK, BODY)]
    assert calls(gitlab_api)[-1] == f"PUT P/merge_requests/7/notes/{old['id']}"


def test_no_write_when_unchanged(gitlab_api: FakeGitLab) -> None:
    gitlab_api.add_note(7, with_marker(Marker("plan", 7, HEAD, run=1150), BODY))

    assert host().upsert_comment(MARK, BODY).outcome is Upsert.UNCHANGED
    assert calls(gitlab_api) == ["GET /api/v4/user", "GET P/merge_requests/7/notes"]


@pytest.mark.parametrize(
    ("author", "system"), [(HUMAN, False), (BOT, True)], ids=["another-author", "system-note"]
)
def test_a_marker_not_ours_is_left_alone(
    gitlab_api: FakeGitLab, author: dict[str, Any], system: bool
) -> None:
    planted = with_marker(Marker("plan", 7, HEAD, run=9999), "planted")
    foreign = gitlab_api.add_note(7, planted, author=author, system=system)

    assert host().upsert_comment(MARK, BODY).outcome is Upsert.CREATED
    assert gitlab_api.notes[foreign["id"]]["body"] == planted
    assert len(gitlab_api.on_mr(7)) == 2


def test_250_notes_take_three_pages_and_one_write(gitlab_api: FakeGitLab) -> None:
    for n in range(130):
        gitlab_api.add_note(7, f"review {n}", author=HUMAN)
    ours = gitlab_api.add_note(7, with_marker(Marker("plan", 7, OLD_HEAD, run=1), "old"))
    for n in range(119):
        gitlab_api.add_note(7, f"approved {n}", author=HUMAN, system=True)

    result = host(author=BOT["username"]).upsert_comment(MARK, BODY)

    assert (result.outcome, result.comment_id) == (Upsert.UPDATED, ours["id"])
    assert calls(gitlab_api) == [
        "GET P/merge_requests/7/notes",
        "GET P/merge_requests/7/notes",
        "GET P/merge_requests/7/notes",
        f"PUT P/merge_requests/7/notes/{ours['id']}",
    ]
    first = str(gitlab_api.rsps.calls[0].request.url)
    assert "per_page=100" in first and "sort=asc" in first


def test_never_overwrites_a_note_for_a_newer_head(gitlab_api: FakeGitLab) -> None:
    newer = with_marker(Marker("plan", 7, OLD_HEAD, run=1300), "later run")
    gitlab_api.add_note(7, newer)

    assert host().upsert_comment(MARK, BODY).outcome is Upsert.SKIPPED_NEWER
    assert [n["body"] for n in gitlab_api.on_mr(7)] == [newer]


def test_duplicates_converge_on_the_oldest(gitlab_api: FakeGitLab) -> None:
    first = gitlab_api.add_note(7, with_marker(Marker("plan", 7, OLD_HEAD, run=1), "a"))
    gitlab_api.add_note(7, with_marker(Marker("plan", 7, OLD_HEAD, run=2), "b"))

    result = host().upsert_comment(MARK, BODY)

    assert (result.outcome, result.comment_id, result.removed) == (Upsert.UPDATED, first["id"], 1)
    assert [n["body"] for n in gitlab_api.on_mr(7)] == [with_marker(MARK, BODY)]


def test_retries_server_errors(gitlab_api: FakeGitLab) -> None:
    gitlab_api.fail_next(
        "GET", r"/notes", (502, {}, json.dumps({"message": "Bad Gateway"})), times=2
    )

    assert host().upsert_comment(MARK, BODY).outcome is Upsert.CREATED
    assert len(gitlab_api.on_mr(7)) == 1


def test_a_403_says_what_the_token_needs(gitlab_api: FakeGitLab) -> None:
    gitlab_api.fail_next("POST", r"/notes$", (403, {}, json.dumps({"message": "403 Forbidden"})))

    with pytest.raises(AgentcdError) as caught:
        host().upsert_comment(MARK, BODY)

    assert str(caught.value) == (
        f"commenting on {PROJECT}!7: GitLab refused (403: 403 Forbidden): the token needs the "
        "`api` scope and at least the Reporter role on the project; CI_JOB_TOKEN cannot write "
        "notes, set AGENTCD_GITLAB_TOKEN to an access token"
    )


def test_a_job_token_alone_cannot_comment(gitlab_api: FakeGitLab) -> None:
    ctx = detect_ci(
        {
            "GITLAB_CI": "true",
            "CI_PROJECT_PATH": PROJECT,
            "CI_API_V4_URL": API,
            "CI_JOB_TOKEN": "glcbt-64_" + "j" * 20,
            "CI_MERGE_REQUEST_IID": "7",
        }
    )
    gitlab_host = GitLabHost.from_context(ctx)

    with pytest.raises(AgentcdError) as caught:
        gitlab_host.upsert_comment(MARK, BODY)

    message = str(caught.value)
    assert "CI_JOB_TOKEN cannot post merge request notes" in message
    assert "masked CI/CD variable named AGENTCD_GITLAB_TOKEN" in message
    assert len(gitlab_api.rsps.calls) == 0


def test_mirrors_a_deployment_with_the_job_token(gitlab_api: FakeGitLab) -> None:
    job_token = "glcbt-64_" + "j" * 20
    options = GitLabOptions(api_url=API)
    deployments = GitLabHost(PROJECT, token=None, job_token=job_token, options=options)
    request = DeploymentRequest(environment="prod", sha=HEAD, ref="main", production=True)

    deployment_id = deployments.start_deployment(request)
    deployments.finish_deployment(deployment_id, DeploymentState.FAILURE)

    recorded = gitlab_api.deployments[deployment_id]
    assert recorded["request"] == {
        "environment": "prod",
        "sha": HEAD,
        "ref": "main",
        "tag": False,
        "status": "running",
    }
    assert recorded["updates"] == [{"status": "failed"}]
    assert {c.request.headers.get("JOB-TOKEN") for c in gitlab_api.rsps.calls} == {job_token}


def test_reads_deployment_approvals(gitlab_api: FakeGitLab) -> None:
    deployment_id = host().start_deployment(DeploymentRequest("prod", sha=HEAD, ref="main"))
    gitlab_api.deployments[deployment_id] |= {
        "pending_approval_count": 0,
        "approvals": [
            {
                "user": {"id": 49, "username": "release-manager", "name": "RM"},
                "status": "approved",
                "created_at": "2026-03-01T12:00:00.000Z",
                "comment": "Looks good to me",
            }
        ],
    }

    assert host().read_approvals(deployment_id) == (
        Approval("release-manager", "approved", "Looks good to me"),
    )


def test_detects_the_self_managed_url_and_pipeline_order() -> None:
    ctx = detect_ci(
        {
            "GITLAB_CI": "true",
            "CI_API_V4_URL": API,
            "CI_PIPELINE_ID": "1200",
            "AGENTCD_GITLAB_TOKEN": TOKEN,
        }
    )
    assert (ctx.api_url, ctx.run_order, ctx.token_variable) == (API, 1200, "AGENTCD_GITLAB_TOKEN")


def test_finds_the_deployment_of_an_environment_job_and_its_approvals(
    gitlab_api: FakeGitLab,
) -> None:
    gitlab_api.add_job_deployment("prod", 7001, approvals=("old-approver",))
    own = gitlab_api.add_job_deployment("prod", 7002, approvals=("release-manager",))
    gitlab_api.add_job_deployment("test", 7003)

    found = host().job_deployment("prod", 7002)

    assert found == own["id"]
    assert [a.user for a in host().read_approvals(found)] == ["release-manager"]
    assert host().job_deployment("prod", 7003) is None  # another environment's job


def test_the_change_is_the_pipelines_merge_request(gitlab_api: FakeGitLab) -> None:
    assert job_host(token=TOKEN, change_number=7).change_number(HEAD) == 7
    assert calls(gitlab_api) == []


@pytest.mark.parametrize(
    "make",
    [lambda: job_host(token=TOKEN, event_name="push"), host],
    ids=["branch-pipeline", "no-ci-context"],
)
def test_no_merge_request_pipeline_is_a_config_error(gitlab_api: FakeGitLab, make: Any) -> None:
    with pytest.raises(ConfigError) as caught:
        make().change_number(HEAD)

    assert str(caught.value) == (
        "commenting: not a merge request pipeline (CI_MERGE_REQUEST_IID is not set); run "
        'the plan job with `rules: - if: $CI_PIPELINE_SOURCE == "merge_request_event"`'
    )
    assert calls(gitlab_api) == []


def test_environment_approvals_of_an_environment_job(gitlab_api: FakeGitLab) -> None:
    gitlab_api.add_job_deployment("prod", 7001, approvals=("old-approver",))
    own = gitlab_api.add_job_deployment("prod", 7002, approvals=("release-manager", "mallory"))
    own["approvals"][1]["status"] = "rejected"

    seen = job_host(job_token="glcbt-64_" + "j" * 20, job_id=7002).environment_approvals("prod")

    assert seen == EnvironmentApprovals(approvers=("release-manager",), job_is_deployment=True)
    assert calls(gitlab_api) == ["GET P/deployments", f"GET P/deployments/{own['id']}"]


def test_a_job_without_its_own_deployment_has_no_approvals(gitlab_api: FakeGitLab) -> None:
    gitlab_api.add_job_deployment("prod", 7001, approvals=("old-approver",))

    seen = job_host(token=TOKEN, job_id=7005).environment_approvals("prod")

    assert seen == EnvironmentApprovals(approvers=(), job_is_deployment=False)
    assert calls(gitlab_api) == ["GET P/deployments"]


def test_outside_a_job_no_approvals_are_read(gitlab_api: FakeGitLab) -> None:
    gitlab_api.add_job_deployment("prod", 7001, approvals=("old-approver",))

    assert job_host(token=TOKEN).environment_approvals("prod") == EnvironmentApprovals((), False)
    assert calls(gitlab_api) == []
