"""A loopback stand-in for the GitHub REST endpoints the workflows and agentcd call.

Workflows under `act` reach it through `GITHUB_API_URL`. It serves the run's environment
approvals, the deployments API (create, statuses) and the issues API (list, create, update,
comment, labels) with payloads shaped like GitHub's documentation
(docs.github.com/rest/actions/workflow-runs#get-the-review-history-for-a-workflow-run,
docs.github.com/rest/deployments, docs.github.com/rest/issues), keeps deployments and issues in
memory, and records every request so tests can assert what the workflow did.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BOT = {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"}
TOKEN = "ghs_test-token"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    authorization: str | None


@dataclass
class FakeGitHub:
    """State of the fake: approvals per run, issues by number, labels, and the request log."""

    repository: str
    approvals: list[dict[str, Any]] = field(default_factory=list)
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, list[str]] = field(default_factory=dict)
    labels: set[str] = field(default_factory=set)
    deployments: dict[int, dict[str, Any]] = field(default_factory=dict)
    statuses: dict[int, list[str]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    url: str = ""

    def approve(self, environment: str, login: str, *, env_id: int = 1) -> None:
        self.approvals.append(
            {
                "environments": [{"id": env_id, "node_id": f"EN_{env_id}", "name": environment}],
                "state": "approved",
                "comment": "looks right",
                "user": {"login": login, "id": 1000 + env_id, "type": "User"},
            }
        )

    def handle(self, req: Request) -> tuple[int, Any]:
        self.requests.append(req)
        if req.authorization not in (f"Bearer {TOKEN}", f"token {TOKEN}"):
            return 401, {"message": "Bad credentials"}
        prefix = f"/repos/{self.repository}"
        if not req.path.startswith(prefix + "/"):
            return 404, {"message": "Not Found"}
        return self._route(req, req.path[len(prefix) :])

    def _route(self, req: Request, path: str) -> tuple[int, Any]:
        if req.method == "GET" and re.fullmatch(r"/actions/runs/\d+/approvals", path):
            return 200, self.approvals
        if req.method == "POST" and path == "/deployments":
            return self._deploy(req.body)
        match = re.fullmatch(r"/deployments/(\d+)/statuses", path)
        if req.method == "POST" and match and int(match.group(1)) in self.deployments:
            self.statuses[int(match.group(1))].append(req.body["state"])
            return 201, {"id": len(self.requests), "state": req.body["state"], "creator": BOT}
        if req.method == "POST" and path == "/labels":
            return self._create_label(req.body)
        if path == "/issues":
            return self._list(req.query) if req.method == "GET" else self._create(req.body)
        match = re.fullmatch(r"/issues/(\d+)(/comments)?", path)
        if match and int(match.group(1)) in self.issues:
            number = int(match.group(1))
            if match.group(2) and req.method == "POST":
                self.comments.setdefault(number, []).append(req.body["body"])
                return 201, {"id": len(self.requests), "body": req.body["body"], "user": BOT}
            if req.method == "PATCH":
                return self._update(number, req.body)
        return 404, {"message": "Not Found"}

    def _deploy(self, body: dict[str, Any]) -> tuple[int, Any]:
        number = 9000 + len(self.deployments) + 1
        url = f"{self.url}/repos/{self.repository}/deployments/{number}"
        self.deployments[number] = body
        self.statuses[number] = []
        answer = {
            "id": number,
            "url": url,
            "sha": body["ref"],
            "ref": body["ref"],
            "task": "deploy",
            "payload": body.get("payload", {}),
            "environment": body["environment"],
            "description": body.get("description"),
            "creator": BOT,
            "statuses_url": f"{url}/statuses",
            "repository_url": f"{self.url}/repos/{self.repository}",
        }
        return 201, answer

    def _create_label(self, body: dict[str, Any]) -> tuple[int, Any]:
        if body["name"] in self.labels:
            return 422, {"message": "Validation Failed", "errors": [{"code": "already_exists"}]}
        self.labels.add(body["name"])
        return 201, {"id": 1, "name": body["name"], "color": body.get("color", "ededed")}

    def _list(self, query: dict[str, list[str]]) -> tuple[int, Any]:
        state = query.get("state", ["open"])[0]
        wanted = set(query.get("labels", [""])[0].split(",")) - {""}
        found = [
            issue
            for issue in sorted(self.issues.values(), key=lambda i: -i["number"])
            if state in ("all", issue["state"])
            and wanted <= {label["name"] for label in issue["labels"]}
        ]
        return 200, found

    def _create(self, body: dict[str, Any]) -> tuple[int, Any]:
        number = max(self.issues, default=0) + 1
        self.issues[number] = {
            "id": 5000 + number,
            "number": number,
            "title": body["title"],
            "body": body.get("body"),
            "state": "open",
            "state_reason": None,
            "user": BOT,
            "labels": [{"id": 1, "name": n} for n in body.get("labels", []) if n in self.labels],
            "html_url": f"https://github.com/{self.repository}/issues/{number}",
        }
        return 201, self.issues[number]

    def _update(self, number: int, body: dict[str, Any]) -> tuple[int, Any]:
        issue = self.issues[number]
        for key in ("title", "body", "state", "state_reason"):
            if key in body:
                issue[key] = body[key]
        if body.get("state") == "open" and "state_reason" not in body:
            issue["state_reason"] = "reopened"
        return 200, issue


@contextmanager
def serve(fake: FakeGitHub) -> Iterator[FakeGitHub]:
    """Run `fake` on a free loopback port; `fake.url` is the API base URL."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            req = Request(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query),
                body=json.loads(raw) if raw else None,
                authorization=self.headers.get("Authorization"),
            )
            status, payload = fake.handle(req)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _answer

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
