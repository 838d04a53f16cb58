"""A loopback HTTP fake of Langfuse's prompt management API, every request and reply checked
against Langfuse's published OpenAPI description (`langfuse-prompts-openapi.yml`, the vendored
prompts subset).

It keeps the server's semantics (`web/src/features/prompts/server` of langfuse/langfuse):
versions numbered from 1 per prompt, identical content still a new version, labels unique per
prompt (a label given to one version leaves every other), `latest` always on the newest version
and refused in a label update, an unlabelled get serving `production`, 404 for an unknown
prompt, version or label, 401 without Basic auth or with the wrong keys, and a prompt's type
fixed by its first version. A request outside the description is recorded in `violations` and
answered 400; each 2xx reply is checked against the operation's response schema.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.openapi.described import Description

DESCRIPTION = Description(
    Path(__file__).with_name("langfuse-prompts-openapi.yml"),
    name="Langfuse's OpenAPI description (prompts)",
    vendor="Langfuse",
    base="urn:langfuse-public-api",
)
PUBLIC_KEY, SECRET_KEY = "pk-lf-00000000-agentcd", "sk-lf-00000000-agentcd"
PRODUCTION, LATEST = "production", "latest"
LABEL = re.compile(r"^[a-z0-9_\-.]{1,36}$")  # PROMPT_LABEL_REGEX, PROMPT_LABEL_MAX_LENGTH
RESERVED_NAMES = ("new", "metrics", "prompt-detail")
COMMIT_MESSAGE_MAX = 500
# What each operation may carry in its body (the description does not close its objects).
CREATE_KEYS = {"name", "prompt", "config", "type", "labels", "tags", "commitMessage"}


class Refusal(Exception):
    """An answer other than 200: the status and Langfuse's error message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class FakeLangfuse:
    """The fake's state: each prompt's versions, oldest first, as the server stores them."""

    prompts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)  # operationIds, in order
    violations: list[str] = field(default_factory=list)
    denied: bool = False
    failures: dict[str, list[int]] = field(default_factory=dict)
    clock: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    # ------------------------------------------------------------ what a person does

    def create(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """A new version, as `POST /api/public/v2/prompts` or the UI's "new version" makes it."""
        name, kind = str(body["name"]), body.get("type") or "text"
        versions = self.prompts.setdefault(name, [])
        if versions and versions[-1]["type"] != kind:
            raise Refusal(400, "Previous versions have different prompt type.")
        labels = _unique([*(body.get("labels") or []), LATEST])
        for label in labels:
            if not LABEL.fullmatch(label):
                raise Refusal(400, f"invalid label {label!r}")
        self._take_labels(name, labels)
        tags = body.get("tags")
        tags = _unique(tags) if tags is not None else (versions[-1]["tags"] if versions else [])
        for old in versions:
            old["tags"] = list(tags)
        self.clock += 1
        version = {
            "id": f"prompt-{name}-{len(versions) + 1}",
            "createdAt": _time(self.clock),
            "updatedAt": _time(self.clock),
            "projectId": "agentcd-tests",
            "createdBy": "API",
            "prompt": body["prompt"],
            "name": name,
            "version": len(versions) + 1,
            "type": kind,
            "config": body.get("config", {}),
            "tags": list(tags),
            "labels": labels,
            "commitMessage": body.get("commitMessage"),
        }
        versions.append(version)
        return version

    def relabel(self, name: str, number: int, new_labels: list[str]) -> dict[str, Any]:
        """`PATCH /api/public/v2/prompts/{name}/versions/{version}`: the version keeps its labels
        and gains these, which every other version loses."""
        if LATEST in new_labels:
            raise Refusal(400, "Label 'latest' is always assigned to the latest prompt version")
        version = self.version(name, number)
        if version is None:
            raise Refusal(404, f"Prompt '{name}' version {number} not found in project")
        self._take_labels(name, new_labels)
        version["labels"] = _unique([*new_labels, *version["labels"]])
        self.clock += 1
        version["updatedAt"] = _time(self.clock)
        return version

    def version(self, name: str, number: int) -> dict[str, Any] | None:
        return next((v for v in self.prompts.get(name, []) if v["version"] == number), None)

    def serving(self, name: str, label: str = PRODUCTION) -> dict[str, Any] | None:
        return next((v for v in self.prompts.get(name, []) if label in v["labels"]), None)

    def deny(self) -> None:
        self.denied = True

    def fail(self, operation: str, status: int, *, times: int = 1) -> None:
        self.failures.setdefault(operation, []).extend([status] * times)

    def _take_labels(self, name: str, labels: list[str]) -> None:
        for version in self.prompts.get(name, []):
            version["labels"] = [label for label in version["labels"] if label not in labels]

    # ------------------------------------------------------------ the service

    def handle(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, Any]:
        problems = DESCRIPTION.check_request(method, url, body, api_url="/")
        found = DESCRIPTION.find(method, urlsplit(url).path)
        if found is None or problems:
            self.violations += problems or [f"{method} {url}: not described"]
            return 400, {"message": "; ".join(problems)}
        operation, params = found
        op_id = str(operation.spec["operationId"])
        with self.lock:
            self.calls.append(op_id)
            status, reply = self._answer(op_id, params, url, headers, body)
        if status == 200:
            answer = json.dumps(reply)
            self.violations += DESCRIPTION.check_answer(method, url, 200, answer, api_url="/")
        return status, reply

    def _answer(
        self,
        op_id: str,
        params: tuple[str, ...],
        url: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> tuple[int, Any]:
        if not _authorized(headers.get("authorization", "")) or self.denied:
            return 401, {
                "message": "Invalid credentials. Confirm that you've configured the "
                "correct host and the public and secret keys."
            }
        if self.failures.get(op_id):
            return self.failures[op_id].pop(0), {"message": f"{op_id} failed"}
        query = {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
        data = json.loads(body) if body else None
        try:
            return 200, getattr(self, "_" + op_id)(params, query, data)
        except Refusal as e:
            return e.status, {"message": str(e)}

    def _prompts_create(self, params: tuple[str, ...], query: Any, data: Any) -> Any:
        undeclared = sorted(set(data) - CREATE_KEYS)
        if undeclared:
            self.violations.append(f"POST /api/public/v2/prompts: undeclared {undeclared}")
            raise Refusal(400, f"unrecognized keys {undeclared}")
        name = str(data["name"])
        if not name or "|" in name or name in RESERVED_NAMES or len(name) > 255:
            raise Refusal(400, f"invalid prompt name {name!r}")
        if len(data.get("commitMessage") or "") > COMMIT_MESSAGE_MAX:
            raise Refusal(400, "commitMessage is too long")
        return self.create(data)

    def _prompts_get(self, params: tuple[str, ...], query: Any, data: Any) -> Any:
        name = params[0]
        if "version" in query:
            found = self.version(name, int(query["version"]))
        else:
            found = self.serving(name, query.get("label", PRODUCTION))
        if found is None:
            what = f"version {query['version']}" if "version" in query else "label"
            raise Refusal(404, f"Prompt not found: '{name}' with {what}")
        return {**found, "resolutionGraph": None, "isActive": PRODUCTION in found["labels"]}

    def _promptVersion_update(self, params: tuple[str, ...], query: Any, data: Any) -> Any:
        return self.relabel(params[0], int(params[1]), list(data["newLabels"]))

    def _prompts_list(self, params: tuple[str, ...], query: Any, data: Any) -> Any:
        page, limit = int(query.get("page", 1)), int(query.get("limit", 10))
        if page < 1 or not 1 <= limit <= 100:
            raise Refusal(400, "page starts at 1 and limit is 1 to 100")
        rows = [r for n in sorted(self.prompts) if (r := self._meta(n, query)) is not None]
        meta = {
            "page": page,
            "limit": limit,
            "totalItems": len(rows),
            "totalPages": -(-len(rows) // limit),
        }
        chosen = rows[(page - 1) * limit : page * limit]
        return {"data": chosen, "meta": meta, "pagination": meta}

    def _meta(self, name: str, query: Mapping[str, str]) -> dict[str, Any] | None:
        """One row of the list: the versions that pass the filters, as getPromptsMeta has it."""
        if query.get("name") not in (None, name):
            return None
        versions = [
            v
            for v in self.prompts[name]
            if query.get("label") in (None, *v["labels"]) and query.get("tag") in (None, *v["tags"])
        ]
        if not versions:
            return None
        return {
            "name": name,
            "type": versions[-1]["type"],
            "versions": [v["version"] for v in versions],
            "labels": sorted({label for v in versions for label in v["labels"]}),
            "tags": versions[-1]["tags"],
            "lastUpdatedAt": max(v["updatedAt"] for v in versions),
            "lastConfig": versions[-1]["config"],
        }


def _authorized(header: str) -> bool:
    scheme, _, encoded = header.partition(" ")
    try:
        decoded = base64.b64decode(encoded, validate=True).decode()
    except ValueError:
        return False
    return scheme == "Basic" and decoded == f"{PUBLIC_KEY}:{SECRET_KEY}"


def _unique(items: Any) -> list[str]:
    return list(dict.fromkeys(str(i) for i in items))


def _time(tick: int) -> str:
    return f"2026-11-02T09:{tick // 60 % 60:02d}:{tick % 60:02d}.000Z"


# ---------------------------------------------------------------- the loopback server


class _Exchange(BaseHTTPRequestHandler):
    """One request to the fake; `server.fake` is whichever state the test attached."""

    def _any(self) -> None:
        fake: FakeLangfuse = self.server.fake  # type: ignore[attr-defined]
        size = int(self.headers.get("content-length") or 0)
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, reply = fake.handle(self.command, self.path, headers, self.rfile.read(size))
        payload = json.dumps(reply).encode()
        self.send_response(status)
        for name, value in (("content-type", "application/json"), ("content-length", payload)):
            self.send_header(name, value if isinstance(value, str) else str(len(value)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


class Loopback(ThreadingHTTPServer):
    """The fake on http://127.0.0.1 (a free port), served from a daemon thread."""

    daemon_threads = True

    def __init__(self, fake: FakeLangfuse) -> None:
        super().__init__(("127.0.0.1", 0), _Exchange)
        self.fake = fake
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)
