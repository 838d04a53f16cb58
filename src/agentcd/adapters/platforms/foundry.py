"""The `foundry` platform: Azure AI Foundry Agent Service (versioned agents), through
`azure-ai-projects`.

An environment is a project endpoint (the target's `endpoint`; one target per environment, or
`{environment}` in `naming` when environments share a project), an agent is one Foundry agent
(named by `naming`), and a deployment is one immutable agent version. The pointer is the
agent endpoint's version selector (`agent_endpoint.version_selector`, one FixedRatio rule at
100%): `point` re-points it by a merge-patch of the agent, so a rollback makes no version.
Every version carries agentcd's marks in its metadata (the agent, the deployment digest, the
first 12 hex of the rendered config's digest), and `find_version` reads each marked version
whole before it is trusted. docs/platforms/foundry.md has the mapping.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

from agentcd.adapters.platforms.foundry_api import (
    Connection,
    NotFound,
    call,
    call_openai,
    connect,
    models,
)
from agentcd.adapters.platforms.foundry_render import (
    MARK_AGENT,
    Refused,
    agent_name,
    normalize_version,
    read_stamp,
    render_config,
    version_metadata,
)
from agentcd.adapters.platforms.protocol import PlatformError, Rendered
from agentcd.core.definition.model import FoundryTarget
from agentcd.core.deploy.drift import LiveState, Presence
from agentcd.core.deploy.release import Release

T = TypeVar("T")
ROLES = ("user", "assistant", "system", "developer")  # Responses API message roles


class FoundryPlatform:
    """Deploys through `client` (an `AIProjectClient`, made on first use by `connect`)."""

    def __init__(self, connect_client: Callable[[], Any], naming: str) -> None:
        self._connect = connect_client  # called on first use: rendering needs no SDK
        self._client: Any = None
        self.naming = naming

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._connect()
        return self._client

    # ------------------------------------------------------------ the Platform protocol

    def render(self, release: Release) -> Rendered:
        return Rendered(release=release, config=render_config(release, self.naming))

    def find_version(self, rendered: Rendered, *, hint: str | None = None) -> str | None:
        """The version that runs this release: `hint` first, then the marked ones, newest
        first. A mark is no proof (metadata can be copied into a version made by hand), so
        each candidate is read whole and must equal the rendered config."""
        name = rendered.config["agent"]["name"]
        if hint is not None and self._runs(self._version(name, hint), rendered):
            return hint
        for version in self._versions(name):
            if version.get("version") != hint and self._runs(version, rendered):
                return str(version["version"])
        return None

    def point(self, rendered: Rendered, version: str) -> Mapping[str, str]:
        """Route the agent endpoint's version selector to `version` (no new version)."""
        release, name = rendered.release, rendered.config["agent"]["name"]
        what = f"pointing {release.agent} in {release.environment} at version {version}"
        _explained(what, lambda: self._route(name, self._agent(name), version))
        return {"version": version, "agent": name}

    def apply(self, rendered: Rendered) -> Mapping[str, str]:
        """The marked version of this release when there is one, else a new version; then the
        selector routes to it. Returns `version` and `agent` (the Foundry agent's name)."""
        release = rendered.release
        what = f"deploying {release.agent} to {release.environment}"
        return _explained(what, lambda: self._apply(rendered))

    def read_live(self, agent: str, environment: str) -> LiveState:
        """The version the agent endpoint routes to, read whole; a selector that splits
        traffic, a version gone or any failed call is unreadable."""
        try:
            return self._read_live(agent, environment)
        except Refused as e:
            return LiveState(Presence.UNREADABLE, detail=f"{agent} in {environment}: {e}")
        except PlatformError as e:
            return LiveState(Presence.UNREADABLE, detail=f"{agent} in {environment}: {e}")

    def live_agents(self, environment: str) -> tuple[str, ...]:
        """The agentcd agents (by the `agentcd_agent` mark on the latest version) whose
        Foundry agent has this environment's name under `naming`."""
        found = []
        try:
            for summary in call("listing agents", lambda: list(self.client.agents.list())):
                data = _plain(summary)
                latest = (data.get("versions") or {}).get("latest") or {}
                agent = (latest.get("metadata") or {}).get(MARK_AGENT)
                if agent and self._name_or_none(agent, environment) == data.get("name"):
                    found.append(str(agent))
        except PlatformError as e:
            raise PlatformError(f"listing the agents in {environment}: {e}") from e
        return tuple(sorted(set(found)))

    def invoke(self, agent: str, environment: str, request: Mapping[str, Any]) -> Mapping[str, Any]:
        """One Responses API call with a reference to the version the selector routes to."""
        what = f"invoking {agent} in {environment}"
        try:
            name = agent_name(self.naming, agent, environment)
            version = _routed(self._agent(name))
            reference = {"type": "agent_reference", "name": name, "version": version}
            return self._respond(what, {"input": _input(request)}, {"agent_reference": reference})
        except (Refused, PlatformError) as e:
            raise PlatformError(f"{what}: {e}") from e

    def invoke_candidate(self, rendered: Rendered, request: Mapping[str, Any]) -> Mapping[str, Any]:
        """One Responses API call with the rendered definition itself (model deployment,
        instructions, sampling, tools): no agent, version or selector is created or moved."""
        release = rendered.release
        what = f"running {release.agent} inline ({release.environment})"
        definition = dict(rendered.config["definition"])
        definition.pop("kind")
        params = {**definition, "input": _input(request), "store": False}
        return self._respond(what, params, None)

    # ------------------------------------------------------------ apply and point

    def _apply(self, rendered: Rendered) -> Mapping[str, str]:
        release, config = rendered.release, rendered.config
        name = config["agent"]["name"]
        agent = self._agent_or_none(name)
        if agent is not None:
            _owned(agent, release.agent)
            version = self.find_version(rendered)
            if version is not None:
                self._route(name, agent, version)
                return {"version": version, "agent": name}
        made = self._create_version(rendered)
        if normalize_version(made) != config or read_stamp(made.get("metadata")) is None:
            raise PlatformError(f"version {made.get('version')} of {name} is not as rendered")
        version = str(made["version"])
        self._route(name, self._agent(name), version)
        return {"version": version, "agent": name}

    def _create_version(self, rendered: Rendered) -> dict[str, Any]:
        config, sdk = rendered.config, models()
        name = config["agent"]["name"]
        fields: dict[str, Any] = {
            "definition": sdk.PromptAgentDefinition(dict(config["definition"])),
            "metadata": version_metadata(rendered.release, config),
        }
        if config["agent"].get("description"):
            fields["description"] = config["agent"]["description"]
        made = call(
            f"creating a version of {name}",
            lambda: self.client.agents.create_version(agent_name=name, **fields),
        )
        return _plain(made)

    def _route(self, name: str, agent: Mapping[str, Any], version: str) -> None:
        """Merge-patch the selector to one FixedRatio rule at 100% (nothing when it is)."""
        try:
            if _routed(agent) == version:
                return
        except PlatformError:
            pass  # no selector or a split: set it
        sdk = models()
        rule = sdk.FixedRatioVersionSelectionRule(agent_version=version, traffic_percentage=100)
        selector = sdk.VersionSelector(version_selection_rules=[rule])
        endpoint = sdk.AgentEndpointConfig(version_selector=selector)
        call(
            f"routing {name} to version {version}",
            lambda: self.client.agents.update_details(name, agent_endpoint=endpoint),
        )

    # ------------------------------------------------------------ read

    def _read_live(self, agent: str, environment: str) -> LiveState:
        name = agent_name(self.naming, agent, environment)
        found = self._agent_or_none(name)
        if found is None:
            return LiveState(Presence.ABSENT, detail=f"no Foundry agent named {name}")
        version = _routed(found)
        read = self._version(name, version)
        if read is None:
            return LiveState(
                Presence.UNREADABLE, detail=f"{name} routes to version {version}, which is gone"
            )
        stamp = read_stamp(read.get("metadata"))
        return LiveState(
            Presence.PRESENT,
            config=normalize_version(read),
            deployment_digest=stamp[0] if stamp else None,
            version=version,
        )

    def _runs(self, version: Mapping[str, Any] | None, rendered: Rendered) -> bool:
        """Whether a version read whole is this release: its marks and its configuration."""
        if version is None or version.get("status") not in (None, "active"):
            return False
        stamp = read_stamp(version.get("metadata"))
        wanted = version_metadata(rendered.release, rendered.config)
        return stamp == (wanted["agentcd_deployment"], wanted["agentcd_config"]) and (
            normalize_version(version) == rendered.config
        )

    def _versions(self, name: str) -> Iterator[dict[str, Any]]:
        """The agent's versions newest first, read page by page as they are consumed (so a
        match on the first page reads no other); none when there is no agent."""
        what = f"listing the versions of {name}"
        listed = iter(self.client.agents.list_versions(name, order="desc"))
        while True:
            try:
                version = call(what, lambda: next(listed, None))
            except NotFound:
                return
            if version is None:
                return
            yield _plain(version)

    def _version(self, name: str, version: str) -> dict[str, Any] | None:
        try:
            return _plain(
                call(
                    f"reading version {version} of {name}",
                    lambda: self.client.agents.get_version(name, version),
                )
            )
        except NotFound:
            return None

    def _agent_or_none(self, name: str) -> dict[str, Any] | None:
        try:
            return _plain(call(f"reading agent {name}", lambda: self.client.agents.get(name)))
        except NotFound:
            return None

    def _agent(self, name: str) -> dict[str, Any]:
        agent = self._agent_or_none(name)
        if agent is None:
            raise PlatformError(f"no Foundry agent named {name}: not deployed")
        return agent

    def _name_or_none(self, agent: str, environment: str) -> str | None:
        try:
            return agent_name(self.naming, agent, environment)
        except Refused:
            return None

    def _respond(
        self, what: str, params: Mapping[str, Any], extra: Mapping[str, Any] | None
    ) -> Mapping[str, Any]:
        openai = call(f"{what}: the project's OpenAI client", self.client.get_openai_client)
        create = openai.responses.create
        kwargs = dict(params) | ({"extra_body": dict(extra)} if extra else {})
        response = call_openai(what, lambda: create(**kwargs))
        return _reply(response)


