"""The `langfuse` platform: Langfuse prompt management, through the `langfuse` SDK's REST client.

An agent is one prompt (named by `naming`), an environment is a label (the target's `labels`
entry, else the environment's name), and a deployment is one immutable prompt version. Labels
are unique per prompt, so giving a version the environment's label takes it from the version
that had it: `point` is that one call, and a rollback makes no version. Langfuse makes a new
version for every create, identical content or not, so every version carries agentcd's stamp
in its config (the agent, the deployment digest, the rendered config's digest) and `find_version`
reads each candidate whole before it is trusted. Langfuse runs no agent: `invoke` and
`invoke_candidate` call the target's `invoker` with the version the label serves (read from
the server) or the rendered one. docs/platforms/langfuse.md has the mapping.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path
from typing import Any, TypeVar

from agentcd.adapters.platforms.file import call_invoker
from agentcd.adapters.platforms.langfuse_api import (
    Connection,
    NotFound,
    call,
    connect,
    in_path,
    plain,
)
from agentcd.adapters.platforms.langfuse_render import (
    commit_message,
    environment_label,
    normalize_version,
    prompt_name,
    read_stamp,
    render_config,
    version_config,
)
from agentcd.adapters.platforms.protocol import PlatformError, Refused, Rendered
from agentcd.core.definition.model import LangfuseTarget
from agentcd.core.deploy.drift import LiveState, Presence, config_digest
from agentcd.core.deploy.release import Release

T = TypeVar("T")
PAGE = 100  # the most prompts one list call returns


@dataclass(frozen=True, slots=True)
class Options:
    """What the target says besides how to connect."""

    naming: str = "{agent}"
    labels: Mapping[str, str] | None = None
    invoker: Mapping[str, Any] | None = None
    project_dir: Path = Path(".")


class LangfusePlatform:
    """Deploys through `client` (a `LangfuseAPI`, made on first use by `connect`)."""

    def __init__(self, connect_client: Callable[[], Any], options: Options) -> None:
        self._connect, self.options = connect_client, options

    @cached_property
    def client(self) -> Any:
        """Made on first use, so rendering (`agentcd validate`) needs no SDK and no key."""
        return self._connect()

    # ------------------------------------------------------------ the Platform protocol

    def render(self, release: Release) -> Rendered:
        config = render_config(release, self.options.naming, self.options.labels or {})
        return Rendered(release=release, config=config)

    def find_version(self, rendered: Rendered, *, hint: str | None = None) -> str | None:
        """The version that runs this release: `hint` first, then the others, newest first.
        A stamp is no proof (the UI copies a version's config into the next), so each
        candidate is read whole and must equal the rendered config."""
        found, _ = self._search(rendered, hint)
        return None if found is None else str(found["version"])

    def point(self, rendered: Rendered, version: str) -> Mapping[str, str]:
        """Give `version` the environment's label, which leaves the version that had it."""
        release = rendered.release
        what = f"pointing {release.agent} in {release.environment} at version {version}"
        return _explained(what, lambda: self._label(rendered, int(version)))

    def apply(self, rendered: Rendered) -> Mapping[str, str]:
        """The stamped version of this release when there is one, else a new version made
        with the label. Returns `version`, `prompt` and `label`."""
        release = rendered.release
        what = f"deploying {release.agent} to {release.environment}"
        return _explained(what, lambda: self._apply(rendered))

    def read_live(self, agent: str, environment: str) -> LiveState:
        """The version the environment's label serves, read whole; any failed call is
        unreadable, no prompt or no version with the label is absent."""
        try:
            name, label = self._names(agent, environment)
            read = self._get(name, label=label)
        except Refused as e:
            return LiveState(Presence.UNREADABLE, detail=f"{agent} in {environment}: {e}")
        except NotFound:
            return LiveState(Presence.ABSENT, detail=f"no version of {name} has label {label}")
        except PlatformError as e:
            return LiveState(Presence.UNREADABLE, detail=f"{agent} in {environment}: {e}")
        stamp = read_stamp(read.get("config"))
        return LiveState(
            Presence.PRESENT,
            config=normalize_version(read),
            deployment_digest=stamp.deployment if stamp and stamp.agent == agent else None,
            version=str(read.get("version")),
        )

    def live_agents(self, environment: str) -> tuple[str, ...]:
        """The agentcd agents (by the stamp on the labelled version) whose prompt has the
        environment's label and the name `naming` gives them there."""
        try:
            label = environment_label(self.options.labels or {}, environment)
            rows = list(self._labelled(label))
        except Refused as e:
            raise PlatformError(f"listing the prompts of {environment}: {e}") from e
        except PlatformError as e:
            raise PlatformError(f"listing the prompts of {environment}: {e}") from e
        found = {
            stamp.agent
            for row in rows
            if (stamp := read_stamp(row.get("lastConfig")))
            and self._name_or_none(stamp.agent, environment) == row.get("name")
        }
        return tuple(sorted(found))

    def invoke(self, agent: str, environment: str, request: Mapping[str, Any]) -> Mapping[str, Any]:
        """The target's invoker with the version the label serves, as `read_live` reads it."""
        what = f"invoking {agent} in {environment}"
        live = self.read_live(agent, environment)
        if live.presence is not Presence.PRESENT or live.config is None:
            raise PlatformError(f"{what}: {live.detail or 'not deployed'}")
        return self._run(dict(live.config), request, what)

    def invoke_candidate(self, rendered: Rendered, request: Mapping[str, Any]) -> Mapping[str, Any]:
        """The target's invoker with the rendered version: nothing is created or moved."""
        release = rendered.release
        config = json.loads(json.dumps(rendered.config))  # the JSON a version holds
        return self._run(config, request, f"running {release.agent} inline ({release.environment})")

    # ------------------------------------------------------------ apply and point

    def _apply(self, rendered: Rendered) -> Mapping[str, str]:
        release, config = rendered.release, rendered.config
        found, owned = self._search(rendered, None)
        if found is not None:
            if self._label_of(release) in found.get("labels", []):
                return self._ids(rendered, int(found["version"]))
            return self._label(rendered, int(found["version"]))
        if owned is False:
            raise PlatformError(
                f"the Langfuse prompt {config['name']} has no version stamped for "
                f"{release.agent}: agentcd changes only prompts it made"
            )
        made = self._create(rendered)
        if normalize_version(made) != config or read_stamp(made.get("config")) is None:
            raise PlatformError(
                f"version {made.get('version')} of {config['name']} is not as rendered"
            )
        return self._ids(rendered, int(made["version"]))

    def _create(self, rendered: Rendered) -> dict[str, Any]:
        from langfuse.api.prompts.types import CreateChatPromptRequest

        release, config = rendered.release, rendered.config
        request = CreateChatPromptRequest(
            name=config["name"],
            type="chat",
            prompt=config["prompt"],
            config=version_config(release, config),
            labels=[self._label_of(release)],
            commit_message=commit_message(release, config),
        )
        what = f"creating a version of {config['name']}"
        return plain(call(what, lambda: self.client.prompts.create(request=request)))

    def _label(self, rendered: Rendered, version: int) -> Mapping[str, str]:
        name, label = rendered.config["name"], self._label_of(rendered.release)
        updated = plain(
            call(
                f"labelling version {version} of {name} {label}",
                lambda: self.client.prompt_version.update(
                    in_path(name), version, new_labels=[label]
                ),
            )
        )
        if label not in updated.get("labels", []):
            raise PlatformError(f"version {version} of {name} did not take label {label}")
        return self._ids(rendered, version)

    def _ids(self, rendered: Rendered, version: int) -> Mapping[str, str]:
        label = self._label_of(rendered.release)
        return {"version": str(version), "prompt": rendered.config["name"], "label": label}

    # ------------------------------------------------------------ read

    def _search(
        self, rendered: Rendered, hint: str | None
    ) -> tuple[dict[str, Any] | None, bool | None]:
        """The version that runs this release (`hint` first, then newest first), and whether
        any version read is agentcd's for this agent (None when the prompt has none)."""
        name, agent = rendered.config["name"], rendered.release.agent
        owned: bool | None = None
        for version in self._candidates(name, hint):
            stamp = read_stamp(version.get("config"))
            owned = bool(owned) or (stamp is not None and stamp.agent == agent)
            if self._runs(version, stamp, rendered):
                return version, True
        return None, owned

    def _candidates(self, name: str, hint: str | None) -> Iterator[dict[str, Any]]:
        if hint is not None and hint.isdigit():
            read = self._get_or_none(name, version=int(hint))
            if read is not None:
                yield read
        meta = list(self._rows(name=name))
        numbers = sorted({n for row in meta for n in row.get("versions", [])}, reverse=True)
        for number in numbers:
            if str(number) != hint:
                read = self._get_or_none(name, version=number)
                if read is not None:
                    yield read

    def _runs(self, version: Mapping[str, Any], stamp: Any, rendered: Rendered) -> bool:
        """Whether a version read whole is this release: its stamp and its content."""
        return (
            stamp is not None
            and stamp.agent == rendered.release.agent
            and stamp.deployment == rendered.release.deployment_digest
            and stamp.config == config_digest(rendered.config)
            and normalize_version(version) == rendered.config
        )

    def _get(self, name: str, **which: Any) -> dict[str, Any]:
        what = f"reading {name} " + " ".join(f"{k} {v}" for k, v in which.items())
        return plain(call(what, lambda: self.client.prompts.get(in_path(name), **which)))

    def _get_or_none(self, name: str, **which: Any) -> dict[str, Any] | None:
        try:
            return self._get(name, **which)
        except NotFound:
            return None

    def _rows(self, **filters: str) -> Iterator[dict[str, Any]]:
        """The prompt list's rows for `filters`, page by page as they are consumed."""
        page = 1
        while True:
            list_page = partial(self.client.prompts.list, page=page, limit=PAGE, **filters)
            listed = plain(call("listing prompts", list_page))
            yield from listed.get("data", [])
            if page >= int(listed.get("meta", {}).get("totalPages") or 0):
                return
            page += 1

    def _labelled(self, label: str) -> Iterator[dict[str, Any]]:
        return self._rows(label=label)

    def _names(self, agent: str, environment: str) -> tuple[str, str]:
        labels = self.options.labels or {}
        return prompt_name(self.options.naming, agent, environment), environment_label(
            labels, environment
        )

    def _name_or_none(self, agent: str, environment: str) -> str | None:
        try:
            return prompt_name(self.options.naming, agent, environment)
        except Refused:
            return None

    def _label_of(self, release: Release) -> str:
        return environment_label(self.options.labels or {}, release.environment)

    # ------------------------------------------------------------ invoke

    def _run(
        self, config: dict[str, Any], request: Mapping[str, Any], what: str
    ) -> Mapping[str, Any]:
        return call_invoker(
            self.options.invoker,
            self.options.project_dir,
            config,
            request,
            what=what,
            missing="Langfuse stores prompts and runs none: the target needs an invoker",
        )


def open_platform(target: LangfuseTarget, *, project_dir: Path) -> LangfusePlatform:
    """The platform of an `agentcd.yaml` langfuse target; the SDK is loaded on first use."""
    connection = Connection(target.host, target.public_key_env, target.secret_key_env)
    options = Options(
        naming=target.naming,
        labels=dict(target.labels),
        invoker=target.invoker,
        project_dir=project_dir,
    )
    return LangfusePlatform(lambda: connect(connection), options)


def _explained(what: str, operation: Callable[[], T]) -> T:
    """Run `operation`; a PlatformError it raises is restated as part of `what`."""
    try:
        return operation()
    except PlatformError as e:
        raise PlatformError(f"{what}: {e}") from e
