"""The `mlflow` platform: the MLflow prompt registry, through `mlflow-skinny`'s client.

An agent is one prompt (named by `naming`), a deployment one immutable prompt version (its text
the instructions, its `model_config` the model pin), an environment one alias of the prompt
(the environment's name, or `aliases`); `latest` and `v<N>` are MLflow's and refused. Every
version agentcd makes carries the stamp in its tags (`agentcd.deployment`, the deployment
digest, and `agentcd.config`, the rendered config's digest), and identical content still makes
a new version in MLflow, so `apply` looks the digest up first and reads each candidate whole.
A rollback points the alias back at the recorded version: no version is made. The registry
runs nothing: `invoke` and `invoke_candidate` call the target's `invoker` with the version the
alias serves (read from the server) or the rendered config. docs/platforms/mlflow.md has the
mapping.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from agentcd.adapters.platforms.file import call_invoker
from agentcd.adapters.platforms.mlflow_api import Registry, Version, connect
from agentcd.adapters.platforms.mlflow_render import (
    MARK_AGENT,
    MARK_CONFIG,
    MARK_DEPLOYMENT,
    alias_of,
    normalize_version,
    prompt_name,
    read_stamp,
    render_config,
    version_tags,
)
from agentcd.adapters.platforms.protocol import PlatformError, Refused, Rendered
from agentcd.core.definition.digest import short
from agentcd.core.definition.model import MlflowTarget
from agentcd.core.deploy.drift import LiveState, Presence
from agentcd.core.deploy.release import Release

T = TypeVar("T")


class MlflowPlatform:
    """Deploys to the prompt registry of `target.tracking_uri` through `registry`."""

    def __init__(self, registry: Registry, target: MlflowTarget, *, project_dir: Path) -> None:
        self.registry = registry
        self.target = target
        self.project_dir = project_dir

    # ------------------------------------------------------------ the Platform protocol

    def render(self, release: Release) -> Rendered:
        return Rendered(release=release, config=render_config(release, self.target))

    def find_version(self, rendered: Rendered, *, hint: str | None = None) -> str | None:
        """The version that runs this release: `hint` first, then the ones tagged with its
        deployment digest, newest first. A tag is no proof (the text can be edited in place,
        keeping the tags; a person can copy them), so each is read whole and must equal the
        rendered config."""
        name = rendered.config["name"]
        if hint is not None and _runs(self.registry.version(name, hint), rendered):
            return hint
        for version in self.registry.stamped(name, rendered.release.deployment_digest):
            if version.version != hint and _runs(version, rendered):
                return version.version
        return None

    def point(self, rendered: Rendered, version: str) -> Mapping[str, str]:
        """Point the environment's alias at `version` (no new version)."""
        release, name = rendered.release, rendered.config["name"]
        alias = self._alias(release.environment)
        what = f"pointing {release.agent} in {release.environment} at version {version}"
        _explained(what, lambda: self.registry.set_alias(name, alias, version))
        return {"version": version, "prompt": name, "alias": alias}

    def apply(self, rendered: Rendered) -> Mapping[str, str]:
        """The stamped version of this release when there is one, else a new version; then the
        alias points at it. Returns `version`, `prompt` and `alias`."""
        release = rendered.release
        what = f"deploying {release.agent} to {release.environment}"
        return _explained(what, lambda: self._apply(rendered))

    def read_live(self, agent: str, environment: str) -> LiveState:
        """The version the alias serves, read whole from the server (no client cache); no
        prompt or no alias is absent, a version gone or any failed call unreadable."""
        try:
            return self._read_live(agent, environment)
        except (Refused, PlatformError) as e:
            return LiveState(Presence.UNREADABLE, detail=f"{agent} in {environment}: {e}")

    def live_agents(self, environment: str) -> tuple[str, ...]:
        """The agentcd agents (by the `agentcd.agent` tag of their prompt) whose prompt has
        this environment's name under `naming` and an alias for it."""
        try:
            alias = self._alias(environment)
            prefix = self.target.naming.split("{", 1)[0]
            found = [
                str(prompt.tags[MARK_AGENT])
                for prompt in self.registry.prompts(prefix)
                if prompt.tags.get(MARK_AGENT)
                and alias in prompt.aliases
                and self._name_or_none(prompt.tags[MARK_AGENT], environment) == prompt.name
            ]
        except (Refused, PlatformError) as e:
            raise PlatformError(f"listing the prompts in {environment}: {e}") from e
        return tuple(sorted(set(found)))

    def invoke(self, agent: str, environment: str, request: Mapping[str, Any]) -> Mapping[str, Any]:
        """The target's invoker with the version the alias serves now, as read from the server."""
        what = f"invoking {agent} in {environment}"
        live = self.read_live(agent, environment)
        if live.presence is not Presence.PRESENT or live.config is None:
            raise PlatformError(f"{what}: {live.detail or 'not deployed'}")
        return self._call(dict(live.config), request, what)

    def invoke_candidate(self, rendered: Rendered, request: Mapping[str, Any]) -> Mapping[str, Any]:
        """The target's invoker with the rendered config, as a version would hold it: nothing
        is registered and no alias moves."""
        release = rendered.release
        config = json.loads(json.dumps(rendered.config))
        return self._call(
            config, request, f"running {release.agent} inline ({release.environment})"
        )

    # ------------------------------------------------------------ apply and read

    def _apply(self, rendered: Rendered) -> Mapping[str, str]:
        release, config = rendered.release, rendered.config
        name, alias = config["name"], self._alias(release.environment)
        prompt = self.registry.prompt(name)
        version = None
        if prompt is None:
            self.registry.create_prompt(name, {MARK_AGENT: release.agent})
        else:
            _owned(prompt.tags, name, release.agent)
            version = self.find_version(rendered)
        if version is None:
            version = self._create(rendered).version
        if prompt is None or prompt.aliases.get(alias) != version:
            self.registry.set_alias(name, alias, version)
        return {"version": version, "prompt": name, "alias": alias}

    def _create(self, rendered: Rendered) -> Version:
        release, config = rendered.release, rendered.config
        message = f"agentcd: {release.agent} {short(release.deployment_digest)}"
        if release.commit:
            message += f" from commit {release.commit[:12]}"
        made = self.registry.create_version(
            config["name"], config, version_tags(release, config), message
        )
        if not _runs(made, rendered):
            raise PlatformError(f"version {made.version} of {config['name']} is not as rendered")
        return made

    def _read_live(self, agent: str, environment: str) -> LiveState:
        name = prompt_name(self.target.naming, agent, environment)
        alias = self._alias(environment)
        prompt = self.registry.prompt(name)
        if prompt is None:
            return LiveState(Presence.ABSENT, detail=f"no MLflow prompt named {name}")
        number = prompt.aliases.get(alias)
        if number is None:
            return LiveState(Presence.ABSENT, detail=f"{name} has no alias {alias}")
        read = self.registry.version(name, number)
        if read is None:
            return LiveState(
                Presence.UNREADABLE, detail=f"{name}@{alias} serves version {number}, which is gone"
            )
        stamp = read_stamp(read.tags)
        return LiveState(
            Presence.PRESENT,
            config=normalize_version(name, read.tags),
            deployment_digest=stamp[0] if stamp else None,
            version=number,
        )

    def _alias(self, environment: str) -> str:
        return alias_of(self.target.aliases, environment)

    def _name_or_none(self, agent: str, environment: str) -> str | None:
        try:
            return prompt_name(self.target.naming, agent, environment)
        except Refused:
            return None

    def _call(
        self, config: dict[str, Any], request: Mapping[str, Any], what: str
    ) -> Mapping[str, Any]:
        missing = "the prompt registry runs nothing: the target needs an invoker"
        invoker, project = self.target.invoker, self.project_dir
        return call_invoker(invoker, project, config, request, what=what, missing=missing)


