"""A loopback agent endpoint that echoes the request's headers back, for redaction tests.

Real HTTP on 127.0.0.1 in a thread, speaking the `http` target's JSON contract. `mode` says
how the headers come back: in a reply (the answer, a tool call's arguments, extra fields), in
an error envelope (401), or in a body that is not JSON: a proxy's error page (502), or the
same page sent as a success (200, a malformed reply).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class EchoServer:
    def __init__(self, mode: str = "reply") -> None:
        self.mode = mode  # reply | error | page | garbled
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/agent"

    def __enter__(self) -> EchoServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _reply(headers: dict[str, str]) -> tuple[int, bytes]:
    auth = headers.get("Authorization", "")
    reply = {
        "output": f"You sent me these headers: {json.dumps(headers)}",
        "tool_calls": [{"name": "route_ticket", "arguments": {"queue": "billing", "seen": auth}}],
        "debug": {auth: "the header, as a key", "token": auth.partition(" ")[2]},
    }
    return 200, json.dumps(reply).encode()


def _error(headers: dict[str, str]) -> tuple[int, bytes]:
    message = f"Incorrect API key provided: {headers.get('Authorization', '')}"
    return 401, json.dumps({"error": {"message": message}}).encode()


def _page(headers: dict[str, str]) -> tuple[int, bytes]:
    first = sorted(headers.items(), key=lambda kv: kv[0] != "Authorization")  # within 120 chars
    lines = "".join(f"<li>{name}: {value}</li>" for name, value in first)
    return 502, f"<html><body>Bad gateway. Request headers: <ul>{lines}</ul></body></html>".encode()


def _garbled(headers: dict[str, str]) -> tuple[int, bytes]:
    return 200, _page(headers)[1]


_MODES = {"reply": _reply, "error": _error, "page": _page, "garbled": _garbled}


def _make_handler(server: EchoServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, payload = _MODES[server.mode](dict(self.headers.items()))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return _Handler