def open_platform(target: FoundryTarget, *, project_dir: Path) -> FoundryPlatform:
    """The platform of an `agentcd.yaml` foundry target; the SDK is loaded on first use."""
    del project_dir  # a Foundry agent runs on Foundry: nothing of the project folder is read
    connection = Connection(endpoint=target.endpoint)
    return FoundryPlatform(lambda: connect(connection), target.naming)


# ---------------------------------------------------------------- helpers


def _explained(what: str, operation: Callable[[], T]) -> T:
    """Run `operation`; a PlatformError it raises is restated as part of `what`."""
    try:
        return operation()
    except PlatformError as e:
        raise PlatformError(f"{what}: {e}") from e


def _plain(value: Any) -> dict[str, Any]:
    """An SDK model as the JSON it was read from."""
    if hasattr(value, "as_dict"):
        return dict(value.as_dict())
    return dict(value)


def _routed(agent: Mapping[str, Any]) -> str:
    """The version the agent endpoint's selector sends all traffic to."""
    endpoint = agent.get("agent_endpoint") or {}
    rules = (endpoint.get("version_selector") or {}).get("version_selection_rules") or []
    if not rules:
        raise PlatformError(f"{agent.get('name')} has no version selector")
    if len(rules) != 1 or rules[0].get("traffic_percentage", 100) != 100:
        split = ", ".join(
            f"{r.get('agent_version')} ({r.get('traffic_percentage')}%)" for r in rules
        )
        raise PlatformError(f"{agent.get('name')} splits traffic: {split}")
    return str(rules[0]["agent_version"])


