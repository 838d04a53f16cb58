"""CI context detection for the events the host adapters need (pull requests, workflow_run)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agentcd.adapters.environ import CiContext, Host, detect_ci

HEAD, BASE = "9f3c2e1d" * 5, "77d0b2aa" * 5
REPO = "octo-org/support-desk"


def github(tmp_path: Path, event_name: str, event: dict[str, Any], **extra: str) -> CiContext:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_RUN_ID": "9000",
        "GITHUB_TOKEN": "ghs_token",
        **extra,
    }
    return detect_ci(env)


def pull(head_repo: str) -> dict[str, Any]:
    owner = head_repo.split("/")[0]
    return {
        "number": 42,
        "head": {
            "label": f"{owner}:fix",
            "ref": "fix",
            "sha": HEAD,
            "repo": {"full_name": head_repo},
        },
        "base": {"label": "octo-org:main", "ref": "main", "sha": BASE, "repo": {"full_name": REPO}},
    }


@pytest.mark.parametrize("event_name", ["pull_request", "pull_request_target"])
@pytest.mark.parametrize(("head_repo", "fork"), [(REPO, False), ("contributor/support-desk", True)])
def test_pull_request_events(tmp_path: Path, event_name: str, head_repo: str, fork: bool) -> None:
    ctx = github(tmp_path, event_name, {"action": "synchronize", "pull_request": pull(head_repo)})

    assert (ctx.host, ctx.change_number, ctx.base_sha, ctx.head_sha) == (
        Host.GITHUB,
        42,
        BASE,
        HEAD,
    )
    assert (ctx.fork, ctx.run_order, ctx.token_variable) == (fork, 9000, "GITHUB_TOKEN")
    assert ctx.head_label == f"{head_repo.split('/')[0]}:fix"


def workflow_run(head_repo: str, pulls: list[dict[str, Any]]) -> dict[str, Any]:
    owner = head_repo.split("/")[0]
    return {
        "action": "completed",
        "workflow_run": {
            "id": 8123,
            "event": "pull_request",
            "head_branch": "fix",
            "head_sha": HEAD,
            "pull_requests": pulls,
            "head_repository": {"full_name": head_repo, "owner": {"login": owner}},
        },
    }


def test_workflow_run_from_a_fork_leaves_the_number_to_resolve(tmp_path: Path) -> None:
    ctx = github(tmp_path, "workflow_run", workflow_run("contributor/support-desk", []))

    assert (ctx.change_number, ctx.head_sha, ctx.head_label) == (None, HEAD, "contributor:fix")
    assert (ctx.fork, ctx.run_order) == (True, 8123)  # ordered by the run that computed it


def test_workflow_run_in_the_same_repository_names_its_pull_request(tmp_path: Path) -> None:
    stale = {"number": 41, "head": {"sha": BASE}, "base": {"sha": BASE}}
    event = workflow_run(REPO, [stale, pull(REPO)])

    ctx = github(tmp_path, "workflow_run", event)

    assert (ctx.change_number, ctx.base_sha, ctx.fork) == (42, BASE, False)


def test_comment_author_and_enterprise_url(tmp_path: Path) -> None:
    ctx = github(
        tmp_path,
        "pull_request",
        {"pull_request": pull(REPO)},
        AGENTCD_COMMENT_AUTHOR="agentcd-app[bot]",
        GITHUB_API_URL="https://github.example.com/api/v3",
    )
    assert (ctx.comment_author, ctx.api_url) == (
        "agentcd-app[bot]",
        "https://github.example.com/api/v3",
    )


@pytest.mark.parametrize(
    ("extra", "token", "variable"),
    [
        (
            {"AGENTCD_GITLAB_TOKEN": "glpat-a", "GITLAB_TOKEN": "glpat-b"},
            "glpat-a",
            "AGENTCD_GITLAB_TOKEN",
        ),
        ({"GITLAB_TOKEN": "glpat-b"}, "glpat-b", "GITLAB_TOKEN"),
        ({}, None, None),
    ],
)
def test_gitlab_tokens(extra: dict[str, str], token: str | None, variable: str | None) -> None:
    env = {"GITLAB_CI": "true", "CI_JOB_TOKEN": "glcbt-j", "CI_PIPELINE_ID": "77", **extra}

    ctx = detect_ci(env)

    assert (ctx.token, ctx.token_variable, ctx.job_token, ctx.run_order) == (
        token,
        variable,
        "glcbt-j",
        77,
    )
    assert "glcbt-j" not in repr(ctx) and "glpat" not in repr(ctx)


def test_gitlab_fork_merge_request() -> None:
    env = {
        "GITLAB_CI": "true",
        "CI_MERGE_REQUEST_IID": "7",
        "CI_MERGE_REQUEST_PROJECT_ID": "6",
        "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "99",
    }
    ctx = detect_ci(env)
    assert (ctx.change_number, ctx.fork) == (7, True)


@pytest.mark.parametrize(
    ("env", "triggered_by"),
    [
        ({"GITHUB_ACTIONS": "true", "GITHUB_ACTOR": "lee"}, ("lee",)),
        # A re-run: GitHub's actor started the run, the triggering actor re-ran it.
        (
            {"GITHUB_ACTIONS": "true", "GITHUB_ACTOR": "lee", "GITHUB_TRIGGERING_ACTOR": "sam"},
            ("lee", "sam"),
        ),
        ({"GITLAB_CI": "true", "GITLAB_USER_LOGIN": "lee"}, ("lee",)),
        # A manual job: GITLAB_USER_LOGIN ran the job; the pipeline's user comes from the build.
        (
            {"GITLAB_CI": "true", "GITLAB_USER_LOGIN": "ana", "CI_JOB_MANUAL": "true"},
            (),
        ),
        (
            {
                "GITLAB_CI": "true",
                "GITLAB_USER_LOGIN": "ana",
                "CI_JOB_MANUAL": "true",
                "AGENTCD_TRIGGERED_BY": "lee",
            },
            ("lee",),
        ),
        ({"AGENTCD_ACTOR": "lee"}, ()),  # on a workstation nobody started a run
        ({"AGENTCD_TRIGGERED_BY": " lee  sam lee "}, ("lee", "sam")),
    ],
)
def test_who_started_the_run(env: dict[str, str], triggered_by: tuple[str, ...]) -> None:
    assert detect_ci(env).triggered_by == triggered_by
