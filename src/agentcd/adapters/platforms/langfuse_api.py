"""The Langfuse SDK behind the `langfuse` platform: its REST client, made on the first platform
call with the target's keys, and its errors as agentcd's.

The client is `langfuse.api.LangfuseAPI`, the generated client that `Langfuse().api` is, not
the `Langfuse` object around it: that one, even with `tracing_enabled=False`, starts three
background threads (media upload, score ingestion, prompt cache refresh), registers an exit
hook, and keeps one resource manager per public key for the whole process (a second target
with the same key and another host would reach the first host). `LangfuseAPI` sends no traces,
starts no thread and caches no prompt: every read is the server's answer. It authenticates
with HTTP Basic auth, the public key as the user and the secret key as the password.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Any, TypeVar
from urllib.parse import quote

from agentcd.adapters.environ import secret
from agentcd.errors import ConfigError, PlatformError

T = TypeVar("T")
INSTALL = "the langfuse platform needs the langfuse SDK 4 or later: pip install 'agentcd[langfuse]'"
TIMEOUT_S = 30.0


class NotFound(PlatformError):
    """The prompt, version or label the call named does not exist (404)."""


@dataclass(frozen=True, slots=True)
class Connection:
    host: str
    public_key_env: str
    secret_key_env: str


def connect(connection: Connection) -> Any:
    """A `LangfuseAPI` for the host, with the keys from the named variables."""
    try:
        import httpx
        from langfuse.api import LangfuseAPI  # langfuse 4 and later
    except ImportError as e:
        raise ConfigError(INSTALL) from e
    public = secret(connection.public_key_env)
    secret_key = secret(connection.secret_key_env)
    if not public or not secret_key:
        missing = [
            name
            for name, value in (
                (connection.public_key_env, public),
                (connection.secret_key_env, secret_key),
            )
            if not value
        ]
        raise PlatformError(f"no Langfuse API key: set {' and '.join(missing)}")
    return LangfuseAPI(
        base_url=connection.host.rstrip("/"),
        username=public,
        password=secret_key,
        x_langfuse_sdk_name="python",
        x_langfuse_sdk_version=metadata.version("langfuse"),
        x_langfuse_public_key=public,
        httpx_client=httpx.Client(timeout=TIMEOUT_S),
        timeout=TIMEOUT_S,
    )


def in_path(name: str) -> str:
    """A prompt name as one path segment: a folder's "/" encoded, as the API asks."""
    return quote(name, safe="")


def call(what: str, operation: Callable[[], T]) -> T:
    """Run one SDK operation; its failures become PlatformError naming `what` (NotFound for
    404), so nothing of the SDK leaks past the adapter."""
    import httpx
    import pydantic
    from langfuse.api.core.api_error import ApiError

    try:
        return operation()
    except ApiError as e:
        if e.status_code == 404:
            raise NotFound(f"{what}: not found") from e
        raise PlatformError(f"{what}: HTTP {e.status_code}: {_message(e.body)}") from e
    except httpx.HTTPError as e:  # connection refused, timeouts
        raise PlatformError(f"{what}: {type(e).__name__}: {_first_line(e)}") from e
    except pydantic.ValidationError as e:  # an answer not of the API's shape
        raise PlatformError(f"{what}: an answer Langfuse does not document: {e.errors()[0]}") from e


def plain(model: Any) -> dict[str, Any]:
    """An SDK model as the JSON it was read from (aliases, extra keys kept)."""
    return dict(model.dict())


def _message(body: Any) -> str:
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return str(body)[:200]


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
