"""The LangGraph SDK behind the `langgraph` platform: loaded on the first platform call, one
sync client per target, its errors as agentcd's, and runs waited for with a deadline.

`langgraph-sdk` does the HTTP (httpx); it is not needed to render, so `agentcd validate` works
without it. The API key is the target's `api_key_env` variable, sent as `x-api-key`; without
one no key is sent: the SDK's own look-up of LANGGRAPH_API_KEY, LANGSMITH_API_KEY and
LANGCHAIN_API_KEY is turned off, so a key reaches only the deployment the project names it for.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from agentcd.adapters.environ import secret
from agentcd.errors import ConfigError, PlatformError

T = TypeVar("T")
INSTALL = "the langgraph platform needs langgraph-sdk: pip install 'agentcd[langgraph]'"
CONNECT_S = 10.0  # to open a connection; a read may take up to the target's timeout_s
CANCEL_GRACE_S = 10.0  # after a cancel, how long the wait may take to come back


class NotFound(PlatformError):
    """The resource the call named does not exist (404)."""


@dataclass(frozen=True, slots=True)
class Connection:
    url: str
    api_key_env: str | None
    timeout_s: float


def connect(connection: Connection) -> Any:
    """A `SyncLangGraphClient` for the deployment at `url`, with the target's API key."""
    try:
        from langgraph_sdk import get_sync_client
    except ImportError as e:
        raise ConfigError(INSTALL) from e
    key = None
    if connection.api_key_env is not None:
        key = secret(connection.api_key_env)
        if key is None:
            raise ConfigError(
                f"the langgraph target's api_key_env: {connection.api_key_env} is not set"
            )
    reading = connection.timeout_s + CANCEL_GRACE_S
    timeout = (CONNECT_S, reading, reading, CONNECT_S)  # connect, read, write, pool
    return get_sync_client(url=connection.url, api_key=key, timeout=timeout)


def call(what: str, operation: Callable[[], T]) -> T:
    """Run one SDK operation; its failures become PlatformError naming `what` (NotFound for
    404), so nothing of the SDK or httpx leaks past the adapter."""
    import httpx

    try:
        return operation()
    except httpx.HTTPStatusError as e:
        status = e.response.status_code
        if status == 404:
            raise NotFound(f"{what}: not found") from e
        raise PlatformError(f"{what}: HTTP {status}: {_reason(e)}") from e
    except httpx.HTTPError as e:  # connection refused, timeouts, a cut-off body
        raise PlatformError(f"{what}: {type(e).__name__}: {_first_line(e)}") from e


def wait(client: Any, what: str, assistant: str, timeout_s: float, **run: Any) -> Any:
    """`runs.wait` for a stateless run with a deadline. The server keeps the request open with
    a blank line every 5 s while the run goes on, so no read timeout ends it: at the deadline
    the run is cancelled on the server, and this is a PlatformError."""
    created: dict[str, str] = {}  # the run's ids, from the answer's headers
    late = threading.Event()
    timer = threading.Timer(timeout_s, _cancel, args=(client, what, created, late))
    timer.daemon = True
    timer.start()
    late_error = f"{what}: the run did not finish within {timeout_s:g}s (cancelled)"
    try:
        result = call(
            what,
            lambda: client.runs.wait(
                None,
                assistant,
                raise_error=False,
                on_disconnect="cancel",  # a client that gives up stops the run, too
                on_run_created=created.update,
                **run,
            ),
        )
    except PlatformError as e:
        if late.is_set():  # the cancel cut the answer short
            raise PlatformError(late_error) from e
        raise
    finally:
        timer.cancel()
    if late.is_set():
        raise PlatformError(late_error)
    if isinstance(result, dict) and isinstance(result.get("__error__"), dict):
        error = result["__error__"]
        raise PlatformError(f"{what}: the run failed: {error.get('error')}: {error.get('message')}")
    return result


def _cancel(client: Any, what: str, created: dict[str, str], late: threading.Event) -> None:
    """At the deadline: cancel the run, so the wait comes back with its state so far. Should
    the cancel fail, the deadline's error still says what matters."""
    late.set()
    thread, run = created.get("thread_id"), created.get("run_id")
    if thread and run:
        with contextlib.suppress(PlatformError):
            call(f"{what}: cancelling", lambda: client.runs.cancel(thread, run))


def _reason(error: Any) -> str:
    message = getattr(error, "message", None)
    if isinstance(message, str) and message:
        return message
    notes = getattr(error, "__notes__", None) or []  # request_reconnect adds the body as a note
    for note in notes:
        try:
            body = json.loads(note)
        except ValueError:
            return _first_line(Exception(note))
        if isinstance(body, dict) and isinstance(body.get("detail") or body.get("message"), str):
            return str(body.get("detail") or body.get("message"))
    return _first_line(error)


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
