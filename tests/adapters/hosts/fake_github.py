"""A fake GitHub REST API on `responses`: issue comments, pull requests, deployments.

Payloads start from the official examples in GitHub's REST description (the committed
subset) with the fields a test cares about replaced; pagination uses `Link` headers as
GitHub does. Failures are queued per request with `fail_next`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import responses
from requests import PreparedRequest

from tests.openapi.github_check import example

REPO = "octo-org/support-desk"
ACTIONS_BOT = {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"}
HUMAN = {"login": "mallory", "id": 9001, "type": "User"}
EPOCH = datetime(2026, 3, 1, tzinfo=UTC)
Answer = tuple[int, dict[str, str], str]


@dataclass
class StoredComment:
    id: int
    issue: int
    body: str
    user: dict[str, Any]
    minimized: bool = False
    created: datetime = EPOCH
    updated: datetime = EPOCH


@dataclass
class Failure:
    method: str
    pattern: re.Pattern[str]
    answer: Answer


@dataclass
class FakeGitHub:
    """State plus the handlers; `api_url` is the base the client was given."""

    rsps: responses.RequestsMock
    api_url: str = "https://api.github.com"
    comments: dict[int, StoredComment] = field(default_factory=dict)
    deployments: dict[int, dict[str, Any]] = field(default_factory=dict)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    pulls: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    """A workflow run's environment reviews (`GET .../actions/runs/{run_id}/approvals`)."""
    writer: dict[str, Any] = field(default_factory=lambda: dict(ACTIONS_BOT))
    """Who the token is: the author of what it writes, and what `GET /user` answers."""
    failures: list[Failure] = field(default_factory=list)
    clock: datetime = EPOCH
    before_create: Callable[[], object] | None = None
    """Runs inside the next comment creation, before it is stored (to stage a race)."""
    next_id: int = 1000

    def install(self) -> FakeGitHub:
        base = _base_pattern(self.api_url)
        repo = f"{base}{re.escape(f'/repos/{REPO}')}"
        routes: list[tuple[str, str, Callable[..., Answer]]] = [
            ("GET", f"{repo}/issues/(\\d+)/comments", self._list_comments),
            ("POST", f"{repo}/issues/(\\d+)/comments", self._create_comment),
            ("PATCH", f"{repo}/issues/comments/(\\d+)", self._edit_comment),
            ("DELETE", f"{repo}/issues/comments/(\\d+)", self._delete_comment),
            ("GET", f"{repo}/pulls", self._list_pulls),
            ("POST", f"{repo}/deployments", self._create_deployment),
            ("POST", f"{repo}/deployments/(\\d+)/statuses", self._create_status),
            ("GET", f"{repo}/actions/runs/(\\d+)/approvals", self._list_reviews),
            ("GET", f"{base}/user", self._user),
        ]
        for method, pattern, handler in routes:
            regex = re.compile(f"^{pattern}(\\?.*)?$")
            self.rsps.add_callback(method, regex, callback=self._route(regex, handler))
        return self

    def fail_next(self, method: str, pattern: str, answer: Answer, *, times: int = 1) -> None:
        for _ in range(times):
            self.failures.append(Failure(method, re.compile(pattern), answer))

    def add_comments(self, issue: int, count: int, *, user: dict[str, Any] = HUMAN) -> None:
        for n in range(count):
            self.add_comment(issue, f"Comment {n}: looks good to me", user=user)

    def add_comment(
        self, issue: int, body: str, *, user: dict[str, Any] = ACTIONS_BOT, minimized: bool = False
    ) -> StoredComment:
        self.next_id += 1
        self.clock += timedelta(seconds=1)
        stored = StoredComment(self.next_id, issue, body, user, minimized, self.clock, self.clock)
        self.comments[stored.id] = stored
        return stored

    def review(self, environment: str, login: str, state: str = "approved") -> None:
        """Someone approved (or rejected) `environment` in the run."""
        payload = example("environment-approvals-items")[0]
        payload["environments"][0]["name"] = environment
        payload["user"].update(login=login, id=2000 + len(self.reviews))
        payload.update(state=state, comment=f"{state} by {login}")
        self.reviews.append(payload)

    def on_issue(self, issue: int) -> list[StoredComment]:
        return sorted((c for c in self.comments.values() if c.issue == issue), key=lambda c: c.id)

    # -- routing ----------------------------------------------------------------------------

    def _route(
        self, regex: re.Pattern[str], handler: Callable[..., Answer]
    ) -> Callable[[PreparedRequest], Answer]:
        def respond(request: PreparedRequest) -> Answer:
            url = str(request.url)
            for failure in self.failures:
                if failure.method == request.method and failure.pattern.search(url):
                    self.failures.remove(failure)
                    return failure.answer
            match = regex.match(url)
            assert match is not None
            query = {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
            body = json.loads(request.body) if request.body else {}
            return handler(*[g for g in match.groups() if g and not g.startswith("?")], query, body)

        return respond

    # -- issue comments --------------------------------------------------------------------

    def _comment_json(self, c: StoredComment) -> dict[str, Any]:
        payload = example("issue-comment")
        user = payload["user"]
        user.update(c.user)
        user["url"] = f"{self.api_url}/users/{c.user['login']}"
        payload.update(
            id=c.id,
            body=c.body,
            url=f"{self.api_url}/repos/{REPO}/issues/comments/{c.id}",
            html_url=f"https://github.com/{REPO}/pull/{c.issue}#issuecomment-{c.id}",
            issue_url=f"{self.api_url}/repos/{REPO}/issues/{c.issue}",
            created_at=_iso(c.created),
            updated_at=_iso(c.updated),
            minimized={"reason": "outdated"} if c.minimized else None,
        )
        return payload

    def _list_comments(self, issue: str, query: dict[str, str], _: object) -> Answer:
        found = self.on_issue(int(issue))
        if "since" in query:
            since = datetime.fromisoformat(query["since"].replace("Z", "+00:00"))
            found = [c for c in found if c.updated >= since]
        per_page, page = int(query.get("per_page", 30)), int(query.get("page", 1))
        chunk = found[(page - 1) * per_page : page * per_page]
        last = max(1, -(-len(found) // per_page))
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if page < last:
            url = f"{self.api_url}/repos/{REPO}/issues/{issue}/comments"
            link = f"per_page={per_page}" + (f"&since={query['since']}" if "since" in query else "")
            following, final = f"{url}?{link}&page={page + 1}", f"{url}?{link}&page={last}"
            headers["Link"] = f'<{following}>; rel="next", <{final}>; rel="last"'
        return 200, headers, json.dumps([self._comment_json(c) for c in chunk])

    def _create_comment(self, issue: str, _: object, body: dict[str, Any]) -> Answer:
        if self.before_create is not None:
            self.before_create()
            self.before_create = None
        stored = self.add_comment(int(issue), body["body"], user=self.writer)
        return 201, _json_headers(), json.dumps(self._comment_json(stored))

    def _edit_comment(self, comment_id: str, _: object, body: dict[str, Any]) -> Answer:
        stored = self.comments[int(comment_id)]
        self.clock += timedelta(seconds=1)
        stored.body, stored.updated = body["body"], self.clock
        return 200, _json_headers(), json.dumps(self._comment_json(stored))

    def _delete_comment(self, comment_id: str, *_: object) -> Answer:
        if self.comments.pop(int(comment_id), None) is None:
            return _not_found()
        return 204, {}, ""

    # -- users, pulls, deployments -----------------------------------------------------------

    def _user(self, *_: object) -> Answer:
        payload = example("private-user-response-with-public-and-private-profile-information")
        payload.update(self.writer)
        return 200, _json_headers(), json.dumps(payload)

    def _list_pulls(self, query: dict[str, str], _: object) -> Answer:
        template = example("pull-request-simple-items")[0]
        found = []
        for pull in self.pulls:
            if query.get("head") not in (None, pull["label"]):
                continue
            payload = json.loads(json.dumps(template))
            # GitHub's own example lacks `type` on its requested team, which its schema requires.
            payload.update(number=pull["number"], requested_teams=[])
            payload["head"].update(sha=pull["sha"], label=pull["label"])
            found.append(payload)
        return 200, _json_headers(), json.dumps(found)

    def _create_deployment(self, _: object, body: dict[str, Any]) -> Answer:
        self.next_id += 1
        payload = example("deployment-simple-example")
        payload.update(
            id=self.next_id,
            url=f"{self.api_url}/repos/{REPO}/deployments/{self.next_id}",
            sha=body["ref"],
            ref=body["ref"],
            environment=body.get("environment", "production"),
            payload=body.get("payload", {}),
            description=body.get("description"),
            production_environment=body.get("production_environment", False),
            transient_environment=body.get("transient_environment", False),
        )
        payload["statuses_url"] = f"{payload['url']}/statuses"
        self.deployments[self.next_id] = body
        return 201, _json_headers(), json.dumps(payload)

    def _list_reviews(self, run_id: str, *_: object) -> Answer:
        return 200, _json_headers(), json.dumps(self.reviews)

    def _create_status(self, deployment_id: str, _: object, body: dict[str, Any]) -> Answer:
        if int(deployment_id) not in self.deployments:
            return _not_found()
        self.statuses.append({"deployment": int(deployment_id), **body})
        payload = example("deployment-status")
        payload.update(state=body["state"], log_url=body.get("log_url", ""))
        return 201, _json_headers(), json.dumps(payload)


def _base_pattern(api_url: str) -> str:
    # PyGithub spells the default port out (`https://api.github.com:443/...`).
    parts = urlsplit(api_url)
    return f"{re.escape(f'{parts.scheme}://{parts.hostname}')}(?::443)?{re.escape(parts.path)}"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _json_headers() -> dict[str, str]:
    return {"Content-Type": "application/json; charset=utf-8"}


def _not_found() -> Answer:
    body = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
    return 404, _json_headers(), json.dumps(body)
