"""A loopback HTTPS fake of the Foundry project data plane (agents, versions, the agent
endpoint's version selector, the Responses API) and of the Entra token endpoint, checking every
request against Microsoft's OpenAPI description (`foundry-agents-openapi3.json`, vendored).

The real `azure-ai-projects` client, `azure-identity` credential and the project's OpenAI
client talk to it over TLS (a throwaway CA from `trustme`): the SDK refuses bearer tokens over
plain http. Each request must match a path and method of the description, carry only declared
query parameters (the required ones present, `api-version` the description's), a bearer token
the token endpoint issued, and a body valid against the operation's schema (with the
discriminated definition resolved and no undeclared top-level keys); anything else is recorded
in `violations` and answered 400, and each reply is checked against the operation's 200 schema.
"""

from __future__ import annotations

import json
import re
import secrets
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from jsonschema import Draft202012Validator

SPEC_PATH = Path(__file__).with_name("foundry-agents-openapi3.json")
SPEC: dict[str, Any] = json.loads(SPEC_PATH.read_text())
PROJECT = "/api/projects/agentcd-tests"
SCOPE = "https://ai.azure.com/.default"
TENANT = "00000000-0000-0000-0000-00000000aaaa"
CLIENT_ID = "00000000-0000-0000-0000-00000000bbbb"

Answer = Callable[[Mapping[str, Any], list[Mapping[str, Any]]], str]


def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$")


ROUTES = [(_template(p), p) for p in SPEC["paths"]]


def schema_errors(schema: Mapping[str, Any], value: Any) -> list[str]:
    """What of `value` does not fit `schema` (refs resolved in the vendored description)."""
    root = {**schema, "components": SPEC["components"]}
    validator = Draft202012Validator(root)
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}"
        for e in validator.iter_errors(value)
    ]


