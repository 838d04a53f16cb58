"""The `bedrock` platform: AWS Bedrock Agents, through boto3.

An agent is one Bedrock agent (named by the target's `naming`), an environment is one of its
aliases (named after the environment), and a deployment is one immutable numbered version.
`apply` writes the working draft (UpdateAgent, read-modify-write, and its action groups and
knowledge bases), prepares it, and lets UpdateAgentAlias without routing snapshot it as the next
version. Every version carries a stamp (the deployment digest and the config's) at the end of
its description, and `apply` first looks for a version with its stamp: applying twice makes one
version, a retry after a crash converges, and re-applying an older release (a rollback) points
the alias back at its version. docs/platforms/bedrock.md has the mapping and the permissions.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from agentcd.adapters.platforms import bedrock_alias as aliases
from agentcd.adapters.platforms.bedrock_api import (
    NOT_FOUND,
    ApiError,
    Clients,
    Connection,
    call,
    connect,
    pages,
    poll,
    stream,
)
from agentcd.adapters.platforms.bedrock_draft import DRAFT, write_draft
from agentcd.adapters.platforms.bedrock_invoke import (
    inline_agent,
    inline_invocation,
    invocation,
    reply,
)
from agentcd.adapters.platforms.bedrock_render import (
    Naming,
    agent_name,
    config_stamp,
    normalize_version,
    read_stamp,
    render_config,
    stamped_description,
)
from agentcd.adapters.platforms.protocol import PlatformError, Rendered
from agentcd.core.definition.model import BedrockTarget
from agentcd.core.deploy.drift import LiveState, Presence
from agentcd.core.deploy.release import Release

TAG_AGENT = "agentcd:agent"  # on the Bedrock agent and its aliases: which agentcd agent
TAG_ENVIRONMENT = "agentcd:environment"  # on an alias
TAG_MANAGED_BY = "agentcd:managed-by"


@dataclass(frozen=True, slots=True)
class BedrockOptions:
    naming: Naming
    prepare_timeout_s: float = 300.0


class BedrockPlatform:
    """Deploys through `clients` (`bedrock_api.connect`, or clients a test attached a fake to)."""

    def __init__(self, clients: Clients | Callable[[], Clients], options: BedrockOptions) -> None:
        self._clients = clients  # made on first use: rendering (validate) needs no client
        self.options = options
        self._ids: dict[str, str] = {}  # Bedrock agent name -> id, listed once per run

    @property
    def clients(self) -> Clients:
        if not isinstance(self._clients, Clients):
            self._clients = self._clients()
        return self._clients

    # ------------------------------------------------------------ the Platform protocol

    def render(self, release: Release) -> Rendered:
        return Rendered(release=release, config=render_config(release, self.options.naming))

    def apply(self, rendered: Rendered) -> Mapping[str, str]:
        """Make the environment's alias run the release: its stamped version if one exists,
        else a new one. Returns `version`, `agent` (id) and `alias` (id)."""
        release = rendered.release
        try:
            return self._apply(rendered)
        except PlatformError as e:
            raise PlatformError(f"deploying {release.agent} to {release.environment}: {e}") from e

    def read_live(self, agent: str, environment: str) -> LiveState:
        """What the environment's alias runs: its version, action groups and knowledge bases.
        Anything that cannot be read (permissions, throttling, a version gone) is unreadable."""
        try:
            return self._read_live(agent, environment)
        except PlatformError as e:
            return LiveState(Presence.UNREADABLE, detail=f"{agent} in {environment}: {e}")

    def live_agents(self, environment: str) -> tuple[str, ...]:
        """The agentcd agents (by the `agentcd:agent` tag) with an alias for the environment."""
        found = []
        try:
            for summary in pages(self.clients.agent, "ListAgents", "agentSummaries"):
                agent_id, name = summary["agentId"], summary["agentName"]
                agent = self._tagged_agent(agent_id)
                if agent and self._name(agent, environment) == name:
                    self._ids[name] = agent_id
                    if aliases.find_alias(self.clients, agent_id, environment):
                        found.append(agent)
        except PlatformError as e:
            raise PlatformError(f"listing the agents in {environment}: {e}") from e
        return tuple(sorted(found))

    def invoke(self, agent: str, environment: str, request: Mapping[str, Any]) -> Mapping[str, Any]:
        """One InvokeAgent on the environment's alias; RETURN_CONTROL calls are the tool calls."""
        try:
            agent_id = self._required_id(agent, environment)
            alias = aliases.find_alias(self.clients, agent_id, environment)
            if alias is None:
                raise PlatformError(f"no alias {environment}: not deployed")
            session = f"agentcd-{uuid.uuid4().hex}"
            ids = {"agentId": agent_id, "agentAliasId": alias.id, "sessionId": session}
            answer = call(self.clients.runtime, "InvokeAgent", **ids, **invocation(request))
            return {**reply(stream("InvokeAgent", answer["completion"])), "session_id": session}
        except PlatformError as e:
            raise PlatformError(f"invoking {agent} in {environment}: {e}") from e

    def invoke_candidate(self, rendered: Rendered, request: Mapping[str, Any]) -> Mapping[str, Any]:
        """One InvokeInlineAgent with the rendered config: nothing is created or changed."""
        release = rendered.release
        try:
            session = f"agentcd-{uuid.uuid4().hex}"
            params = {**inline_agent(rendered.config), **inline_invocation(request)}
            answer = call(self.clients.runtime, "InvokeInlineAgent", sessionId=session, **params)
            events = stream("InvokeInlineAgent", answer["completion"])
            return {**reply(events), "session_id": session}
        except PlatformError as e:
            raise PlatformError(
                f"running {release.agent} inline ({release.environment}): {e}"
            ) from e

    def find_version(self, rendered: Rendered, *, hint: str | None = None) -> str | None:
        """The prepared numbered version that runs this release: `hint` first, then the
        stamped ones, newest first. A stamp alone is not proof (a version made by hand from a
        draft agentcd wrote keeps its description, stamp and all), so each candidate is read
        whole and must equal the rendered config. Nothing is changed."""
        agent_id = self._agent_id(rendered.config["agent"]["agentName"])
        if agent_id is None:
            return None
        tried: set[str] = set()
        if hint is not None and hint != DRAFT:
            tried.add(hint)
            if self._runs(agent_id, hint, rendered):
                return hint
        for version in aliases.stamped_versions(self.clients, agent_id, _stamp(rendered)):
            if version not in tried and self._runs(agent_id, version, rendered):
                return version
        return None

    def _runs(self, agent_id: str, version: str, rendered: Rendered) -> bool:
        """Whether `version` is this release: its stamp and its whole configuration."""
        try:
            config, description = self._read_version(agent_id, version)
        except ApiError as e:
            if e.code == NOT_FOUND:
                return False
            raise
        stamp = read_stamp(description)
        return stamp is not None and stamp[1:] == _stamp(rendered) and config == rendered.config

    def point(self, rendered: Rendered, version: str) -> Mapping[str, str]:
        """Route the environment's alias to an existing numbered version (no new version)."""
        release = rendered.release
        try:
            agent_id = self._required_id(release.agent, release.environment)
            alias = aliases.find_alias(self.clients, agent_id, release.environment)
            return self._route(release.agent, release.environment, agent_id, alias, version)
        except PlatformError as e:
            raise PlatformError(
                f"pointing {release.agent} in {release.environment} at version {version}: {e}"
            ) from e

    # ------------------------------------------------------------ apply

    def _apply(self, rendered: Rendered) -> Mapping[str, str]:
        release, config = rendered.release, rendered.config
        agent_id = self._agent_id(config["agent"]["agentName"])
        draft: Mapping[str, Any] | None = None
        if agent_id is None:
            agent_id = self._create_agent(rendered)
        else:
            draft = self._owned_draft(agent_id, release.agent)
            version = self.find_version(rendered)
            if version is not None:
                alias = aliases.find_alias(self.clients, agent_id, release.environment)
                return self._route(release.agent, release.environment, agent_id, alias, version)
        write_draft(self.clients, agent_id, config, stamped_description(release, config), draft)
        call(self.clients.agent, "PrepareAgent", agentId=agent_id)
        self._wait(agent_id, lambda a: a["agentStatus"] == "PREPARED", "preparing the draft")
        return self._snapshot(agent_id, rendered)

    def _create_agent(self, rendered: Rendered) -> str:
        release, config = rendered.release, rendered.config
        fields = {**config["agent"], "description": stamped_description(release, config)}
        token = _token(fields["agentName"], release.deployment_digest, config_stamp(config))
        tags = _tags(release.agent)
        created = call(self.clients.agent, "CreateAgent", clientToken=token, tags=tags, **fields)
        agent_id = str(created["agent"]["agentId"])
        self._ids[fields["agentName"]] = agent_id
        self._wait(agent_id, lambda a: a["agentStatus"] != "CREATING", "creating the agent")
        return agent_id

    def _owned_draft(self, agent_id: str, agent: str) -> Mapping[str, Any]:
        """The working draft, refused unless agentcd made this Bedrock agent for `agent`."""
        draft = call(self.clients.agent, "GetAgent", agentId=agent_id)["agent"]
        tags = call(self.clients.agent, "ListTagsForResource", resourceArn=draft["agentArn"])
        if tags.get("tags", {}).get(TAG_AGENT) != agent:
            raise PlatformError(
                f"the Bedrock agent {draft['agentName']} ({agent_id}) is not tagged "
                f"{TAG_AGENT}={agent}: agentcd changes only agents it made; tag it to hand it over"
            )
        return dict(draft)

    def _wait(self, agent_id: str, done: Callable[[Mapping[str, Any]], bool], what: str) -> None:
        def read() -> Mapping[str, Any]:
            agent = call(self.clients.agent, "GetAgent", agentId=agent_id)["agent"]
            if agent["agentStatus"] == "FAILED":
                reasons = "; ".join(agent.get("failureReasons") or ["no reason given"])
                raise PlatformError(f"{what}: the agent FAILED: {reasons}")
            return dict(agent)

        poll(self.clients, read, done=done, deadline_s=self.options.prepare_timeout_s, what=what)

    def _snapshot(self, agent_id: str, rendered: Rendered) -> Mapping[str, str]:
        """The prepared draft as the alias's new version, checked to be this release's: another
        run writing the same Bedrock agent's draft meanwhile (another environment, whose lease
        is another) would have versioned its own; then the alias goes back where it was."""
        release = rendered.release
        env, timeout = release.environment, self.options.prepare_timeout_s
        before = aliases.find_alias(self.clients, agent_id, env)
        token = _token(agent_id, env, release.deployment_digest, config_stamp(rendered.config))
        fields = aliases.alias_fields(agent_id, env)
        create = {"clientToken": token, "tags": {**_tags(release.agent), TAG_ENVIRONMENT: env}}
        made = aliases.new_version(self.clients, fields, before, timeout, **create)
        version = made.version or ""
        if aliases.version_stamp(self.clients, agent_id, version) == _stamp(rendered):
            return {"version": version, "agent": agent_id, "alias": made.id}
        if before is not None and before.version:
            aliases.route(self.clients, env, agent_id, made, before.version, timeout=timeout)
        raise PlatformError(
            f"version {version} is not this release's (the draft changed while it was being "
            f"versioned); {env} points back at version {before.version if before else 'none'}"
        )

    def _route(
        self, agent: str, environment: str, agent_id: str, alias: aliases.Alias | None, version: str
    ) -> Mapping[str, str]:
        tags = {**_tags(agent), TAG_ENVIRONMENT: environment}
        timeout = self.options.prepare_timeout_s
        return aliases.route(
            self.clients, environment, agent_id, alias, version, timeout=timeout, tags=tags
        )

    # ------------------------------------------------------------ read

    def _read_live(self, agent: str, environment: str) -> LiveState:
        name = self._name(agent, environment)
        agent_id = self._agent_id(name)
        if agent_id is None:
            return LiveState(Presence.ABSENT, detail=f"no Bedrock agent named {name}")
        alias = aliases.find_alias(self.clients, agent_id, environment)
        if alias is None:
            return LiveState(Presence.ABSENT, detail=f"{name} has no alias {environment}")
        if alias.status != "PREPARED" or alias.version is None:
            detail = f"the alias {environment} is {alias.status}, routing to {alias.version}"
            return LiveState(Presence.UNREADABLE, detail=detail)
        config, description = self._read_version(agent_id, alias.version)
        stamp = read_stamp(description)
        digest = stamp[1] if stamp else None
        return LiveState(
            Presence.PRESENT, config=config, deployment_digest=digest, version=alias.version
        )

    def _read_version(self, agent_id: str, version: str) -> tuple[dict[str, Any], str | None]:
        client = self.clients.agent
        where = {"agentId": agent_id, "agentVersion": version}
        if version == DRAFT:
            read = call(client, "GetAgent", agentId=agent_id)["agent"]
        else:
            read = call(client, "GetAgentVersion", **where)["agentVersion"]
        groups = [
            call(client, "GetAgentActionGroup", actionGroupId=g["actionGroupId"], **where)
            for g in pages(client, "ListAgentActionGroups", "actionGroupSummaries", **where)
        ]
        bases = pages(client, "ListAgentKnowledgeBases", "agentKnowledgeBaseSummaries", **where)
        config = normalize_version(read, [g["agentActionGroup"] for g in groups], list(bases))
        return config, read.get("description")

    def _tagged_agent(self, agent_id: str) -> str | None:
        arn = call(self.clients.agent, "GetAgent", agentId=agent_id)["agent"]["agentArn"]
        tags = call(self.clients.agent, "ListTagsForResource", resourceArn=arn).get("tags", {})
        value = tags.get(TAG_AGENT)
        return str(value) if value else None

    # ------------------------------------------------------------ lookups

    def _name(self, agent: str, environment: str) -> str:
        return agent_name(self.options.naming.template, agent, environment)

    def _agent_id(self, name: str) -> str | None:
        if name not in self._ids:
            for summary in pages(self.clients.agent, "ListAgents", "agentSummaries"):
                self._ids.setdefault(summary["agentName"], summary["agentId"])
        return self._ids.get(name)

    def _required_id(self, agent: str, environment: str) -> str:
        name = self._name(agent, environment)
        agent_id = self._agent_id(name)
        if agent_id is None:
            raise PlatformError(f"no Bedrock agent named {name}: not deployed")
        return agent_id


def open_bedrock(target: BedrockTarget) -> BedrockPlatform:
    """The platform of an `agentcd.yaml` bedrock target, on real boto3 clients."""
    connection = Connection(
        region=target.region,
        profile=target.profile,
        endpoint_url=target.endpoint_url,
        runtime_endpoint_url=target.runtime_endpoint_url,
        max_attempts=target.max_attempts,
    )
    naming = Naming(target.naming, dict(target.roles), target.idle_session_ttl_s)
    options = BedrockOptions(naming=naming, prepare_timeout_s=target.prepare_timeout_s)
    return BedrockPlatform(lambda: connect(connection), options)


def _stamp(rendered: Rendered) -> aliases.Stamp:
    return rendered.release.deployment_digest, config_stamp(rendered.config)


def _tags(agent: str) -> dict[str, str]:
    return {TAG_AGENT: agent, TAG_MANAGED_BY: "agentcd"}


def _token(*parts: str) -> str:
    """An idempotency token: the same request made again is the same request to AWS."""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:40]