def _owned(agent: Mapping[str, Any], wanted: str) -> None:
    """Refuse an agent agentcd did not make for `wanted` (its latest version's mark)."""
    latest = (agent.get("versions") or {}).get("latest") or {}
    if (latest.get("metadata") or {}).get(MARK_AGENT) != wanted:
        raise PlatformError(
            f"the Foundry agent {agent.get('name')} is not marked {MARK_AGENT}={wanted}: "
            "agentcd changes only agents it made"
        )


def _input(request: Mapping[str, Any]) -> list[dict[str, str]]:
    messages = list(request.get("messages") or [])
    if not messages or messages[-1].get("role") != "user":
        raise PlatformError("the request must end with a user message")
    if any(m.get("role") not in ROLES for m in messages):
        raise PlatformError(f"Foundry takes only {', '.join(ROLES)} messages")
    return [{"role": str(m["role"]), "content": str(m["content"])} for m in messages]


def _reply(response: Any) -> dict[str, Any]:
    """The contract's reply: the output text, the function calls the caller must run, and the
    tokens the response reports (so an eval's `tokens` assertion has something to count)."""
    calls = []
    for item in getattr(response, "output", None) or []:
        if getattr(item, "type", None) == "function_call":
            try:
                arguments = json.loads(item.arguments or "{}")
            except ValueError:
                arguments = {"_raw": item.arguments}
            calls.append({"name": item.name, "arguments": arguments})
    reply: dict[str, Any] = {
        "output": response.output_text,
        "tool_calls": calls,
        "response_id": response.id,
    }
    usage = getattr(response, "usage", None)
    if usage is not None:
        reply["usage"] = {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens}
    return reply
