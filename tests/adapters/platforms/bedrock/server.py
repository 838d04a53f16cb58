"""The fake Bedrock over loopback HTTP, with the two services a CI job calls before it: the CI
host's OIDC token endpoint (GitHub's shape) and STS's AssumeRoleWithWebIdentity.

For processes the fake cannot be attached to (a workflow step under act, a GitLab job). The
two Bedrock services are mounted at `/bedrock-agent` and `/bedrock-agent-runtime` (their paths
overlap at `/tags/...`, which AWS tells apart by host); each request is mapped to its operation
by method and path through botocore's service model, rebuilt as the `AWSPreparedRequest`
botocore sent, and handed to `FakeBedrock` through the `before-send` event it is attached to,
so every check of `wire` runs as in-process. STS answers the query protocol at `/` with the XML
AWS sends (docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html),
only for a token the endpoint issued and the one role it was told of. The token endpoint is
GitHub's (`GET <ACTIONS_ID_TOKEN_REQUEST_URL>&audience=...` with `Authorization: bearer
<ACTIONS_ID_TOKEN_REQUEST_TOKEN>`, answering `{"value": "<jwt>"}`, docs.github.com/actions/
reference/security/oidc). Everything each service was asked is kept for the test to assert.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

import botocore.session
from botocore.awsrequest import AWSPreparedRequest, HeadersDict
from botocore.hooks import HierarchicalEmitter

from tests.adapters.platforms.bedrock import wire
from tests.adapters.platforms.bedrock.fake import ACCOUNT, FakeBedrock

SERVICES = ("bedrock-agent-runtime", "bedrock-agent")  # the longer mount first
STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
TOKEN_PATH = "/idtoken"


@dataclass
class Issuer:
    """The OIDC side: who may ask (`request_token`), what was asked and what was issued."""

    request_token: str
    subject: str
    issued: list[str] = field(default_factory=list)
    asked: list[tuple[str | None, str | None]] = field(default_factory=list)  # audience, auth
    _serial: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def issue(self, audience: str) -> str:
        """A JWT-shaped token (unsigned: STS here checks it was issued, not its signature)."""
        claims = {"iss": "https://token.actions.githubusercontent.com", "aud": audience,
                  "sub": self.subject, "jti": f"fake-{next(self._serial)}"}  # fmt: skip
        parts = ({"alg": "RS256", "typ": "JWT"}, claims, {"signature": "none"})
        token = ".".join(_b64(json.dumps(p).encode()) for p in parts)
        self.issued.append(token)
        return token

    def answer(self, query: dict[str, list[str]], authorization: str | None) -> tuple[int, Any]:
        audience = query.get("audience", [None])[0]
        self.asked.append((audience, authorization))
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or token != self.request_token:
            return 401, {"message": "Bad credentials"}
        return 200, {"value": self.issue(audience or "https://github.com")}


@dataclass
class Sts:
    """AssumeRoleWithWebIdentity for one role; the temporary credentials it hands out."""

    role_arn: str
    issuer: Issuer
    access_key: str = "ASIAFAKETEMPORARY001"
    secret_key: str = "fake-temporary-secret"
    session_token: str = "fake-session-token"
    calls: list[dict[str, str]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    def answer(self, form: dict[str, str]) -> tuple[int, str]:
        self.calls.append(dict(form))
        action = form.pop("Action", None), form.pop("Version", None)
        if action != ("AssumeRoleWithWebIdentity", "2011-06-15"):
            return 400, _sts_error("InvalidAction", f"not served here: {action}")
        model = botocore.session.get_session().get_service_model("sts")
        shape = model.operation_model("AssumeRoleWithWebIdentity").input_shape
        params: dict[str, Any] = {**form}
        if "DurationSeconds" in params:
            params["DurationSeconds"] = int(params["DurationSeconds"])
        problems = wire.check(shape, params)
        if problems:
            self.violations.extend(problems)
            return 400, _sts_error("ValidationError", "; ".join(problems))
        if form["WebIdentityToken"] not in self.issuer.issued:
            return 400, _sts_error("InvalidIdentityToken", "the token was not issued")
        if form["RoleArn"] != self.role_arn:
            return 403, _sts_error("AccessDenied", "not authorized to perform AssumeRole")
        return 200, self._credentials(form["RoleSessionName"])

    def _credentials(self, session: str) -> str:
        expires = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        role = self.role_arn.rsplit("/", 1)[-1]
        return (
            f'<AssumeRoleWithWebIdentityResponse xmlns="{STS_NAMESPACE}">'
            "<AssumeRoleWithWebIdentityResult>"
            f"<SubjectFromWebIdentityToken>{escape(self.issuer.subject)}"
            "</SubjectFromWebIdentityToken>"
            "<Audience>sts.amazonaws.com</Audience>"
            "<AssumedRoleUser>"
            f"<Arn>arn:aws:sts::{ACCOUNT}:assumed-role/{escape(role)}/{escape(session)}</Arn>"
            f"<AssumedRoleId>AROAFAKEROLEID:{escape(session)}</AssumedRoleId>"
            "</AssumedRoleUser>"
            "<Credentials>"
            f"<SessionToken>{self.session_token}</SessionToken>"
            f"<SecretAccessKey>{self.secret_key}</SecretAccessKey>"
            f"<Expiration>{expires}</Expiration>"
            f"<AccessKeyId>{self.access_key}</AccessKeyId>"
            "</Credentials>"
            "<Provider>token.actions.githubusercontent.com</Provider>"
            "</AssumeRoleWithWebIdentityResult>"
            "<ResponseMetadata><RequestId>fake-sts-request</RequestId></ResponseMetadata>"
            "</AssumeRoleWithWebIdentityResponse>"
        )


class Bedrock:
    """Both Bedrock services of `fake`, each request routed to its operation by the model."""

    def __init__(self, fake: FakeBedrock) -> None:
        self.fake = fake
        self._clients: dict[str, Any] = {}
        self._routes: list[tuple[str, str, re.Pattern[str], str]] = []
        session = botocore.session.get_session()
        for service in SERVICES:
            model = session.get_service_model(service)
            # What FakeBedrock.attach reads off a boto3 client: its model and its events.
            client = SimpleNamespace(
                meta=SimpleNamespace(service_model=model, events=HierarchicalEmitter())
            )
            fake.attach(client)
            self._clients[service] = client
            for name in model.operation_names:
                http = model.operation_model(name).http
                path = _template(http["requestUri"].split("?")[0])
                self._routes.append((service, http["method"], path, name))

    def answer(self, service: str, request: AWSPreparedRequest) -> Any:
        path = urlsplit(request.url).path
        found = [
            op
            for s, method, pattern, op in self._routes
            if (s, method) == (service, request.method) and pattern.fullmatch(path)
        ]
        if len(found) != 1:
            self.fake.violations.append(f"{service}: {request.method} {path} is {found or 'none'}")
            return wire.error("UnknownOperationException", path, 404, request.url)
        events = self._clients[service].meta.events
        _, response = events.emit_until_response(
            f"before-send.{service}.{found[0]}", request=request
        )
        return response


@dataclass
class Cloud:
    """What the server holds and where to reach each part of it."""

    fake: FakeBedrock
    issuer: Issuer
    sts: Sts
    url: str = ""

    def endpoint(self, service: str) -> str:
        """The `endpoint_url` of `bedrock-agent` or `bedrock-agent-runtime`."""
        return f"{self.url}/{service}"

    @property
    def token_url(self) -> str:
        """ACTIONS_ID_TOKEN_REQUEST_URL: it carries a query already, as GitHub's does."""
        return f"{self.url}{TOKEN_PATH}?api-version=2.0"


