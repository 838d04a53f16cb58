"""The `file` platform: each environment's agent configurations as JSON files in a folder.

`<path>/<env>/<agent>.json` is what runs; every applied version is also kept as
`<path>/<env>/<agent>.versions/<n>.json`, whose header names the deployment digest it runs: the
stamp `find_version` looks for, so a release applied again points at its kept version instead of
making a new one, and a rollback copies the recorded version back. Writes go to a temporary file
that is then renamed, so a reader (the application) sees the old or the new file, never half.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agentcd.adapters.platforms.protocol import PlatformError, Rendered
from agentcd.core.definition.canonical import canonicalize
from agentcd.core.deploy.drift import LiveState, Presence
from agentcd.core.deploy.release import Release

FILE_FORMAT = 1
_VERSION_FILE = re.compile(r"^(\d+)\.json$")


class FilePlatform:
    """Deploys into `root` (the target's `path`, resolved against the project folder)."""

    def __init__(
        self, root: Path, *, project_dir: Path, invoker: Mapping[str, Any] | None = None
    ) -> None:
        self.root = root
        self.project_dir = project_dir
        self.invoker = invoker

    def live_path(self, agent: str, environment: str) -> Path:
        return self.root / environment / f"{agent}.json"

    def render(self, release: Release) -> Rendered:
        config = {"agent": dict(release.artifact), "bindings": dict(release.bindings)}
        return Rendered(release=release, config=config)

    def find_version(self, rendered: Rendered, *, hint: str | None = None) -> str | None:
        """The kept version whose header and config are this release's: `hint` first, then
        the newest. Versions are files anyone can edit, so each is read whole and compared."""
        versions = self._versions(rendered.release)
        try:
            numbers = sorted(_numbers(versions), reverse=True)
        except OSError:
            return None
        if hint is not None and hint.isdigit() and int(hint) in numbers:
            numbers.remove(int(hint))
            numbers.insert(0, int(hint))
        for number in numbers:
            if _is_release(versions / f"{number}.json", rendered):
                return str(number)
        return None

    def point(self, rendered: Rendered, version: str) -> Mapping[str, str]:
        """Make the kept version `version` the one that runs (a copy over the live file)."""
        release = rendered.release
        live = self.live_path(release.agent, release.environment)
        kept = self._versions(release) / f"{version}.json"
        try:
            _write_atomic(live, kept.read_text(encoding="utf-8"), durable=True)
        except OSError as e:
            raise PlatformError(
                f"deploying {release.agent} to {release.environment}: version {version}: {e}"
            ) from e
        return {"version": version, "path": live.relative_to(self.root).as_posix()}

    def apply(self, rendered: Rendered) -> Mapping[str, str]:
        """The kept version of this release when there is one, else a new numbered version."""
        found = self.find_version(rendered)
        if found is not None:
            return self.point(rendered, found)
        release = rendered.release
        live = self.live_path(release.agent, release.environment)
        versions = self._versions(release)
        try:
            versions.mkdir(parents=True, exist_ok=True)
            number = max(_numbers(versions), default=0) + 1
            text = _document(rendered, number)
            _write_atomic(versions / f"{number}.json", text, durable=False)
            _write_atomic(live, text, durable=True)
        except OSError as e:
            raise PlatformError(
                f"deploying {release.agent} to {release.environment}: writing {live}: {e}"
            ) from e
        return {"version": str(number), "path": live.relative_to(self.root).as_posix()}

    def _versions(self, release: Release) -> Path:
        return self.root / release.environment / f"{release.agent}.versions"

    def read_live(self, agent: str, environment: str) -> LiveState:
        path = self.live_path(agent, environment)
        where = f"{environment}/{path.name}"
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return LiveState(Presence.ABSENT, detail=f"{where} does not exist")
        except UnicodeDecodeError as e:
            return LiveState(Presence.UNREADABLE, detail=f"{where}: not UTF-8 ({e.reason})")
        except OSError as e:
            return LiveState(Presence.UNREADABLE, detail=f"{where}: {e.strerror or e}")
        return parse_live(text, where=where)

    def live_agents(self, environment: str) -> tuple[str, ...]:
        folder = self.root / environment
        if not folder.is_dir():
            return ()
        return tuple(sorted(p.stem for p in folder.glob("*.json") if p.is_file()))

    def invoke(self, agent: str, environment: str, request: Mapping[str, Any]) -> Mapping[str, Any]:
        """Call the target's `invoker: {python: "module:function"}` with the deployed config."""
        live = self.read_live(agent, environment)
        if live.presence is not Presence.PRESENT or live.config is None:
            raise PlatformError(
                f"invoking {agent} in {environment}: {live.detail or 'not deployed'}"
            )
        return self._call(dict(live.config), request, f"invoking {agent} in {environment}")

    def invoke_candidate(self, rendered: Rendered, request: Mapping[str, Any]) -> Mapping[str, Any]:
        """The target's invoker with the rendered config, as a deployed file would hold it."""
        release = rendered.release
        config = json.loads(json.dumps(rendered.config))  # the JSON a deployed file holds
        what = f"running {release.agent} inline ({release.environment})"
        return self._call(config, request, what)

    def _call(
        self, config: dict[str, Any], request: Mapping[str, Any], what: str
    ) -> Mapping[str, Any]:
        return call_invoker(self.invoker, self.project_dir, config, request, what=what)


def parse_live(text: str, *, where: str) -> LiveState:
    """A deployed file's header and normalized config; anything malformed is unreadable."""
    try:
        data = json.loads(text)
    except ValueError as e:
        return LiveState(Presence.UNREADABLE, detail=f"{where}: not JSON ({e})")
    if not isinstance(data, dict):
        return LiveState(Presence.UNREADABLE, detail=f"{where}: not an agentcd deployment")
    header = data.get("agentcd")
    if not isinstance(header, dict) or not isinstance(data.get("agent"), dict):
        return LiveState(Presence.UNREADABLE, detail=f"{where}: not an agentcd deployment")
    config = {"agent": data["agent"], "bindings": data.get("bindings")}
    digest, version = header.get("deployment_digest"), header.get("version")
    return LiveState(
        Presence.PRESENT,
        config=config,
        deployment_digest=digest if isinstance(digest, str) else None,
        version=str(version) if version is not None else None,
        normalize=normalize_config,
    )


def normalize_config(config: Mapping[str, Any]) -> Mapping[str, Any]:
    """Canonical list order and numbers in the artifact, as at build time (so reordering a set
    by hand is no change); a shape canonicalize cannot take stays as it is, and differs."""
    try:
        return {**config, "agent": canonicalize(dict(config["agent"]))}
    except (KeyError, TypeError, ValueError, AttributeError):
        return config


def _document(rendered: Rendered, number: int) -> str:
    release = rendered.release
    header = {
        "format": FILE_FORMAT,
        "agent": release.agent,
        "environment": release.environment,
        "artifact_digest": release.artifact_digest,
        "deployment_digest": release.deployment_digest,
        "version": number,
    }
    document = {"agentcd": header, **rendered.config}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _numbers(folder: Path) -> list[int]:
    if not folder.is_dir():
        return []
    return [int(m.group(1)) for p in folder.iterdir() if (m := _VERSION_FILE.match(p.name))]


def _is_release(path: Path, rendered: Rendered) -> bool:
    """Whether a kept version file is this release: its deployment digest and its config."""
    try:
        live = parse_live(path.read_text(encoding="utf-8"), where=path.name)
    except (OSError, UnicodeDecodeError):
        return False
    return (
        live.presence is Presence.PRESENT
        and live.deployment_digest == rendered.release.deployment_digest
        and live.config == {key: rendered.config[key] for key in ("agent", "bindings")}
    )


def _write_atomic(path: Path, text: str, *, durable: bool) -> None:
    """Write a temporary file, then rename it over `path`. `durable` syncs it to disk first,
    for the file that runs; the kept versions are copies the ledger can always rebuild."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        if durable:
            f.flush()
            os.fsync(f.fileno())
    os.replace(tmp, path)


def call_invoker(
    invoker: Mapping[str, Any] | None,
    project_dir: Path,
    config: Mapping[str, Any],
    request: Mapping[str, Any],
    *,
    what: str,
    missing: str = "the target has no invoker",
) -> Mapping[str, Any]:
    """A target's `invoker: {python: "module:function"}` called with a config and a request:
    how a platform that stores an agent but runs none (this one, a prompt registry) runs it."""
    entry = (invoker or {}).get("python")
    if not isinstance(entry, str) or ":" not in entry:
        raise PlatformError(
            f"{what}: {missing} "
            "(agentcd.yaml: targets.<name>.invoker: {python: 'module:function'})"
        )
    result = _entrypoint(entry, project_dir)(config, dict(request))
    if not isinstance(result, Mapping):
        raise PlatformError(f"{what}: {entry} returned {type(result).__name__}")
    return result


def _entrypoint(entry: str, project_dir: Path) -> Any:
    """The function named `module:function`, importable from the project folder."""
    module_name, _, function = entry.partition(":")
    project = str(project_dir.resolve())
    if project not in sys.path:
        sys.path.insert(0, project)
    try:
        return getattr(importlib.import_module(module_name), function)
    except (ImportError, AttributeError) as e:
        raise PlatformError(f"invoking: cannot load {entry}: {e}") from e
