"""The one module that reads environment variables: it builds a frozen CI context.

Everything else receives a `CiContext` (or a secret looked up through `secret`), so tests
control the environment by constructing values, not by patching `os.environ`.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Mapping
from typing import Any

from agentcd.adapters.protocol import CiContext, Host

__all__ = ["CiContext", "Host", "child_environment", "detect_ci", "secret"]


def detect_ci(environ: Mapping[str, str] | None = None) -> CiContext:
    """The CI context from `environ` (default: the process environment)."""
    env = os.environ if environ is None else environ
    if env.get("GITHUB_ACTIONS") == "true":
        return _github(env)
    if env.get("GITLAB_CI") == "true":
        return _gitlab(env)
    return CiContext(
        host=Host.LOCAL,
        actor=env.get("AGENTCD_ACTOR") or _local_user(),
        triggered_by=_triggered_by(env),
    )


def secret(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """A secret (API key, token) by the name of the variable that holds it."""
    env = os.environ if environ is None else environ
    return env.get(name) or None


def child_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment plus `extra`, for a child process (git) that needs both."""
    return {**os.environ, **extra}


def _local_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _github(env: Mapping[str, str]) -> CiContext:
    event = _read_event(env.get("GITHUB_EVENT_PATH"))
    server = env.get("GITHUB_SERVER_URL", "https://github.com")
    repo = env.get("GITHUB_REPOSITORY")
    run_id = env.get("GITHUB_RUN_ID")
    token_variable = _first_set(env, "GITHUB_TOKEN", "GH_TOKEN")
    change = _github_change(event, repo)
    change["run_order"] = change.get("run_order") or _number(run_id)
    return CiContext(
        host=Host.GITHUB,
        actor=env.get("GITHUB_ACTOR") or "unknown",
        repository=repo,
        ref=env.get("GITHUB_REF"),
        sha=env.get("GITHUB_SHA"),
        run_url=f"{server}/{repo}/actions/runs/{run_id}" if repo and run_id else None,
        api_url=env.get("GITHUB_API_URL", "https://api.github.com"),
        token=env.get(token_variable) if token_variable else None,
        token_variable=token_variable,
        event_name=env.get("GITHUB_EVENT_NAME"),
        event=event,
        summary_path=env.get("GITHUB_STEP_SUMMARY"),
        output_path=env.get("GITHUB_OUTPUT"),
        default_branch=(event.get("repository") or {}).get("default_branch"),
        comment_author=env.get("AGENTCD_COMMENT_AUTHOR") or None,
        run_id=_number(run_id),
        triggered_by=_triggered_by(env, "GITHUB_ACTOR", "GITHUB_TRIGGERING_ACTOR"),
        **change,
    )


def _github_change(event: Mapping[str, Any], repo: str | None) -> dict[str, Any]:
    """The change under review: from `pull_request` / `pull_request_target`, or `workflow_run`.

    A `workflow_run` carries the triggering run's head; its `pull_requests` list is empty for
    forks, so the number stays None there and the GitHub adapter resolves it by head SHA. Its
    run order is the triggering run's id: that run computed what this one posts.
    """
    pull = event.get("pull_request")
    if isinstance(pull, dict):
        head = pull.get("head") or {}
        return {
            "change_number": pull.get("number"),
            "base_sha": (pull.get("base") or {}).get("sha"),
            "head_sha": head.get("sha"),
            "head_label": head.get("label"),
            "fork": _full_name(head.get("repo")) not in (None, repo),
        }
    run = event.get("workflow_run")
    if isinstance(run, dict):
        return _workflow_run_change(run, repo)
    return {}


def _workflow_run_change(run: Mapping[str, Any], repo: str | None) -> dict[str, Any]:
    head_sha, head_repo = run.get("head_sha"), run.get("head_repository") or {}
    owner = (head_repo.get("owner") or {}).get("login")
    matching = [
        p for p in run.get("pull_requests") or [] if (p.get("head") or {}).get("sha") == head_sha
    ]
    found = matching[0] if len(matching) == 1 else {}
    return {
        "change_number": found.get("number"),
        "base_sha": (found.get("base") or {}).get("sha"),
        "head_sha": head_sha,
        "head_label": f"{owner}:{run.get('head_branch')}" if owner else None,
        "fork": _full_name(head_repo) not in (None, repo),
        "run_order": _number(str(run.get("id", ""))),
    }


def _gitlab(env: Mapping[str, str]) -> CiContext:
    iid = env.get("CI_MERGE_REQUEST_IID")
    token_variable = _first_set(env, "AGENTCD_GITLAB_TOKEN", "GITLAB_TOKEN")
    return CiContext(
        host=Host.GITLAB,
        actor=env.get("GITLAB_USER_LOGIN") or "unknown",
        repository=env.get("CI_PROJECT_PATH"),
        ref=env.get("CI_COMMIT_REF_NAME"),
        sha=env.get("CI_COMMIT_SHA"),
        run_url=env.get("CI_PIPELINE_URL"),
        api_url=env.get("CI_API_V4_URL"),
        token=env.get(token_variable) if token_variable else None,
        token_variable=token_variable,
        job_token=env.get("CI_JOB_TOKEN") or None,
        change_number=_number(iid),
        base_sha=env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA"),
        head_sha=env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or env.get("CI_COMMIT_SHA"),
        event_name=env.get("CI_PIPELINE_SOURCE"),
        default_branch=env.get("CI_DEFAULT_BRANCH"),
        run_order=_number(env.get("CI_PIPELINE_ID")),
        comment_author=env.get("AGENTCD_COMMENT_AUTHOR") or None,
        fork=_is_gitlab_fork(env),
        job_id=_number(env.get("CI_JOB_ID")),
        # In a manual job GITLAB_USER_LOGIN is whoever ran the job, not who started the pipeline
        # (docs.gitlab.com/ci/variables/predefined_variables); the deploy component passes the
        # pipeline's user on from its build job as AGENTCD_TRIGGERED_BY.
        triggered_by=_triggered_by(
            env, *(() if env.get("CI_JOB_MANUAL") == "true" else ("GITLAB_USER_LOGIN",))
        ),
    )


def _triggered_by(env: Mapping[str, str], *names: str) -> tuple[str, ...]:
    """Who started the run: the host's variables `names`, then AGENTCD_TRIGGERED_BY's logins
    (whitespace-separated), each once."""
    found = [env.get(name, "") for name in names] + env.get("AGENTCD_TRIGGERED_BY", "").split()
    return tuple(dict.fromkeys(login for login in found if login))


def _is_gitlab_fork(env: Mapping[str, str]) -> bool:
    source = env.get("CI_MERGE_REQUEST_SOURCE_PROJECT_ID")
    return bool(source) and source != env.get("CI_MERGE_REQUEST_PROJECT_ID")


def _first_set(env: Mapping[str, str], *names: str) -> str | None:
    return next((name for name in names if env.get(name)), None)


def _number(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _full_name(repo: object) -> str | None:
    return repo.get("full_name") if isinstance(repo, dict) else None


def _read_event(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
