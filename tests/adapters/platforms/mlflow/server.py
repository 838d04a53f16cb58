"""A real `mlflow server` on 127.0.0.1 for the tests, and the loopback gateway in front of it.

The server keeps its SQLite store and artifacts in a folder of its own, runs one worker with
job execution off (about 0.5 GB instead of about 2 GB) and every telemetry and usage report
off, and is polled on `/health` with a deadline. Nothing of this machine's MLflow setup is read:
it gets an environment of its own with HOME inside its folder.

The server runs without authentication: its basic-auth app needs Flask-WTF, which neither
`mlflow` nor `mlflow-skinny` installs. So the gateway (`Gateway`) stands in front of it as a
deployment's authenticating proxy would: it checks HTTP basic credentials (the ones the MLflow
client sends from MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD) and answers a missing
or wrong one with the 401 and the challenge MLflow's basic-auth app sends, a revoked user with
its 403 `Permission denied`; every other request goes to the server as it came. It also keeps
the line of each request it passed, per user, so a test can count the calls.
"""

from __future__ import annotations

import base64
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

# Every switch the server reads to report usage (mlflow/telemetry/utils.py
# `is_telemetry_disabled`), and the job runner off (mlflow/environment_variables.py).
QUIET = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
}
STARTUP_DEADLINE_S = 90.0
# The basic-auth app's answers (mlflow/server/auth/__init__.py `make_basic_auth_response`,
# `make_forbidden_response`).
UNAUTHENTICATED = (
    "You are not authenticated. Please see "
    "https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow "
    "on how to authenticate."
)
FORBIDDEN = "Permission denied"
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """One `mlflow server` process (a process group: the CLI and its uvicorn worker)."""

    url: str
    process: subprocess.Popen[bytes]
    folder: Path
    started_s: float = 0.0

    def rss_kb(self) -> int:
        """Resident memory of the server and every process under it, in KiB."""
        return sum(_rss_kb(pid) for pid in _tree(self.process.pid))

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


def start_server(folder: Path) -> Server:
    """`mlflow server` on a free loopback port, ready (its `/health` answers) or an error."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("mlflow")),
        "server",
        *("--host", "127.0.0.1", "--port", str(port), "--workers", "1"),
        *("--backend-store-uri", f"sqlite:///{folder / 'mlflow.db'}"),
        *("--default-artifact-root", str(folder / "artifacts")),
    ]
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(folder), **QUIET}
    log = open(folder / "server.log", "wb")  # noqa: SIM115 (the process writes it until stopped)
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    server = Server(f"http://127.0.0.1:{port}", process, folder)
    try:
        _wait_healthy(server)
    except BaseException:
        server.stop()
        raise
    server.started_s = time.perf_counter() - started
    return server


def _wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = (server.folder / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"mlflow server exited with {server.process.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(f"{server.url}/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"mlflow server not ready after {STARTUP_DEADLINE_S:.0f} s")


def _tree(pid: int) -> list[int]:
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            queue.extend(int(child) for child in task.read_text().split())
    return pids


def _rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    line = next((x for x in status.splitlines() if x.startswith("VmRSS:")), "VmRSS: 0 kB")
    return int(line.split()[1])


# ---------------------------------------------------------------- the gateway


@dataclass
class Gateway:
    """Basic authentication in front of `upstream`; `url` is what the tests' targets name."""

    upstream: str
    users: dict[str, str] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (user, "POST /path")
    url: str = ""
    _httpd: ThreadingHTTPServer | None = None

    def start(self) -> Gateway:
        handler = type("Handler", (_Forward,), {"gateway": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def add_user(self, name: str) -> str:
        """A user with a fresh password (returned)."""
        self.users[name] = secrets.token_urlsafe(12)
        return self.users[name]

    def calls(self, user: str) -> list[str]:
        return [line for who, line in list(self.requests) if who == user]


class _Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the MLflow client's session expects
    disable_nagle_algorithm = True  # headers and body are two writes: no delayed-ACK stall
    gateway: ClassVar[Gateway]

    def log_message(self, format: str, *args: object) -> None:
        del format, args  # quiet

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        user = self._user()
        if user is None:
            self._answer(401, UNAUTHENTICATED, {"WWW-Authenticate": 'Basic realm="mlflow"'})
        elif user in self.gateway.revoked:
            self._answer(403, FORBIDDEN, {})
        else:
            self.gateway.requests.append((user, f"{self.command} {self.path.split('?')[0]}"))
            self._forward(body)

    def _user(self) -> str | None:
        scheme, _, encoded = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            name, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return None
        known = self.gateway.users.get(name)
        return name if known is not None and secrets.compare_digest(known, password) else None

    def _forward(self, body: bytes) -> None:
        host, _, port = self.gateway.upstream.removeprefix("http://").partition(":")
        upstream = http.client.HTTPConnection(host, int(port), timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            reply = upstream.getresponse()
            data = reply.read()
            kept = {k: v for k, v in reply.getheaders() if k.lower() not in _HOP_BY_HOP}
            self._send(reply.status, data, kept)
        finally:
            upstream.close()

    def _answer(self, status: int, text: str, headers: dict[str, str]) -> None:
        self._send(status, text.encode(), {"Content-Type": "text/html; charset=utf-8", **headers})

    def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