def component(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


@dataclass
class FakeFoundry:
    """The fake's state: agents with their versions and endpoint configuration."""

    federated_token: str = ""
    agents: dict[str, dict[str, Any]] = field(default_factory=dict)
    versions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)  # operationIds, in order
    runs: list[str] = field(default_factory=list)  # "agent" or "inline", per Responses call
    violations: list[str] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    denied: int = 0  # 0 = allowed; else the status every data-plane call gets
    failures: dict[str, list[int]] = field(default_factory=dict)
    answers: Answer | None = None
    clock: int = 1_760_000_000
    lock: threading.Lock = field(default_factory=threading.Lock)

    # ------------------------------------------------------------ what a test does

    def fail(self, operation: str, status: int, *, times: int = 1) -> None:
        self.failures.setdefault(operation, []).extend([status] * times)

    def deny(self, status: int = 403) -> None:
        self.denied = status

    def routed(self, name: str) -> str | None:
        rules = self.agents[name]["agent_endpoint"]["version_selector"]["version_selection_rules"]
        return str(rules[0]["agent_version"]) if rules else None

    def route(self, name: str, version: str) -> None:
        rule = {"type": "FixedRatio", "agent_version": version, "traffic_percentage": 100}
        self.agents[name]["agent_endpoint"]["version_selector"]["version_selection_rules"] = [rule]

    def add_version(
        self,
        name: str,
        definition: Mapping[str, Any],
        metadata: Mapping[str, str] | None = None,
        description: str | None = None,
    ) -> dict[str, Any]:
        """A new version as `POST /agents/{name}/versions` makes it (the agent too)."""
        self.clock += 1
        versions = self.versions.setdefault(name, [])
        number = str(len(versions) + 1)
        version: dict[str, Any] = {
            "metadata": dict(metadata or {}),
            "object": "agent.version",
            "id": f"{name}:{number}",
            "name": name,
            "version": number,
            "created_at": self.clock,
            "definition": dict(definition),
            "status": "active",
        }
        if description is not None:
            version["description"] = description
        versions.append(version)
        if name not in self.agents:  # a new agent's endpoint routes to its first version
            self.agents[name] = {
                "object": "agent",
                "id": f"agent_{secrets.token_hex(6)}",
                "name": name,
                "state": "enabled",
                "agent_endpoint": {"version_selector": {"version_selection_rules": []}},
            }
            self.route(name, number)
        return version

    # ------------------------------------------------------------ the service

    def agent_object(self, name: str) -> dict[str, Any]:
        return {**self.agents[name], "versions": {"latest": self.versions[name][-1]}}

    def handle(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, Any]:
        parts = urlsplit(url)
        if parts.path.endswith("/oauth2/v2.0/token"):
            return self._token(parts.path, body)
        if not parts.path.startswith(PROJECT):
            return self._violation(f"{method} {parts.path}: not under the project endpoint")
        path = parts.path[len(PROJECT) :]
        match = next(((m, p) for r, p in ROUTES if (m := r.match(path))), None)
        operation = SPEC["paths"].get(match[1], {}).get(method.lower()) if match else None
        if match is None or operation is None:
            return self._violation(f"{method} {path}: not in the description")
        with self.lock:
            return self._serve(
                method, path, match[0].groupdict(), operation, parts.query, headers, body
            )

    def _serve(
        self,
        method: str,
        path: str,
        params: dict[str, str],
        operation: Mapping[str, Any],
        query: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> tuple[int, Any]:
        op_id = operation["operationId"]
        self.calls.append(op_id)
        problems = _query_problems(operation, parse_qs(query, keep_blank_values=True))
        token = headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            return 401, _error("unauthorized", "no valid bearer token")
        data, body_problems = _body(operation, headers, body)
        if problems or body_problems:
            return self._violation(f"{method} {path}: " + "; ".join(problems + body_problems))
        if self.denied:
            return self.denied, _error("forbidden", "the principal lacks the data action")
        if self.failures.get(op_id):
            return self.failures[op_id].pop(0), _error("fault", f"{op_id} failed")
        status, reply = getattr(self, "_" + op_id.split("_")[-1])(params, data, query)
        if status == 200:
            self._check_reply(operation, method, path, reply)
        return status, reply

    def _check_reply(
        self, operation: Mapping[str, Any], method: str, path: str, reply: Any
    ) -> None:
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        for problem in schema_errors(schema, reply):
            self.violations.append(f"reply to {method} {path}: {problem}")

    def _violation(self, what: str) -> tuple[int, Any]:
        self.violations.append(what)
        return 400, _error("invalid_request", what)

    def _token(self, path: str, body: bytes) -> tuple[int, Any]:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        expected = {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "scope": SCOPE,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": self.federated_token,
        }
        wrong = [k for k, v in expected.items() if form.get(k) != v]
        if path != f"/{TENANT}/oauth2/v2.0/token" or wrong:
            self.violations.append(f"token request {path}: wrong {wrong}")
            return 400, {"error": "invalid_client", "error_description": f"wrong {wrong}"}
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        self.calls.append("token")
        return 200, {"token_type": "Bearer", "expires_in": 3600, "access_token": token}

    # ------------------------------------------------------------ operations

    def _listAgents(self, params: dict[str, str], data: Any, query: str) -> tuple[int, Any]:
        return 200, _page([self.agent_object(n) for n in self.agents], parse_qs(query))

    def _getAgent(self, params: dict[str, str], data: Any, query: str) -> tuple[int, Any]:
        name = params["agent_name"]
        if name not in self.agents:
            return 404, _error("not_found", f"agent {name} not found")
        return 200, self.agent_object(name)

    def _patchAgentObject(self, params: dict[str, str], data: Any, query: str) -> tuple[int, Any]:
        name = params["agent_name"]
        if name not in self.agents:
            return 404, _error("not_found", f"agent {name} not found")
        selector = (data.get("agent_endpoint") or {}).get("version_selector")
        if selector is not None:
            rules = selector.get("version_selection_rules") or []
            known = {v["version"] for v in self.versions[name]}
            if any(r["agent_version"] not in known for r in rules):
                return 400, _error("invalid_version", "a rule names a version that does not exist")
            if sum(r.get("traffic_percentage", 0) for r in rules) != 100:
                return 400, _error("invalid_traffic", "the traffic percentages must add to 100")
            self.agents[name]["agent_endpoint"]["version_selector"] = {
                "version_selection_rules": rules
            }  # merge-patch replaces an array whole
        return 200, self.agent_object(name)

    def _createAgentVersionFromCode(
        self, params: dict[str, str], data: Any, query: str
    ) -> tuple[int, Any]:
        name = params["agent_name"]
        made = self.add_version(
            name, data["definition"], data.get("metadata"), data.get("description")
        )
        return 200, made

    def _listAgentVersions(self, params: dict[str, str], data: Any, query: str) -> tuple[int, Any]:
        name = params["agent_name"]
        if name not in self.agents:
            return 404, _error("not_found", f"agent {name} not found")
        order = parse_qs(query).get("order", ["desc"])[0]
        items = list(self.versions[name])
        return 200, _page(items[::-1] if order == "desc" else items, parse_qs(query))

    def _getAgentVersion(self, params: dict[str, str], data: Any, query: str) -> tuple[int, Any]:
        name, number = params["agent_name"], params["agent_version"]
        found = [v for v in self.versions.get(name, []) if v["version"] == number]
        if not found:
            return 404, _error("not_found", f"version {number} of {name} not found")
        return 200, found[0]

    def _createResponse(self, params: dict[str, str], data: Any, query: str) -> tuple[int, Any]:
        reference = data.get("agent_reference")
        if reference is not None:
            found = [
                v
                for v in self.versions.get(reference["name"], [])
                if v["version"] == reference.get("version")
            ]
            if not found:
                return 404, _error("not_found", f"agent {reference} not found")
            definition = found[0]["definition"]
            self.runs.append("agent")
        else:
            if "model" not in data:
                return 400, _error("invalid_request", "model is required without an agent")
            definition = {k: v for k, v in data.items() if k not in ("input", "store")}
            self.runs.append("inline")
        messages = (
            data["input"]
            if isinstance(data["input"], list)
            else [{"role": "user", "content": data["input"]}]
        )
        text = self.answers(definition, messages) if self.answers else ""
        self.clock += 1
        item = {
            "type": "message",
            "id": f"msg_{secrets.token_hex(4)}",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": []}],
        }
        return 200, {
            "id": f"resp_{secrets.token_hex(6)}",
            "object": "response",
            "created_at": self.clock,
            "status": "completed",
            "model": definition.get("model", ""),
            "output": [item],
        }


def _page(items: list[dict[str, Any]], query: Mapping[str, list[str]]) -> dict[str, Any]:
    limit = int(query.get("limit", ["20"])[0])
    after = query.get("after", [None])[0]
    start = next((i + 1 for i, x in enumerate(items) if x["id"] == after), 0) if after else 0
    page = items[start : start + limit]
    reply: dict[str, Any] = {"data": page, "has_more": start + limit < len(items)}
    if page:
        reply |= {"first_id": page[0]["id"], "last_id": page[-1]["id"]}
    return reply


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "param": None, "type": "error"}}


