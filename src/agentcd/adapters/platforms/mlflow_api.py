"""The MLflow client behind the `mlflow` platform: loaded on the first platform call, the few
registry operations the adapter uses as plain data, and MLflow's errors as agentcd's.

`mlflow-skinny` does the HTTP (retries, credentials from MLFLOW_TRACKING_USERNAME and
MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN); it is not needed to render, so `agentcd
validate` works without it. Every read goes to the server: nothing here uses `load_prompt`,
whose cache serves an alias for up to 60 s (versions for ever) after it moved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from agentcd.adapters.platforms.mlflow_render import IS_PROMPT, MARK_DEPLOYMENT
from agentcd.errors import ConfigError, PlatformError

T = TypeVar("T")
INSTALL = "the mlflow platform needs mlflow-skinny: pip install 'agentcd[mlflow]'"
# A search of versions or registered models returns prompts only when it asks for them by this
# tag (the server's `_is_querying_prompt`); without it a digest lookup finds nothing.
PROMPTS = f"tag.`{IS_PROMPT}` = 'true'"
PAGE = 100


class NotFound(PlatformError):
    """The prompt or version the call named does not exist (RESOURCE_DOES_NOT_EXIST)."""


@dataclass(frozen=True, slots=True)
class Prompt:
    name: str
    tags: Mapping[str, str]
    aliases: Mapping[str, str]  # alias -> version


@dataclass(frozen=True, slots=True)
class Version:
    name: str
    version: str
    tags: Mapping[str, str]  # every tag, MLflow's (the text, the model config) included


def connect(tracking_uri: str) -> Any:
    """An `MlflowClient` whose tracking and registry server is `tracking_uri`."""
    try:
        from mlflow import MlflowClient
    except ImportError as e:
        raise ConfigError(INSTALL) from e
    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


def call(what: str, operation: Callable[[], T]) -> T:
    """Run one client operation; its failures become PlatformError naming `what` (NotFound
    when the server says the resource does not exist)."""
    try:
        from mlflow.exceptions import MlflowException
    except ImportError as e:
        raise ConfigError(INSTALL) from e
    try:
        return operation()
    except MlflowException as e:
        if e.error_code == "RESOURCE_DOES_NOT_EXIST":
            raise NotFound(f"{what}: not found") from e
        raise PlatformError(f"{what}: {e.error_code}: {_first_line(e)}") from e


class Registry:
    """The prompt registry operations the adapter uses, on `client` (made on first use)."""

    def __init__(self, connect_client: Callable[[], Any]) -> None:
        self._connect = connect_client
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._connect()
        return self._client

    def prompt(self, name: str) -> Prompt | None:
        """The prompt with its tags and aliases, in one search; None when there is none."""
        found = self._search_prompts(f"name = '{name}'", None)
        return next((p for p in found[0] if p.name == name), None)

    def prompts(self, prefix: str) -> Iterator[Prompt]:
        """Every prompt whose name starts with `prefix`, page by page."""
        where = f"name LIKE '{prefix}%'" if prefix else ""
        token: str | None = None
        while True:
            page, token = self._search_prompts(where, token)
            yield from page
            if not token:
                return

    def version(self, name: str, number: str) -> Version | None:
        """One version read whole (its tags hold its text and model config), or None."""
        if not number.isdigit():
            return None
        found = self._search_versions(
            f"name = '{name}' AND {PROMPTS} AND version_number = {number}"
        )
        return next(iter(found), None)

    def stamped(self, name: str, deployment: str) -> list[Version]:
        """The versions tagged with this deployment digest, newest first."""
        stamp = f"tag.`{MARK_DEPLOYMENT}` = '{deployment}'"
        return self._search_versions(f"name = '{name}' AND {PROMPTS} AND {stamp}")

    def create_prompt(self, name: str, tags: Mapping[str, str]) -> None:
        call(
            f"creating the prompt {name}", lambda: self.client.create_prompt(name, tags=dict(tags))
        )

    def create_version(
        self, name: str, config: Mapping[str, Any], tags: Mapping[str, str], message: str
    ) -> Version:
        """A new text version: the template, the model config, the tags; read back whole."""
        made = call(
            f"creating a version of {name}",
            lambda: self.client.create_prompt_version(
                name,
                config["template"],
                description=message,
                tags=dict(tags),
                model_config=dict(config["model_config"]),
            ),
        )
        number = str(made.version)
        read = self.version(name, number)
        if read is None:
            raise PlatformError(f"version {number} of {name} is gone right after it was made")
        return read

    def set_alias(self, name: str, alias: str, version: str) -> None:
        call(
            f"pointing the alias {alias} of {name} at version {version}",
            lambda: self.client.set_prompt_alias(name, alias, int(version)),
        )

    def _search_prompts(self, where: str, token: str | None) -> tuple[list[Prompt], str | None]:
        query = f"tags.`{IS_PROMPT}` = 'true'" + (f" AND {where}" if where else "")
        found = call(
            "listing prompts",
            lambda: self.client.search_registered_models(
                filter_string=query, max_results=PAGE, page_token=token
            ),
        )
        prompts = [Prompt(m.name, dict(m.tags), dict(m.aliases)) for m in found]
        return prompts, found.token or None

    def _versions_page(self, query: str, token: str | None) -> Any:
        return self.client.search_model_versions(
            filter_string=query,
            max_results=PAGE,
            order_by=["version_number DESC"],
            page_token=token,
        )

    def _search_versions(self, query: str) -> list[Version]:
        out: list[Version] = []
        token: str | None = None
        while True:
            found = call("listing prompt versions", partial(self._versions_page, query, token))
            out += [Version(v.name, str(v.version), dict(v.tags)) for v in found]
            token = found.token or None
            if not token:
                return out


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "message", "") or error)
    return (text.strip().splitlines() or [type(error).__name__])[0]