def open_platform(target: MlflowTarget, *, project_dir: Path) -> MlflowPlatform:
    """The platform of an `agentcd.yaml` mlflow target; the client is made on first use."""
    return MlflowPlatform(
        Registry(lambda: connect(target.tracking_uri)), target, project_dir=project_dir
    )


# ---------------------------------------------------------------- helpers


def _runs(version: Version | None, rendered: Rendered) -> bool:
    """Whether a version read whole is this release: its stamp and its content."""
    if version is None:
        return False
    wanted = version_tags(rendered.release, rendered.config)
    stamp = read_stamp(version.tags)
    return stamp == (wanted[MARK_DEPLOYMENT], wanted[MARK_CONFIG]) and (
        normalize_version(version.name, version.tags) == rendered.config
    )


def _owned(tags: Mapping[str, str], name: str, wanted: str) -> None:
    """Refuse a prompt agentcd did not make for `wanted` (its `agentcd.agent` tag)."""
    if tags.get(MARK_AGENT) != wanted:
        raise PlatformError(
            f"the MLflow prompt {name} is not tagged {MARK_AGENT}={wanted}: agentcd changes "
            "only prompts it made (add the tag to the prompt to hand it over)"
        )


def _explained(what: str, operation: Callable[[], T]) -> T:
    """Run `operation`; a PlatformError it raises is restated as part of `what`."""
    try:
        return operation()
    except PlatformError as e:
        raise PlatformError(f"{what}: {e}") from e
