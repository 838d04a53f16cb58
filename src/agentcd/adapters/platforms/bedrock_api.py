"""The thin seam to AWS for the Bedrock platform: boto3 clients, one call, pages, a poll.

botocore does the rest: SigV4 signing (signing name `bedrock`), the credential chain
(environment, shared config and `profile`, SSO, web identity for CI's OIDC, instance roles),
retries with backoff (standard mode), endpoint resolution (`endpoint_url`, or
AWS_ENDPOINT_URL_BEDROCK_AGENT / AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME, which boto3 reads) and
the event stream of InvokeAgent. Every failure becomes an `ApiError` naming the operation.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from agentcd.errors import ConfigError, PlatformError

USER_AGENT = "agentcd"
NOT_FOUND = "ResourceNotFoundException"


class ApiError(PlatformError):
    """One Bedrock call failed: `code` is AWS's error code (or botocore's exception name)."""

    def __init__(self, operation: str, code: str, message: str) -> None:
        self.operation, self.code = operation, code
        super().__init__(f"Bedrock {operation}: {code}: {message}")


@dataclass(frozen=True, slots=True)
class Connection:
    """How to reach AWS: the target's region, profile, endpoints and retry budget."""

    region: str
    profile: str | None = None
    endpoint_url: str | None = None
    runtime_endpoint_url: str | None = None
    max_attempts: int = 5


@dataclass(frozen=True)
class Clients:
    """The two boto3 clients (control plane and runtime) and how to wait between polls."""

    agent: Any
    runtime: Any
    sleep: Callable[[float], None] = field(default=time.sleep)
    clock: Callable[[], float] = field(default=time.monotonic)


def connect(connection: Connection) -> Clients:
    """Real boto3 clients; an endpoint left unset is what boto3 resolves (its variables)."""
    try:
        import boto3
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError
    except ImportError as e:
        raise ConfigError("the bedrock platform needs boto3: pip install 'agentcd[bedrock]'") from e
    retries = {"mode": "standard", "total_max_attempts": connection.max_attempts}
    control = Config(retries=retries, user_agent_extra=USER_AGENT, connect_timeout=10)
    runtime = Config(retries=retries, user_agent_extra=USER_AGENT, read_timeout=300)
    try:
        session = boto3.session.Session(
            profile_name=connection.profile, region_name=connection.region
        )
        agent = session.client(
            "bedrock-agent", endpoint_url=connection.endpoint_url, config=control
        )
        runtime_client = session.client(
            "bedrock-agent-runtime", endpoint_url=connection.runtime_endpoint_url, config=runtime
        )
    except BotoCoreError as e:
        raise ConfigError(f"connecting to Bedrock in {connection.region}: {e}") from e
    return Clients(agent=agent, runtime=runtime_client)


def call(client: Any, operation: str, **params: Any) -> dict[str, Any]:
    """One operation by its API name (`UpdateAgent`), its response without metadata."""
    method = getattr(client, _snake(operation))
    with _translated(operation):
        response = dict(method(**params))
    response.pop("ResponseMetadata", None)
    return response


def pages(client: Any, operation: str, key: str, **params: Any) -> Iterator[dict[str, Any]]:
    """Every item under `key` of a List operation, page by page (botocore's paginator)."""
    paginator = client.get_paginator(_snake(operation))
    with _translated(operation):
        for page in paginator.paginate(**params):
            yield from page.get(key, [])


def stream(operation: str, events: Any) -> Iterator[dict[str, Any]]:
    """The events of an event stream; an error event is an `ApiError` like any other."""
    with _translated(operation):
        yield from events


def poll(
    clients: Clients,
    read: Callable[[], Mapping[str, Any]],
    *,
    done: Callable[[Mapping[str, Any]], bool],
    deadline_s: float,
    what: str,
) -> Mapping[str, Any]:
    """Read until `done`, backing off from 1 to 5 seconds, until the deadline."""
    give_up = clients.clock() + deadline_s
    wait = 1.0
    while True:
        state = read()
        if done(state):
            return state
        if clients.clock() >= give_up:
            raise PlatformError(f"{what}: still not done after {deadline_s:g}s")
        clients.sleep(wait)
        wait = min(wait * 2, 5.0)


@contextmanager
def _translated(operation: str) -> Iterator[None]:
    """Turn botocore's exceptions into `ApiError`."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as error:
        detail = error.response.get("Error", {})
        code = str(detail.get("Code") or "Error")
        raise ApiError(operation, code, str(detail.get("Message") or error)) from error
    except BotoCoreError as error:
        raise ApiError(operation, type(error).__name__, str(error)) from error


def _snake(operation: str) -> str:
    """`UpdateAgentAlias` -> `update_agent_alias` (botocore's client method names)."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")
