"""GitHub through PyGithub: the sticky pull-request comment and the Deployments mirror.

Thin by design: the upsert decision is `core.review.sticky.plan_upsert`, carried out by
`hosts.sticky`; this module lists, writes and maps GitHub's refusals to `AgentcdError`s that
say which permission is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta

from github import Auth, Github, GithubRetry
from github.GithubException import UnknownObjectException
from github.Issue import Issue
from github.IssueComment import IssueComment

from agentcd.adapters.environ import CiContext
from agentcd.adapters.environ import Host as CiHost
from agentcd.adapters.hosts.github_api import GitHubOptions, api_errors
from agentcd.adapters.hosts.protocol import (
    Approval,
    DeploymentRequest,
    DeploymentState,
    EnvironmentApprovals,
    UpsertResult,
)
from agentcd.adapters.hosts.sticky import SizeLimit, Writes, by_id, carry_out, check_size, converge
from agentcd.core.review.marker import GITHUB_COMMENT_LIMIT, Marker, with_marker
from agentcd.core.review.sticky import Comment, Upsert, UpsertPlan, plan_upsert
from agentcd.errors import AgentcdError, ConfigError

ACTIONS_BOT = "github-actions[bot]"
"""The author of comments written with a workflow's GITHUB_TOKEN."""
_COMMENT_PERMISSION = "`pull-requests: write` (or `issues: write`)"
_DEPLOY_PERMISSION = "`deployments: write`"
_APPROVALS_PERMISSION = "`actions: read`"
_RACE_WINDOW = timedelta(minutes=10)
_SIZE = SizeLimit("GitHub", "comment", GITHUB_COMMENT_LIMIT)
_NO_RUN = CiContext(host=CiHost.GITHUB, actor="unknown")


