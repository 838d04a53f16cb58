"""The one module that reads environment variables: it builds a frozen CI context.

Everything else receives a `CiContext` (or a secret looked up through `secret`), so tests
control the environment by constructing values, not by patching `os.environ`.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Host(str, Enum):
    GITHUB = "github"
    GITLAB = "gitlab"
    LOCAL = "local"


@dataclass(frozen=True, slots=True)
class CiContext:
    """Where we run: the host, the repository, the change under review, and who acts."""

    host: Host
    actor: str
    repository: str | None = None
    ref: str | None = None
    sha: str | None = None
    run_url: str | None = None
    api_url: str | None = None
    token: str | None = field(default=None, repr=False)
    change_number: int | None = None
    base_sha: str | None = None
    head_sha: str | None = None
    event_name: str | None = None
    event: Mapping[str, Any] = field(default_factory=dict, repr=False)
    summary_path: str | None = None
    output_path: str | None = None
    default_branch: str | None = None


def detect_ci(environ: Mapping[str, str] | None = None) -> CiContext:
    """The CI context from `environ` (default: the process environment)."""
    env = os.environ if environ is None else environ
    if env.get("GITHUB_ACTIONS") == "true":
        return _github(env)
    if env.get("GITLAB_CI") == "true":
        return _gitlab(env)
    return CiContext(host=Host.LOCAL, actor=env.get("AGENTCD_ACTOR") or _local_user())


def secret(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """A secret (API key, token) by the name of the variable that holds it."""
    env = os.environ if environ is None else environ
    return env.get(name) or None


def _local_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _github(env: Mapping[str, str]) -> CiContext:
    event = _read_event(env.get("GITHUB_EVENT_PATH"))
    pull = event.get("pull_request") or {}
    server = env.get("GITHUB_SERVER_URL", "https://github.com")
    repo = env.get("GITHUB_REPOSITORY")
    run_id = env.get("GITHUB_RUN_ID")
    return CiContext(
        host=Host.GITHUB,
        actor=env.get("GITHUB_ACTOR") or "unknown",
        repository=repo,
        ref=env.get("GITHUB_REF"),
        sha=env.get("GITHUB_SHA"),
        run_url=f"{server}/{repo}/actions/runs/{run_id}" if repo and run_id else None,
        api_url=env.get("GITHUB_API_URL", "https://api.github.com"),
        token=env.get("GITHUB_TOKEN") or env.get("GH_TOKEN"),
        change_number=pull.get("number"),
        base_sha=(pull.get("base") or {}).get("sha"),
        head_sha=(pull.get("head") or {}).get("sha"),
        event_name=env.get("GITHUB_EVENT_NAME"),
        event=event,
        summary_path=env.get("GITHUB_STEP_SUMMARY"),
        output_path=env.get("GITHUB_OUTPUT"),
        default_branch=(event.get("repository") or {}).get("default_branch"),
    )


def _gitlab(env: Mapping[str, str]) -> CiContext:
    iid = env.get("CI_MERGE_REQUEST_IID")
    return CiContext(
        host=Host.GITLAB,
        actor=env.get("GITLAB_USER_LOGIN") or "unknown",
        repository=env.get("CI_PROJECT_PATH"),
        ref=env.get("CI_COMMIT_REF_NAME"),
        sha=env.get("CI_COMMIT_SHA"),
        run_url=env.get("CI_PIPELINE_URL"),
        api_url=env.get("CI_API_V4_URL"),
        token=env.get("AGENTCD_GITLAB_TOKEN") or env.get("GITLAB_TOKEN"),
        change_number=int(iid) if iid and iid.isdigit() else None,
        base_sha=env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA"),
        head_sha=env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or env.get("CI_COMMIT_SHA"),
        event_name=env.get("CI_PIPELINE_SOURCE"),
        default_branch=env.get("CI_DEFAULT_BRANCH"),
    )


def _read_event(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
