"""The Foundry SDK behind the `foundry` platform: loaded on the first platform call, one project
client per target, and its errors as agentcd's.

`azure-ai-projects` does the HTTP (retries, paging, merge-patch), `azure-identity` the
credentials (`DefaultAzureCredential`: environment, workload identity from a CI job's OIDC
token, managed identity, Azure CLI); neither is needed to render, so `agentcd validate` works
without them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from agentcd.errors import ConfigError, PlatformError

T = TypeVar("T")
INSTALL = (
    "the foundry platform needs azure-ai-projects and azure-identity: "
    "pip install 'agentcd[foundry]'"
)


class NotFound(PlatformError):
    """The resource the call named does not exist (404)."""


@dataclass(frozen=True, slots=True)
class Connection:
    endpoint: str


def connect(connection: Connection) -> Any:
    """An `AIProjectClient` for the project endpoint, with `DefaultAzureCredential`."""
    try:
        from azure.ai.projects import AIProjectClient
        from azure.identity import DefaultAzureCredential
    except ImportError as e:
        raise ConfigError(INSTALL) from e
    credential = DefaultAzureCredential(exclude_interactive_browser_credential=True)
    return AIProjectClient(endpoint=connection.endpoint, credential=credential)


def models() -> Any:
    """The SDK's models module (`azure.ai.projects.models`)."""
    try:
        from azure.ai.projects import models as sdk_models
    except ImportError as e:
        raise ConfigError(INSTALL) from e
    return sdk_models


def call(what: str, operation: Callable[[], T]) -> T:
    """Run one SDK operation; its failures become PlatformError naming `what` (NotFound for
    404), so nothing of the SDK leaks past the adapter."""
    from azure.core.exceptions import AzureError, HttpResponseError, ResourceNotFoundError

    try:
        return operation()
    except ResourceNotFoundError as e:
        raise NotFound(f"{what}: not found") from e
    except HttpResponseError as e:
        if e.status_code is None:  # the credential's failure (ClientAuthenticationError)
            raise PlatformError(f"{what}: {type(e).__name__}: {_first_line(e)}") from e
        raise PlatformError(f"{what}: HTTP {e.status_code}: {_reason(e)}") from e
    except AzureError as e:  # credentials, connection, timeouts
        raise PlatformError(f"{what}: {type(e).__name__}: {_first_line(e)}") from e


def call_openai(what: str, operation: Callable[[], T]) -> T:
    """Run one call of the project's OpenAI client (Responses API) the same way."""
    import openai
    from azure.core.exceptions import AzureError

    try:
        return operation()
    except openai.APIStatusError as e:
        raise PlatformError(f"{what}: HTTP {e.status_code}: {_first_line(e)}") from e
    except (openai.APIError, AzureError) as e:
        raise PlatformError(f"{what}: {type(e).__name__}: {_first_line(e)}") from e


def _reason(error: Any) -> str:
    detail = getattr(error, "error", None)
    message = getattr(detail, "message", None) if detail is not None else None
    return str(message or error.reason or _first_line(error))


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