class GitHubHost:
    """One repository on github.com or a GitHub Enterprise Server (`options.api_url`).

    `ci` is the run it serves (its pull request and run id); without one, no change or run
    is known.
    """

    def __init__(
        self,
        repository: str,
        token: str,
        options: GitHubOptions | None = None,
        *,
        ci: CiContext = _NO_RUN,
    ) -> None:
        self._options, self._ci = options or GitHubOptions(), ci
        self._token = token
        self._author = self._options.author
        self._gh = Github(
            auth=Auth.Token(token),
            base_url=self._options.api_url.rstrip("/"),
            per_page=100,
            retry=_retry(self._options),
            lazy=True,
            seconds_between_requests=0.25 if self._options.paced else None,
            seconds_between_writes=1.0 if self._options.paced else None,
        )
        self._repo = self._gh.get_repo(repository)
        self._repository = repository

    @classmethod
    def from_context(cls, ctx: CiContext, options: GitHubOptions | None = None) -> GitHubHost:
        """The host of a GitHub Actions run (repository, token and API URL from `ctx`)."""
        if not ctx.repository or not ctx.token:
            raise ConfigError(
                "connecting to GitHub: GITHUB_REPOSITORY and GITHUB_TOKEN must be set "
                "(pass `github-token` to the action, or `env: GITHUB_TOKEN: ...` to the step)"
            )
        base = options or GitHubOptions()
        return cls(ctx.repository, ctx.token, base.with_context(ctx), ci=ctx)

    def author(self) -> str:
        """The login our comments are written by; asks GitHub only for a personal token."""
        if self._author is None:
            if self._token.startswith("ghs_"):
                # An installation token: GITHUB_TOKEN writes as the Actions bot. Another
                # GitHub App must name its bot login in AGENTCD_COMMENT_AUTHOR.
                self._author = ACTIONS_BOT
            else:
                with api_errors("reading the token's user", "a valid token"):
                    self._author = self._gh.get_user().login
        return self._author

    def upsert_comment(self, marker: Marker, body: str) -> UpsertResult:
        full = with_marker(marker, body)
        activity = f"commenting on {self._repository}#{marker.change}"
        check_size(full, activity, _SIZE)
        with api_errors(activity, _COMMENT_PERMISSION):
            issue = self._repo.get_issue(marker.change)
            author = self.author()
            listed = by_id(issue.get_comments())
            plan = plan_upsert(_neutral(listed.values()), marker, body, author=author)
            if plan.outcome is Upsert.CREATED:
                return self._create(issue, plan, marker, body)
            return carry_out(plan, _writes(listed))

    def _create(self, issue: Issue, plan: UpsertPlan, marker: Marker, body: str) -> UpsertResult:
        created = issue.create_comment(plan.body)
        # Re-list what changed lately: a concurrent run's copy, if any, is among it.
        recent = by_id(issue.get_comments(since=created.created_at - _RACE_WINDOW))
        recent.setdefault(created.id, created)
        again = plan_upsert(_neutral(recent.values()), marker, body, author=self.author())
        return converge(again, _neutral([created])[0], _writes(recent))

    def change_number(self, head: str) -> int:
        """The pull request of the event, or for a `workflow_run` the one open at `head`."""
        if self._ci.change_number:
            return self._ci.change_number
        if not self._ci.head_label:
            raise ConfigError(
                "commenting: no pull request in this event; run on pull_request, "
                "pull_request_target or workflow_run"
            )
        return self.resolve_pull_request(head, self._ci.head_label)

    def resolve_pull_request(self, head_sha: str, head_label: str) -> int:
        """The open pull request whose head is `head_label` (`owner:branch`) at `head_sha`.

        For `workflow_run`: its `pull_requests` list is empty for forks, and an artifact's
        claim of a number is untrusted, so the number is derived from the head itself.
        """
        with api_errors(f"finding the pull request for {head_sha[:12]}", "`pull-requests: read`"):
            pulls = self._repo.get_pulls(state="open", head=head_label)
            numbers = sorted({p.number for p in pulls if p.head.sha == head_sha})
        if len(numbers) != 1:
            raise AgentcdError(
                f"finding the pull request for {head_label} at {head_sha[:12]}: "
                f"{len(numbers)} open pull requests match, expected exactly one"
            )
        return numbers[0]

    def start_deployment(self, request: DeploymentRequest) -> int:
        activity = f"mirroring the deployment to {request.environment}"
        with api_errors(activity, _DEPLOY_PERMISSION):
            deployment = self._repo.create_deployment(
                ref=request.sha,
                environment=request.environment,
                payload={"ref": request.ref, **request.payload},
                auto_merge=False,
                required_contexts=[],
                description=request.description,
                transient_environment=request.transient,
                production_environment=request.production,
            )
            self._status(deployment.id, "in_progress", request.log_url, request.environment_url)
        return deployment.id

    def finish_deployment(
        self,
        deployment_id: int,
        state: DeploymentState,
        *,
        log_url: str | None = None,
        environment_url: str | None = None,
    ) -> None:
        activity = f"recording deployment {deployment_id} as {state.value}"
        with api_errors(activity, _DEPLOY_PERMISSION):
            self._status(deployment_id, state.value, log_url, environment_url)

    def run_approvals(self, environment: str, *, run_id: int) -> tuple[Approval, ...]:
        """Who approved `environment` in workflow run `run_id`, from the run's review history
        (`GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals`)."""
        activity = f"reading who approved {environment} in workflow run {run_id}"
        with api_errors(activity, _APPROVALS_PERMISSION):
            url = f"{self._repo.url}/actions/runs/{run_id}/approvals"
            _, reviews = self._gh.requester.requestJsonAndCheck("GET", url)
        return tuple(
            Approval(user=r["user"]["login"], status=r["state"], comment=r.get("comment") or None)
            for r in reviews or []
            if any(e.get("name") == environment for e in r.get("environments") or [])
        )

    def environment_approvals(self, environment: str) -> EnvironmentApprovals:
        """Who approved `environment` in this workflow run (none outside a run)."""
        run_id = self._ci.run_id
        approvals = self.run_approvals(environment, run_id=run_id) if run_id else ()
        return EnvironmentApprovals.approved(approvals, job_is_deployment=False)

    def _status(
        self, deployment_id: int, state: str, log_url: str | None, environment_url: str | None
    ) -> None:
        # PyGithub's create_status has no `log_url` (it replaced `target_url`), so post directly.
        fields: dict[str, object] = {"state": state}
        if log_url:
            fields["log_url"] = log_url
        if environment_url:
            fields["environment_url"] = environment_url
        if state == "success":
            fields["auto_inactive"] = True
        url = f"{self._repo.url}/deployments/{deployment_id}/statuses"
        self._gh.requester.requestJsonAndCheck("POST", url, input=fields)


def _retry(options: GitHubOptions) -> GithubRetry | None:
    if options.retries <= 0:
        return None
    # 5xx, 429 and rate-limit 403s (Retry-After or a rate-limit message) are retried with
    # backoff; PATCH and DELETE are idempotent here, so they are retried too.
    return GithubRetry(
        total=options.retries,
        backoff_factor=options.backoff,
        status_forcelist=[429, *range(500, 600)],
        allowed_methods={"GET", "POST", "PATCH", "PUT", "DELETE"},
        secondary_rate_wait=options.secondary_wait,
        max_rate_limit_wait=options.max_wait,
    )


def _neutral(comments: Iterable[IssueComment]) -> list[Comment]:
    return [
        Comment(
            id=c.id,
            author=c.user.login if c.user else "",
            body=c.body or "",
            url=c.html_url,
            # `minimized` is in the REST payload but not a PyGithub property; reading
            # `raw_data` would fetch each comment again.
            hidden=bool(c._rawData.get("minimized")),
        )
        for c in comments
    ]


def _writes(listed: Mapping[int, IssueComment]) -> Writes:
    def delete(comment_id: int) -> bool:
        try:
            listed[comment_id].delete()
        except UnknownObjectException:  # a concurrent run removed it first
            return False
        return True

    return Writes(edit=lambda comment_id, body: listed[comment_id].edit(body), delete=delete)
