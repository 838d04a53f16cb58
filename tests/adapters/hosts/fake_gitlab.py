"""A fake GitLab REST API (v4) on `responses`: merge request notes, users, deployments.

Payloads follow the examples in GitLab's API documentation (doc/api/notes.md,
doc/api/users.md, doc/api/deployments.md); pagination sends the `Link` and `x-*` headers
GitLab sends.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import responses
from requests import PreparedRequest

API = "https://gitlab.example.com/api/v4"
PROJECT = "support/support-desk"
BOT = {"id": 49, "username": "project_6_bot_0f3c9a", "name": "agentcd", "bot": True}
HUMAN = {"id": 1, "username": "pipin", "name": "Pip", "bot": False}
Answer = tuple[int, dict[str, str], str]


@dataclass
class FakeGitLab:
    rsps: responses.RequestsMock
    notes: dict[int, dict[str, Any]] = field(default_factory=dict)
    deployments: dict[int, dict[str, Any]] = field(default_factory=dict)
    writer: dict[str, Any] = field(default_factory=lambda: dict(BOT))
    failures: list[tuple[str, re.Pattern[str], Answer]] = field(default_factory=list)
    next_id: int = 300

    def install(self) -> FakeGitLab:
        project = re.escape(f"{API}/projects/{PROJECT.replace('/', '%2F')}")
        routes: list[tuple[str, str, Callable[..., Answer]]] = [
            ("GET", re.escape(f"{API}/user"), self._user),
            ("GET", f"{project}/merge_requests/(\\d+)/notes", self._list_notes),
            ("POST", f"{project}/merge_requests/(\\d+)/notes", self._create_note),
            ("PUT", f"{project}/merge_requests/\\d+/notes/(\\d+)", self._edit_note),
            ("DELETE", f"{project}/merge_requests/\\d+/notes/(\\d+)", self._delete_note),
            ("POST", f"{project}/deployments", self._create_deployment),
            ("GET", f"{project}/deployments", self._list_deployments),
            ("PUT", f"{project}/deployments/(\\d+)", self._update_deployment),
            ("GET", f"{project}/deployments/(\\d+)", self._get_deployment),
        ]
        for method, pattern, handler in routes:
            regex = re.compile(f"^{pattern}(?:\\?.*)?$")
            self.rsps.add_callback(method, regex, callback=self._route(regex, handler))
        return self

    def fail_next(self, method: str, pattern: str, answer: Answer, *, times: int = 1) -> None:
        self.failures.extend([(method, re.compile(pattern), answer)] * times)

    def add_note(
        self, mr: int, body: str, *, author: dict[str, Any] = BOT, system: bool = False
    ) -> dict[str, Any]:
        self.next_id += 1
        note = {
            "id": self.next_id,
            "type": None,
            "body": body,
            "attachment": None,
            "author": _user_basic(author),
            "created_at": f"2026-03-01T10:{self.next_id % 60:02d}:00.000Z",
            "updated_at": f"2026-03-01T10:{self.next_id % 60:02d}:00.000Z",
            "system": system,
            "noteable_id": 1000 + mr,
            "noteable_type": "MergeRequest",
            "project_id": 6,
            "noteable_iid": mr,
            "resolvable": False,
            "confidential": False,
            "internal": False,
            "imported": False,
            "imported_from": "none",
        }
        self.notes[note["id"]] = note
        return note

    def on_mr(self, mr: int) -> list[dict[str, Any]]:
        return sorted((n for n in self.notes.values() if n["noteable_iid"] == mr), key=_id)

    def _route(
        self, regex: re.Pattern[str], handler: Callable[..., Answer]
    ) -> Callable[[PreparedRequest], Answer]:
        def respond(request: PreparedRequest) -> Answer:
            url = str(request.url)
            for failure in self.failures:
                if failure[0] == request.method and failure[1].search(url):
                    self.failures.remove(failure)
                    return failure[2]
            match = regex.match(url)
            assert match is not None
            query = {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
            body = json.loads(request.body) if request.body else {}
            return handler(*match.groups(), query, body)

        return respond

    def _user(self, *_: object) -> Answer:
        user = dict(
            _user_basic(self.writer),
            created_at="2026-01-01T00:00:00.000Z",
            bio="",
            location=None,
            public_email=None,
            website_url="",
            organization=None,
        )
        return 200, _headers(), json.dumps(user)

    def _list_notes(self, mr: str, query: dict[str, str], _: object) -> Answer:
        found = self.on_mr(int(mr))
        if query.get("sort", "desc") == "desc":
            found.reverse()
        per_page, page = int(query.get("per_page", 20)), int(query.get("page", 1))
        pages = max(1, -(-len(found) // per_page))
        headers = _headers()
        headers |= {"x-page": str(page), "x-per-page": str(per_page), "x-total": str(len(found))}
        headers |= {
            "x-total-pages": str(pages),
            "x-next-page": str(page + 1) if page < pages else "",
        }
        if page < pages:
            keep = {k: v for k, v in query.items() if k != "page"}
            args = "&".join(f"{k}={v}" for k, v in sorted(keep.items()))
            url = f"{API}/projects/{PROJECT.replace('/', '%2F')}/merge_requests/{mr}/notes"
            headers["Link"] = f'<{url}?{args}&page={page + 1}>; rel="next"'
        chunk = found[(page - 1) * per_page : page * per_page]
        return 200, headers, json.dumps(chunk)

    def _create_note(self, mr: str, _: object, body: dict[str, Any]) -> Answer:
        return 201, _headers(), json.dumps(self.add_note(int(mr), body["body"], author=self.writer))

    def _edit_note(self, note_id: str, _: object, body: dict[str, Any]) -> Answer:
        note = self.notes[int(note_id)]
        note["body"] = body["body"]
        return 200, _headers(), json.dumps(note)

    def _delete_note(self, note_id: str, *_: object) -> Answer:
        if self.notes.pop(int(note_id), None) is None:
            return 404, _headers(), json.dumps({"message": "404 Not found"})
        return 204, {}, ""

    def _create_deployment(self, _: object, body: dict[str, Any]) -> Answer:
        self.next_id += 1
        deployment = {
            "id": self.next_id,
            "iid": len(self.deployments) + 1,
            "ref": body["ref"],
            "sha": body["sha"],
            "created_at": "2026-03-01T11:00:00.000Z",
            "status": body["status"],
            "user": _user_basic(self.writer),
            "environment": {"id": 9, "name": body["environment"], "external_url": None},
            "deployable": None,
            "request": body,
        }
        self.deployments[deployment["id"]] = deployment
        return 201, _headers(), json.dumps(_public(deployment))

    def add_job_deployment(
        self, environment: str, job_id: int, approvals: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """The deployment GitLab makes for an `environment:` job, with its approvals."""
        _, _, body = self._create_deployment(
            None, {"environment": environment, "sha": "f" * 40, "ref": "main", "status": "blocked"}
        )
        deployment = self.deployments[json.loads(body)["id"]]
        deployment["deployable"] = {
            "id": job_id,
            "status": "manual",
            "stage": "deploy",
            "name": f"agentcd-deploy-{environment}",
            "ref": "main",
            "tag": False,
            "user": _user_basic(HUMAN),
        }
        deployment["approvals"] = [
            {
                "user": _user_basic({"id": 60 + n, "username": who, "name": who}),
                "status": "approved",
                "created_at": "2026-03-01T12:00:00.000Z",
                "comment": None,
            }
            for n, who in enumerate(approvals)
        ]
        return deployment

    def _list_deployments(self, query: dict[str, str], _: object) -> Answer:
        found = [
            _public(d)
            for d in sorted(self.deployments.values(), key=_id, reverse=query.get("sort") == "desc")
            if d["environment"]["name"] == query.get("environment", d["environment"]["name"])
        ]
        return 200, _headers(), json.dumps(found[: int(query.get("per_page", 20))])

    def _update_deployment(self, deployment_id: str, _: object, body: dict[str, Any]) -> Answer:
        deployment = self.deployments[int(deployment_id)]
        deployment.setdefault("updates", []).append(body)
        deployment["status"] = body["status"]
        return 200, _headers(), json.dumps(_public(deployment))

    def _get_deployment(self, deployment_id: str, *_: object) -> Answer:
        return 200, _headers(), json.dumps(_public(self.deployments[int(deployment_id)]))


def _public(deployment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in deployment.items() if k not in ("request", "updates")}


def _user_basic(user: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": user["id"],
        "username": user["username"],
        "name": user["name"],
        "state": "active",
        "avatar_url": "https://www.gravatar.com/avatar/e83ac685f68ea07553ad3054c738c709?s=80",
        "web_url": f"https://gitlab.example.com/{user['username']}",
    }


def _id(note: dict[str, Any]) -> int:
    return int(note["id"])


def _headers() -> dict[str, str]:
    return {"Content-Type": "application/json"}
