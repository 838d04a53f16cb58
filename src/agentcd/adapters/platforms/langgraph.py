"""The `langgraph` platform: LangGraph Platform assistants (versioned configurations of a graph),
through `langgraph-sdk`.

An agent in an environment is one assistant of the target's graph, its id derived from the
agent and the environment (`assistant_id`) and made with `if_exists="do_nothing"`, so a retry
finds the one an earlier run made. A deployment is one assistant version: the definition in its
`config.configurable`, agentcd's marks (agent, environment, deployment digest, rendered config)
in its metadata. An update makes version N+1; the pointer is the assistant's latest version,
which `point` moves back with `set_latest`, then reads back what runs. A graph reads the
definition from `config["configurable"]`, not from `runtime.context`: the in-memory runtime's
set-latest restores an older version's config but leaves the newest context (docs/platforms/
langgraph.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import cached_property, partial
from pathlib import Path
from typing import Any, TypeVar

from agentcd.adapters.platforms.langgraph_api import Connection, NotFound, call, connect, wait
from agentcd.adapters.platforms.langgraph_render import (
    MANAGED_BY,
    MARK_AGENT,
    MARK_CONFIG,
    MARK_DEPLOYMENT,
    MARK_ENVIRONMENT,
    MARK_MANAGED_BY,
    assistant_id,
    context_differs,
    normalize,
    read_digest,
    render_config,
    stamped,
    version_metadata,
)
from agentcd.adapters.platforms.langgraph_runs import messages_of, reply_of
from agentcd.adapters.platforms.protocol import PlatformError, Rendered
from agentcd.core.definition.model import LangGraphTarget
from agentcd.core.deploy.drift import LiveState, Presence
from agentcd.core.deploy.release import Release

T = TypeVar("T")
PAGE = 100  # assistants or versions per search call


class LangGraphPlatform:
    """Deploys through `client` (a `SyncLangGraphClient`, made on first use by `connect`)."""

    def __init__(
        self, connect_client: Callable[[], Any], *, graph_id: str, naming: str, timeout_s: float
    ) -> None:
        self._connect = connect_client
        self.graph_id, self.naming, self.timeout_s = graph_id, naming, timeout_s

    @cached_property
    def client(self) -> Any:
        """Made on first use: rendering needs no SDK."""
        return self._connect()

    # ------------------------------------------------------------ the Platform protocol

    def render(self, release: Release) -> Rendered:
        config = render_config(release, graph_id=self.graph_id, naming=self.naming)
        return Rendered(release=release, config=config)

    def find_version(self, rendered: Rendered, *, hint: str | None = None) -> str | None:
        """The version that runs this release: `hint` first, then the newest. The server
        merges metadata into each new version, so a version made by hand carries the marks
        of the one before it: each candidate is read whole and must equal the rendered config."""
        candidates = [v for v in self._stamped_versions(rendered) if _runs(v, rendered)]
        numbers = [str(v["version"]) for v in candidates]
        if hint is not None and hint in numbers:
            return hint
        return numbers[0] if numbers else None

    def point(self, rendered: Rendered, version: str) -> Mapping[str, str]:
        """Make `version` the assistant's latest (`set_latest`, no new version), then read
        back what runs; a server that did not restore it whole gets it applied again."""
        release = rendered.release
        what = f"pointing {release.agent} in {release.environment} at version {version}"
        return _explained(what, lambda: self._point(rendered, version))

    def apply(self, rendered: Rendered) -> Mapping[str, str]:
        """The assistant (made when missing), then: what runs when it is this release, else
        the marked version of it, else a new version. Returns `version` and `assistant_id`."""
        release = rendered.release
        what = f"deploying {release.agent} to {release.environment}"
        return _explained(what, lambda: self._apply(rendered))

    def read_live(self, agent: str, environment: str) -> LiveState:
        """The assistant as the graph receives it (its current config), read whole; any
        failed call is unreadable."""
        identifier = assistant_id(agent, environment)
        try:
            found = self._assistant(identifier)
        except PlatformError as e:
            return LiveState(Presence.UNREADABLE, detail=f"{agent} in {environment}: {e}")
        if found is None:
            return LiveState(Presence.ABSENT, detail=f"no assistant {identifier}")
        detail = ""
        if context_differs(found):
            detail = (
                f"assistant {identifier}: its context is not its config.configurable (a "
                "set-latest of the in-memory runtime); a graph reading runtime.context runs "
                "another definition"
            )
        return LiveState(
            Presence.PRESENT,
            config=normalize(found),
            deployment_digest=read_digest(found),
            version=str(found["version"]),
            detail=detail,
        )

    def live_agents(self, environment: str) -> tuple[str, ...]:
        """The agents whose assistant of this graph carries agentcd's marks for the
        environment (and has the id agentcd gives that agent there)."""
        marks = {MARK_ENVIRONMENT: environment, MARK_MANAGED_BY: MANAGED_BY}
        found = set()
        try:
            for assistant in self._search(marks):
                agent = (assistant.get("metadata") or {}).get(MARK_AGENT)
                if agent and assistant.get("assistant_id") == assistant_id(agent, environment):
                    found.add(str(agent))
        except PlatformError as e:
            raise PlatformError(f"listing the assistants in {environment}: {e}") from e
        return tuple(sorted(found))

    def invoke(self, agent: str, environment: str, request: Mapping[str, Any]) -> Mapping[str, Any]:
        """One stateless run of the assistant (its latest version), waited for."""
        what = f"invoking {agent} in {environment}"
        messages = messages_of(what, request)
        identifier = assistant_id(agent, environment)
        result = wait(self.client, what, identifier, self.timeout_s, input={"messages": messages})
        return reply_of(what, result, sent=len(messages))

    def invoke_candidate(self, rendered: Rendered, request: Mapping[str, Any]) -> Mapping[str, Any]:
        """One stateless run of the graph itself with the rendered definition as the run's
        config: no assistant or version is made, no latest version moves."""
        release = rendered.release
        what = f"running {release.agent} inline ({release.environment})"
        messages = messages_of(what, request)
        config = {"configurable": dict(rendered.config["configurable"])}
        run = {"input": {"messages": messages}, "config": config}
        result = wait(self.client, what, self.graph_id, self.timeout_s, **run)
        return reply_of(what, result, sent=len(messages))

    # ------------------------------------------------------------ apply and point

    def _apply(self, rendered: Rendered) -> Mapping[str, str]:
        release, config = rendered.release, rendered.config
        identifier = assistant_id(release.agent, release.environment)
        made = call(
            f"creating assistant {identifier}",
            lambda: self.client.assistants.create(
                config["assistant"]["graph_id"],
                config={"configurable": config["configurable"]},
                metadata=version_metadata(release, config),
                assistant_id=identifier,
                if_exists="do_nothing",  # the one an earlier run made comes back as it is
                name=config["assistant"]["name"],
            ),
        )
        _owned(made, release.agent)
        if _runs(made, rendered):
            return {"version": str(made["version"]), "assistant_id": identifier}
        version = self.find_version(rendered)
        if version is not None:
            return self._point(rendered, version)
        return {"version": self._new_version(rendered), "assistant_id": identifier}

    def _point(self, rendered: Rendered, version: str) -> Mapping[str, str]:
        release = rendered.release
        identifier = assistant_id(release.agent, release.environment)
        call(
            f"setting version {version} of assistant {identifier} as its latest",
            lambda: self.client.assistants.set_latest(identifier, int(version)),
        )
        now = self._assistant(identifier)
        if now is not None and str(now["version"]) == version and _runs(now, rendered):
            return {"version": version, "assistant_id": identifier}
        made = self._new_version(rendered)  # what runs is not the version as it was recorded
        note = f"version {version} did not run as recorded once latest: applied again as {made}"
        return {"version": made, "assistant_id": identifier, "re_applied": note}

    def _new_version(self, rendered: Rendered) -> str:
        """An update of the assistant: version N+1, the latest, stamped with this release."""
        release, config = rendered.release, rendered.config
        identifier = assistant_id(release.agent, release.environment)
        updated = call(
            f"updating assistant {identifier}",
            lambda: self.client.assistants.update(
                identifier,
                graph_id=config["assistant"]["graph_id"],
                config={"configurable": config["configurable"]},
                metadata=version_metadata(release, config),
                name=config["assistant"]["name"],
            ),
        )
        if not _runs(updated, rendered):
            raise PlatformError(
                f"version {updated.get('version')} of assistant {identifier} is not as rendered"
            )
        return str(updated["version"])

    # ------------------------------------------------------------ read

    def _assistant(self, identifier: str) -> dict[str, Any] | None:
        try:
            found = call(
                f"reading assistant {identifier}", lambda: self.client.assistants.get(identifier)
            )
        except NotFound:
            return None
        return dict(found)

    def _stamped_versions(self, rendered: Rendered) -> Iterator[dict[str, Any]]:
        """The assistant's versions with this release's marks, newest first, page by page;
        none when there is no assistant."""
        release, config = rendered.release, rendered.config
        identifier = assistant_id(release.agent, release.environment)
        marks = version_metadata(release, config)
        versions = partial(self.client.assistants.get_versions, limit=PAGE)
        wanted = {k: marks[k] for k in (MARK_DEPLOYMENT, MARK_CONFIG)}
        what = f"listing the versions of assistant {identifier}"
        for offset in range(0, 100 * PAGE, PAGE):
            try:
                page = call(what, partial(versions, identifier, metadata=wanted, offset=offset))
            except NotFound:
                return
            yield from (dict(v) for v in page)
            if len(page) < PAGE:
                return

    def _search(self, metadata: Mapping[str, str]) -> Iterator[dict[str, Any]]:
        search = partial(
            self.client.assistants.search,
            metadata=dict(metadata),
            graph_id=self.graph_id,
            limit=PAGE,
        )
        what = f"searching the assistants of graph {self.graph_id}"
        for offset in range(0, 100 * PAGE, PAGE):
            page = call(what, partial(search, offset=offset))
            yield from (dict(a) for a in page)
            if len(page) < PAGE:
                return


def open_platform(target: LangGraphTarget, *, project_dir: Path) -> LangGraphPlatform:
    """The platform of an `agentcd.yaml` langgraph target; the SDK is loaded on first use."""
    del project_dir  # the graph runs on the deployment: nothing of the project folder is read
    connection = Connection(
        url=target.url, api_key_env=target.api_key_env, timeout_s=target.timeout_s
    )
    return LangGraphPlatform(
        lambda: connect(connection),
        graph_id=target.graph_id,
        naming=target.naming,
        timeout_s=target.timeout_s,
    )


# ---------------------------------------------------------------- helpers


def _explained(what: str, operation: Callable[[], T]) -> T:
    """Run `operation`; a PlatformError it raises is restated as part of `what`."""
    try:
        return operation()
    except PlatformError as e:
        raise PlatformError(f"{what}: {e}") from e


def _runs(read: Mapping[str, Any], rendered: Rendered) -> bool:
    """Whether an assistant or version read whole is this release: its marks and config."""
    return stamped(read, rendered.release, rendered.config) and (normalize(read) == rendered.config)


def _owned(assistant: Mapping[str, Any], wanted: str) -> None:
    """Refuse an assistant agentcd did not make for `wanted` (by its marks)."""
    if (assistant.get("metadata") or {}).get(MARK_AGENT) != wanted:
        raise PlatformError(
            f"the assistant {assistant.get('assistant_id')} is not marked {MARK_AGENT}={wanted}: "
            "agentcd changes only assistants it made"
        )