def _query_problems(operation: Mapping[str, Any], query: Mapping[str, list[str]]) -> list[str]:
    declared = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
    problems = [f"query {k!r} is not declared" for k in query if k not in declared]
    problems += [
        f"query {k!r} is required"
        for k, p in declared.items()
        if p.get("required") and k not in query
    ]
    if "api-version" in query and query["api-version"] != [SPEC["info"]["version"]]:
        problems.append(f"api-version {query['api-version']} is not {SPEC['info']['version']}")
    for name, values in query.items():
        if name in declared and name != "api-version":
            problems += [
                f"query {name}: {e}"
                for v in values
                for e in schema_errors(declared[name]["schema"], _scalar(v))
            ]
    return problems


def _scalar(text: str) -> Any:
    if text in ("true", "false"):
        return text == "true"
    return int(text) if text.isdigit() else text


def _body(
    operation: Mapping[str, Any], headers: Mapping[str, str], body: bytes
) -> tuple[Any, list[str]]:
    declared = operation.get("requestBody")
    if declared is None:
        return None, [] if not body else ["a body where the operation takes none"]
    media = headers.get("content-type", "").split(";")[0].strip()
    content = declared["content"].get(media)
    if content is None:
        return None, [f"content type {media!r} is not declared"]
    try:
        data = json.loads(body or b"null")
    except ValueError:
        return None, ["the body is not JSON"]
    schema = content["schema"]
    problems = schema_errors(schema, data) + _undeclared(schema, data)
    definition = data.get("definition") if isinstance(data, dict) else None
    if isinstance(definition, dict):  # the discriminator, which JSON Schema does not apply
        mapping = SPEC["components"]["schemas"]["AgentDefinition"]["discriminator"]["mapping"]
        target = mapping.get(str(definition.get("kind")))
        if target is None:
            problems.append(f"definition.kind {definition.get('kind')!r} is not mapped")
        else:
            problems += [f"definition.{p}" for p in schema_errors({"$ref": target}, definition)]
            problems += [f"definition: {p}" for p in _undeclared({"$ref": target}, definition)]
    return data, problems


def _undeclared(schema: Mapping[str, Any], data: Any) -> list[str]:
    """Top-level keys the schema (after its $ref) does not declare: outside the description."""
    if not isinstance(data, dict):
        return []
    while "$ref" in schema:
        schema = SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    known = set(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        while "$ref" in part:
            part = SPEC["components"]["schemas"][part["$ref"].rsplit("/", 1)[1]]
        known |= set(part.get("properties", {}))
    return [f"{key!r} is not declared" for key in data if known and key not in known]


class _Handler(BaseHTTPRequestHandler):
    fake: FakeFoundry

    def _any(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, reply = self.fake.handle(self.command, self.path, headers, body)
        data = json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _any

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


@dataclass
class Server:
    """The fake behind HTTPS on 127.0.0.1 (a free port), served from a thread."""

    fake: FakeFoundry
    url: str
    httpd: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def endpoint(self) -> str:
        return self.url + PROJECT

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def serve(fake: FakeFoundry, context: ssl.SSLContext) -> Server:
    handler = type("Handler", (_Handler,), {"fake": fake})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    return Server(fake, f"https://127.0.0.1:{httpd.server_address[1]}", httpd, thread)
