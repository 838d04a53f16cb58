"""A loopback stand-in for the GitLab Deployments API agentcd reads approvals from and mirrors
deployments to.

Shaped like docs.gitlab.com/api/deployments: the list (filtered by environment, newest first),
one deployment with its `approvals` (Premium and Ultimate), create and update. The project is
addressed by id or by its URL-encoded path, as python-gitlab does. Requests are recorded as
(method, path, query or body, job token).
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

JOB_TOKEN = "glcbt-test-job-token"


@dataclass
class FakeGitLab:
    """Deployments by id; `approve(job, environment, user)` blocks then approves one."""

    deployments: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    url: str = ""

    def approve(self, job: int, environment: str, username: str) -> None:
        number = len(self.deployments) + 1
        self.deployments[number] = {
            "id": 100 + number,
            "iid": number,
            "ref": "main",
            "sha": "0" * 40,
            "status": "running",
            "environment": {"id": 7, "name": environment},
            "deployable": {"id": job, "name": f"agentcd-deploy-{environment}", "status": "running"},
            "pending_approval_count": 0,
            "approvals": [
                {
                    "user": {"id": 3, "username": username, "name": username.title()},
                    "status": "approved",
                    "created_at": "2026-05-04T08:00:00.000Z",
                    "comment": "matches the brief",
                }
            ],
        }

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, token: str | None
    ) -> tuple[int, Any]:
        detail = json.dumps(body if method != "GET" else query, sort_keys=True)
        self.requests.append((method, path, detail, token))
        if token != JOB_TOKEN:
            return 401, {"message": "401 Unauthorized"}
        if re.fullmatch(r"/api/v4/projects/[^/]+/deployments", path):
            return self._create(body) if method == "POST" else self._list(query)
        match = re.fullmatch(r"/api/v4/projects/[^/]+/deployments/(\d+)", path)
        by_id = {d["id"]: d for d in self.deployments.values()}
        if match and int(match.group(1)) in by_id:
            found = by_id[int(match.group(1))]
            if method == "PUT":
                found["status"] = body["status"]
            return 200, found
        return 404, {"message": "404 Not found"}

    def _list(self, query: dict[str, list[str]]) -> tuple[int, Any]:
        env = query.get("environment", [None])[0]
        found = [
            {k: v for k, v in d.items() if k not in ("approvals", "pending_approval_count")}
            for d in sorted(self.deployments.values(), key=lambda d: -d["id"])
            if env is None or d["environment"]["name"] == env
        ]
        return 200, found

    def _create(self, body: dict[str, Any]) -> tuple[int, Any]:
        number = len(self.deployments) + 1
        self.deployments[number] = {
            "id": 100 + number,
            "iid": number,
            "ref": body["ref"],
            "sha": body["sha"],
            "status": body["status"],
            "environment": {"id": 7, "name": body["environment"]},
            "deployable": None,
        }
        return 201, self.deployments[number]


@contextmanager
def serve(fake: FakeGitLab) -> Iterator[FakeGitLab]:
    """Run `fake` on a free loopback port; `fake.url` is the `CI_API_V4_URL`."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            query, token = parse_qs(parts.query), self.headers.get("JOB-TOKEN")
            status, payload = fake.handle(self.command, parts.path, query, body, token)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _answer

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/api/v4"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