@contextmanager
def serve(fake: FakeBedrock, *, role_arn: str, request_token: str, subject: str) -> Iterator[Cloud]:
    """Run the three services on a free loopback port; `Cloud.url` is set once it listens."""
    issuer = Issuer(request_token, subject)
    cloud = Cloud(fake, issuer, Sts(role_arn, issuer))
    bedrock = Bedrock(fake)
    lock = threading.Lock()  # the fake is not thread-safe; the server is, for slow clients

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # botocore keeps its connections open

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with lock:
                status, headers, data = _route(cloud, bedrock, self, body)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    cloud.url = f"http://127.0.0.1:{server.server_address[1]}"
    # A short poll: shutdown() waits for it, once per test that serves.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield cloud
    finally:
        server.shutdown()
        server.server_close()


def _route(
    cloud: Cloud, bedrock: Bedrock, handler: BaseHTTPRequestHandler, body: bytes
) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(handler.path)
    for service in SERVICES:
        mount = f"/{service}"
        if parts.path.startswith(mount + "/"):
            rest = parts.path[len(mount) :] + (f"?{parts.query}" if parts.query else "")
            request = AWSPreparedRequest(
                handler.command, cloud.url + rest, HeadersDict(handler.headers.items()), body, True
            )
            response = bedrock.answer(service, request)
            return response.status_code, dict(response.headers), response.content
    if parts.path == TOKEN_PATH and handler.command == "GET":
        status, payload = cloud.issuer.answer(
            parse_qs(parts.query), handler.headers.get("Authorization")
        )
        return status, {"Content-Type": "application/json"}, json.dumps(payload).encode()
    if parts.path == "/" and handler.command == "POST":
        form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        status, xml = cloud.sts.answer(form)
        return status, {"Content-Type": "text/xml"}, xml.encode()
    return 404, {"Content-Type": "text/plain"}, b"not served here"


def _template(uri: str) -> re.Pattern[str]:
    pattern = ""
    for literal, label in re.findall(r"([^{]*)(?:\{([^}]+)\})?", uri):
        pattern += re.escape(literal)
        if label:
            pattern += ".+" if label.endswith("+") else "[^/]+"
    return re.compile(pattern)


def _sts_error(code: str, message: str) -> str:
    return (
        f'<ErrorResponse xmlns="{STS_NAMESPACE}"><Error><Type>Sender</Type>'
        f"<Code>{code}</Code><Message>{escape(message)}</Message></Error>"
        "<RequestId>fake-sts-request</RequestId></ErrorResponse>"
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
