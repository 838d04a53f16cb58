"""A loopback git server over smart HTTP (`git http-backend` behind Basic authentication), as
GitHub and GitLab serve a repository to a CI job holding a token."""

from __future__ import annotations

import base64
import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit


@contextmanager
def serve_git(root: Path, *, username: str, token: str) -> Iterator[str]:
    """Serve the bare repositories under `root`; yields the base URL. Only `username:token`
    gets in (anything else is a 401, as on GitHub and GitLab)."""
    wanted = "Basic " + base64.b64encode(f"{username}:{token}".encode()).decode()
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            given = self.headers.get("Authorization")
            seen.append(given or "")
            if given != wanted:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="git"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status, headers, payload = _backend(root, self, username)
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _backend(
    root: Path, request: BaseHTTPRequestHandler, user: str
) -> tuple[int, list[tuple[str, str]], bytes]:
    parts = urlsplit(request.path)
    body = _body(request)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(root),
        "GIT_PROJECT_ROOT": str(root),
        "GIT_HTTP_EXPORT_ALL": "1",
        "REMOTE_USER": user,  # lets http-backend accept pushes
        "REMOTE_ADDR": "127.0.0.1",
        "REQUEST_METHOD": request.command,
        "PATH_INFO": parts.path,
        "QUERY_STRING": parts.query,
        "CONTENT_TYPE": request.headers.get("Content-Type", ""),
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_CONTENT_ENCODING": request.headers.get("Content-Encoding", ""),
        "GIT_PROTOCOL": request.headers.get("Git-Protocol", ""),
    }
    out = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True).stdout
    head, _, payload = out.partition(b"\r\n\r\n")
    status, headers = 200, []
    for line in head.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        if name.lower() == "status":
            status = int(value.split()[0])
        elif name:
            headers.append((name, value.strip()))
    return status, headers, payload


def _body(request: BaseHTTPRequestHandler) -> bytes:
    if request.headers.get("Transfer-Encoding", "").lower() != "chunked":
        return request.rfile.read(int(request.headers.get("Content-Length") or 0))
    chunks = []
    while True:
        size = int(request.rfile.readline().split(b";")[0], 16)
        if size == 0:
            request.rfile.readline()
            return b"".join(chunks)
        chunks.append(request.rfile.read(size))
        request.rfile.readline()
