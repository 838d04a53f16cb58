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
from agentcd.adapters.environ import Host as CiHost
from agentcd.adapters.hosts.protocol import (
    Approval,
    DeploymentRequest,
    DeploymentState,
    EnvironmentApprovals,
    UpsertResult,
)
from agentcd.adapters.hosts.sticky import SizeLimit, Writes, by_id, carry_out, check_size, converge
from agentcd.core.review.marker import GITLAB_NOTE_LIMIT, Marker, with_marker
from agentcd.core.review.sticky import Comment, Upsert, UpsertPlan, plan_upsert
from agentcd.errors import AgentcdError, ConfigError

TOKEN_VARIABLE = "AGENTCD_GITLAB_TOKEN"
_NOTE_ACCESS = "the `api` scope and at least the Reporter role on the project"
_DEPLOY_ACCESS = "at least the Developer role on the project"
_STATES = {DeploymentState.SUCCESS: "success", DeploymentState.FAILURE: "failed"}
_SIZE = SizeLimit("GitLab", "note", GITLAB_NOTE_LIMIT)
_NO_RUN = CiContext(host=CiHost.GITLAB, actor="unknown")


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
    """One project on gitlab.com or a self-managed instance (`options.api_url`).

    `ci` is the pipeline job it serves (its merge request and job id); without one, no change
    or job is known.
    """

    def __init__(
        self,
        project: str,
        *,
        token: str | None,
        job_token: str | None = None,
        options: GitLabOptions | None = None,
        ci: CiContext = _NO_RUN,
    ) -> None:
        self._options, self._ci = options or GitLabOptions(), ci
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
        return cls(ctx.repository, token=ctx.token, job_token=ctx.job_token, options=base, ci=ctx)

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
        check_size(full, activity, _SIZE)
        if not self._token:
            raise ConfigError(
                f"{activity}: CI_JOB_TOKEN cannot post merge request notes; create a project or "
                f"group access token with {_NOTE_ACCESS} and store it in a masked CI/CD "
                f"variable named {TOKEN_VARIABLE}"
            )
        with api_errors(activity, _NOTE_ACCESS):
            mr = self._project.mergerequests.get(marker.change, lazy=True)
            author = self.author()
            listed = by_id(mr.notes.list(iterator=True, sort="asc", order_by="created_at"))
            plan = plan_upsert(_neutral(listed.values()), marker, body, author=author)
            if plan.outcome is Upsert.CREATED:
                result = self._create(mr, plan, marker, body)
            else:
                result = carry_out(plan, _writes(listed))
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
        recent = by_id(newest)
        recent.setdefault(int(created.id), created)
        again = plan_upsert(_neutral(recent.values()), marker, body, author=self.author())
        return converge(again, _neutral([created])[0], _writes(recent))

    def change_number(self, head: str) -> int:
        """The merge request of this pipeline (`CI_MERGE_REQUEST_IID`)."""
        if self._ci.change_number is None:
            raise ConfigError(
                "commenting: not a merge request pipeline (CI_MERGE_REQUEST_IID is not set); run "
                'the plan job with `rules: - if: $CI_PIPELINE_SOURCE == "merge_request_event"`'
            )
        return self._ci.change_number

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

    def environment_approvals(self, environment: str) -> EnvironmentApprovals:
        """Who approved the deployment GitLab made for this job (none if the job has none)."""
        job_id = self._ci.job_id
        own = self.job_deployment(environment, job_id) if job_id else None
        approvals = self.read_approvals(own) if own is not None else ()
        return EnvironmentApprovals.approved(approvals, job_is_deployment=own is not None)

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


def _writes(listed: Mapping[int, ProjectMergeRequestNote]) -> Writes:
    def edit(note_id: int, body: str) -> None:
        note = listed[note_id]
        note.body = body
        note.save()

    def delete(note_id: int) -> bool:
        try:
            listed[note_id].delete()
        except gitlab.exceptions.GitlabDeleteError as e:
            if e.response_code != 404:  # a 404: a concurrent run removed it first
                raise
            return False
        return True

    return Writes(edit=edit, delete=delete)
