"""A loopback OpenAI-compatible Chat Completions server for tests and the benchmark.

Real HTTP over a socket on 127.0.0.1 in a thread. Replies are scripted by a function of the
request body; latency and faults (429, 500, a timeout, a malformed body) can be injected for
the next requests. Response and error bodies follow the shapes of the Chat Completions API
reference (`chat.completion` objects, `{"error": {...}}` envelopes).

Run as a script (`python -m tests.fakes.openai_server --latency 0.1`) it prints its base URL
and serves a one-line answer to every request until stopped.
"""

from __future__ import annotations

import argparse
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Handler = Callable[[dict[str, Any]], dict[str, Any]]
_ids = itertools.count(1)


def text_reply(
    content: str, *, prompt_tokens: int = 10, completion_tokens: int = 5
) -> dict[str, Any]:
    """A final assistant answer."""
    return _completion(
        {"role": "assistant", "content": content}, "stop", prompt_tokens, completion_tokens
    )


def tool_reply(*calls: tuple[str, dict[str, Any]], prompt_tokens: int = 10) -> dict[str, Any]:
    """An assistant turn that calls tools (arguments are sent as a JSON string, as the API does)."""
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": f"call_{next(_ids)}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
            for name, args in calls
        ],
    }
    return _completion(message, "tool_calls", prompt_tokens, 3)


def _completion(message: dict[str, Any], finish: str, p: int, c: int) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{next(_ids)}",
        "object": "chat.completion",
        "created": 1767225600,
        "model": "gpt-4.1-mini-2025-04-14",
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c},
    }


def answer_ok(body: dict[str, Any]) -> dict[str, Any]:
    return text_reply("ok")


@dataclass(frozen=True)
class Fault:
    """What the next request gets instead of a reply."""

    status: int = 0  # 429 or 5xx: an error envelope with this status
    delay_s: float = 0.0  # sleep before answering (a timeout when above the client's)
    raw: str | None = None  # a 200 whose body is this text (malformed)


RATE_LIMITED = Fault(status=429)
SERVER_ERROR = Fault(status=500)
MALFORMED = Fault(raw="{not json")

_ERRORS = {
    429: ("Rate limit reached for requests", "requests", "rate_limit_exceeded"),
    500: ("The server had an error while processing your request.", "server_error", None),
    503: ("The engine is currently overloaded, please try again later", "server_error", None),
}


class FakeOpenAI:
    def __init__(self, handler: Handler = answer_ok, *, latency_s: float = 0.0) -> None:
        self.handler = handler
        self.latency_s = latency_s
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []  # each request's headers, for handlers that echo
        self.faults: deque[Fault] = deque()
        self.always: Fault | None = None
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def inject(self, *faults: Fault) -> None:
        with self._lock:
            self.faults.extend(faults)

    def next_fault(self, body: dict[str, Any]) -> Fault | None:
        with self._lock:
            self.requests.append(body)
            return self.faults.popleft() if self.faults else self.always


def _make_handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; without TCP_NODELAY, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every response.
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            if not self.path.endswith("/chat/completions"):
                return self._send(404, {"error": {"message": f"no route {self.path}"}})
            if self.headers.get("Authorization", "") != "Bearer test-key":
                return self._send(401, {"error": {"message": "Incorrect API key provided"}})
            fake.headers.append(dict(self.headers.items()))
            fault = fake.next_fault(body)
            time.sleep(fake.latency_s + (fault.delay_s if fault else 0.0))
            if fault is not None and fault.status:
                message, kind, code = _ERRORS.get(fault.status, ("error", "server_error", None))
                error = {"message": message, "type": kind, "param": None, "code": code}
                return self._send(fault.status, {"error": error}, retry_after="0")
            if fault is not None and fault.raw is not None:
                return self._send_raw(200, fault.raw.encode())
            return self._send(200, fake.handler(body))

        def _send(self, status: int, data: Any, *, retry_after: str | None = None) -> None:
            extra = {"Retry-After": retry_after} if retry_after else {}
            self._send_raw(status, json.dumps(data).encode(), **extra)

        def _send_raw(self, status: int, payload: bytes, **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return _Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per request")
    args = parser.parse_args()
    with FakeOpenAI(latency_s=args.latency) as fake:
        print(fake.base_url, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
