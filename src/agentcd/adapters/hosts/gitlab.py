"""GitLab through python-gitlab: the sticky merge request note and the Deployments mirror.

The note needs a project or group access token: GitLab's CI_JOB_TOKEN may read notes but not
write them. The Deployments API accepts the job token, so the mirror works with either.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import gitlab
import requests
from gitlab.v4.objects import ProjectMergeRequest, ProjectMergeRequestNote

from agentcd.adapters.environ import CiContext
from agentcd.adapters.hosts.protocol import (
    Approval,
    DeploymentRequest,
    DeploymentState,
    UpsertResult,
)
from agentcd.core.review.marker import COMMENT_CAP, GITLAB_NOTE_LIMIT, Marker, with_marker
from agentcd.core.review.sticky import Comment, Upsert, UpsertPlan, plan_upsert
from agentcd.errors import AgentcdError, ConfigError

TOKEN_VARIABLE = "AGENTCD_GITLAB_TOKEN"
_NOTE_ACCESS = "the `api` scope and at least the Reporter role on the project"
_DEPLOY_ACCESS = "at least the Developer role on the project"
_STATES = {DeploymentState.SUCCESS: "success", DeploymentState.FAILURE: "failed"}


@dataclass(frozen=True, slots=True)
class GitLabOptions:
    """Connection settings; the defaults suit a GitLab CI job."""

    api_url: str = "https://gitlab.com/api/v4"
    """`CI_API_V4_URL`: `https://HOST/api/v4` on a self-managed instance."""
    author: str | None = None
    """The username whose notes are ours; None asks GitLab who the token is."""

    def with_context(self, ctx: CiContext) -> GitLabOptions:
        return replace(
            self, api_url=ctx.api_url or self.api_url, author=self.author or ctx.comment_author
        )


class GitLabHost:
    """One project on gitlab.com or a self-managed instance (`options.api_url`)."""

    def __init__(
        self,
        project: str,
        *,
        token: str | None,
        job_token: str | None = None,
        options: GitLabOptions | None = None,
    ) -> None:
        self._options = options or GitLabOptions()
        self._token, self._author, self._project_path = token, self._options.author, project
        credentials = {"private_token": token} if token else {"job_token": job_token}
        self._gl = gitlab.Gitlab(
            _server_url(self._options.api_url),
            per_page=100,
            retry_transient_errors=True,
            **credentials,
        )
        self._project = self._gl.projects.get(project, lazy=True)

    @classmethod
    def from_context(cls, ctx: CiContext, options: GitLabOptions | None = None) -> GitLabHost:
        if not ctx.repository or not (ctx.token or ctx.job_token):
            raise ConfigError(
                f"connecting to GitLab: CI_PROJECT_PATH and a token ({TOKEN_VARIABLE}, "
                "or CI_JOB_TOKEN for deployments) must be set"
            )
        base = (options or GitLabOptions()).with_context(ctx)
        return cls(ctx.repository, token=ctx.token, job_token=ctx.job_token, options=base)

    def author(self) -> str:
        """The username our notes are written by (one `GET /user` unless configured)."""
        if self._author is None:
            with api_errors("reading the token's user", "a valid access token"):
                self._gl.auth()
                assert self._gl.user is not None
                self._author = str(self._gl.user.username)
        return self._author

    def upsert_comment(self, marker: Marker, body: str) -> UpsertResult:
        full = with_marker(marker, body)
        activity = f"commenting on {self._project_path}!{marker.change}"
        _check_size(full, activity)
        if not self._token:
            raise ConfigError(
                f"{activity}: CI_JOB_TOKEN cannot post merge request notes; create a project or "
                f"group access token with {_NOTE_ACCESS} and store it in a masked CI/CD "
                f"variable named {TOKEN_VARIABLE}"
            )
        with api_errors(activity, _NOTE_ACCESS):
            mr = self._project.mergerequests.get(marker.change, lazy=True)
            author = self.author()
            listed = _by_id(mr.notes.list(iterator=True, sort="asc", order_by="created_at"))
            plan = plan_upsert(_neutral(listed.values()), marker, body, author=author)
            if plan.outcome is Upsert.CREATED:
                result = self._create(mr, plan, marker, body)
            else:
                result = _carry_out(plan, listed)
        return replace(result, url=self._note_url(marker.change, result.comment_id))

    def _note_url(self, change: int, note_id: int | None) -> str | None:
        if note_id is None:
            return None
        server = _server_url(self._options.api_url)
        return f"{server}/{self._project_path}/-/merge_requests/{change}#note_{note_id}"

    def _create(
        self, mr: ProjectMergeRequest, plan: UpsertPlan, marker: Marker, body: str
    ) -> UpsertResult:
        created = mr.notes.create({"body": plan.body})
        # Converge with a concurrent run: its note, if any, is among the newest.
        newest = mr.notes.list(sort="desc", order_by="created_at", get_all=False)
        recent = _by_id(newest)
        recent.setdefault(created.id, created)
        again = plan_upsert(_neutral(recent.values()), marker, body, author=self.author())
        if again.outcome is Upsert.SKIPPED_NEWER:
            return UpsertResult(Upsert.SKIPPED_NEWER, removed=_delete(recent[created.id]))
        if again.target is not None and again.target.id == created.id:
            removed = sum(_delete(recent[c.id]) for c in again.extra)
            return UpsertResult(Upsert.CREATED, int(created.id), removed=removed)
        return _carry_out(again, recent)

    def start_deployment(self, request: DeploymentRequest) -> int:
        with api_errors(f"mirroring the deployment to {request.environment}", _DEPLOY_ACCESS):
            deployment = self._project.deployments.create(
                {
                    "environment": request.environment,
                    "sha": request.sha,
                    "ref": request.ref,
                    "tag": False,
                    "status": "running",
                }
            )
        return int(deployment.id)

    def finish_deployment(
        self,
        deployment_id: int,
        state: DeploymentState,
        *,
        log_url: str | None = None,
        environment_url: str | None = None,
    ) -> None:
        # GitLab deployments carry no log or environment URL; the job and environment do.
        with api_errors(f"recording deployment {deployment_id} as {state.value}", _DEPLOY_ACCESS):
            deployment = self._project.deployments.get(deployment_id, lazy=True)
            deployment.status = _STATES[state]
            deployment.save()

    def job_deployment(self, environment: str, job_id: int) -> int | None:
        """The deployment GitLab made for job `job_id` (an `environment:` job), if any."""
        activity = f"finding the deployment of job {job_id} to {environment}"
        with api_errors(activity, _DEPLOY_ACCESS):
            listed = self._project.deployments.list(
                environment=environment, order_by="id", sort="desc", per_page=20, get_all=False
            )
        for deployment in listed:
            if (deployment.attributes.get("deployable") or {}).get("id") == job_id:
                return int(deployment.id)
        return None

    def read_approvals(self, deployment_id: int) -> tuple[Approval, ...]:
        """Who approved a deployment (Premium; empty where GitLab reports none)."""
        with api_errors(f"reading the approvals of deployment {deployment_id}", _DEPLOY_ACCESS):
            data = self._project.deployments.get(deployment_id).attributes
        return _approvals(data)


def _approvals(data: Mapping[str, Any]) -> tuple[Approval, ...]:
    # A unified approval setting lists `approvals`; multiple approval rules nest them.
    found = list(data.get("approvals") or [])
    for rule in (data.get("approval_summary") or {}).get("rules") or []:
        found.extend(rule.get("deployment_approvals") or [])
    return tuple(
        Approval(user=a["user"]["username"], status=a["status"], comment=a.get("comment"))
        for a in found
    )


@contextmanager
def api_errors(activity: str, access: str) -> Iterator[None]:
    """Run GitLab calls; re-raise their failures as `AgentcdError` saying what to do."""
    try:
        yield
    except gitlab.exceptions.GitlabAuthenticationError as e:
        raise AgentcdError(
            f"{activity}: GitLab rejected the token (401): it is missing, expired or revoked"
        ) from e
    except gitlab.exceptions.GitlabError as e:
        raise AgentcdError(_describe(activity, access, e)) from e
    except requests.RequestException as e:
        raise AgentcdError(f"{activity}: cannot reach GitLab: {e}") from e


def _describe(activity: str, access: str, e: gitlab.exceptions.GitlabError) -> str:
    code, message = e.response_code, e.error_message
    if code == 403:
        return (
            f"{activity}: GitLab refused (403: {message}): the token needs {access}; "
            f"CI_JOB_TOKEN cannot write notes, set {TOKEN_VARIABLE} to an access token"
        )
    if code == 404:
        return f"{activity}: not found (404: {message}): check the project and the token's access"
    return f"{activity}: GitLab answered {code}: {message}"


def _server_url(api_url: str) -> str:
    # python-gitlab takes the instance URL and appends /api/v4 itself.
    url = api_url.rstrip("/")
    return url.removesuffix("/api/v4")


def _check_size(full: str, activity: str) -> None:
    if len(full) > COMMENT_CAP:
        raise AgentcdError(
            f"{activity}: the note is {len(full):,} characters; agentcd's cap is "
            f"{COMMENT_CAP:,} (GitLab rejects more than {GITLAB_NOTE_LIMIT:,})"
        )


def _by_id(notes: Iterable[Any]) -> dict[int, ProjectMergeRequestNote]:
    return {int(n.id): n for n in notes}


def _neutral(notes: Iterable[ProjectMergeRequestNote]) -> list[Comment]:
    return [
        Comment(
            id=int(n.id),
            author=str(n.author["username"]),
            body=str(n.body or ""),
            hidden=bool(n.system),
        )
        for n in notes
    ]


def _carry_out(plan: UpsertPlan, listed: Mapping[int, ProjectMergeRequestNote]) -> UpsertResult:
    target = plan.target
    if target is None:
        return UpsertResult(plan.outcome)
    if plan.outcome is Upsert.UPDATED:
        note = listed[target.id]
        note.body = plan.body
        note.save()
    removed = sum(_delete(listed[c.id]) for c in plan.extra)
    return UpsertResult(plan.outcome, target.id, removed=removed)


def _delete(note: ProjectMergeRequestNote) -> int:
    try:
        note.delete()
    except gitlab.exceptions.GitlabDeleteError as e:
        if e.response_code != 404:  # a concurrent run removed it first
            raise
        return 0
    return 1
