"""Where credentials hide in a workspace: every string of the definition, project and eval
files, and every file an artifact inlines (instructions, tool specs, skill files). No I/O.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from agentcd.core.definition.load import PROJECT_FILE, LoadedAgent, Workspace
from agentcd.core.policy.secrets import find_secrets, looks_random, mask

# Mapping keys whose values are credentials when they are not references (`*_env` names one).
_SENSITIVE_KEY = re.compile(
    r"header|token|secret|passw|api[_-]?key|apikey|credential|authorization", re.IGNORECASE
)
# An Authorization header's scheme: the credential is what follows it.
_AUTH_SCHEME = re.compile(
    r"^(?:Bearer|Basic|Token|Bot|Digest|ApiKey|Api-Key|Key|SSWS|GenieKey)\s+(\S+)$", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class SecretHit:
    """A credential found: `kind` is None for a value judged only by its randomness."""

    file: str
    field: str
    kind: str | None
    masked: str
    line: int | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class _Text:
    """An inlined file's text; `line` is None when the text is not the whole of `file`."""

    file: str
    field: str
    text: str
    whole_file: bool = True
    note: str = ""


def scan_workspace(workspace: Workspace) -> Iterator[SecretHit]:
    """Every credential in the project file, each agent's files, and each eval suite."""
    yield from _scan_data(PROJECT_FILE, _dump(workspace.project))
    for agent in workspace.agents:
        yield from _scan_data(agent.path, _dump(agent.definition))
        for text in _inlined_texts(agent):
            yield from _scan_text(text)
        for suite in agent.suites:
            yield from _scan_data(suite.path, _dump(suite.suite))


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)


def _scan_data(file: str, data: Any) -> Iterator[SecretHit]:
    for field, keys, value in _strings(data, "", ()):
        shapes = find_secrets(value)
        for shape in shapes:
            yield SecretHit(file, field, shape.kind, shape.masked)
        credential = _credential_part(value)
        if not shapes and _sensitive(keys) and looks_random(credential):
            yield SecretHit(file, field, None, mask(credential))


def _credential_part(value: str) -> str:
    """The value without an auth scheme: `Token 3f9a...` is judged by `3f9a...`."""
    value = value.strip()
    scheme = _AUTH_SCHEME.match(value)
    return scheme.group(1) if scheme else value


def _sensitive(keys: tuple[str, ...]) -> bool:
    """A binding value, or a value under a key named like a header, token or password."""
    return "bindings" in keys or any(
        _SENSITIVE_KEY.search(k) and not k.endswith("_env") for k in keys
    )


def _strings(
    data: Any, path: str, keys: tuple[str, ...]
) -> Iterator[tuple[str, tuple[str, ...], str]]:
    """(field path, mapping keys on the way, value) for every string in JSON-shaped data."""
    if isinstance(data, str):
        yield path, keys, data
    elif isinstance(data, Mapping):
        for key, value in data.items():
            yield from _strings(value, f"{path}.{key}" if path else str(key), (*keys, str(key)))
    elif isinstance(data, list | tuple):
        for i, item in enumerate(data):
            yield from _strings(item, f"{path}[{i}]", keys)


def _scan_text(text: _Text) -> Iterator[SecretHit]:
    for shape in find_secrets(text.text):
        line = text.text.count("\n", 0, shape.offset) + 1 if text.whole_file else None
        yield SecretHit(text.file, text.field, shape.kind, shape.masked, line, text.note)


def _inlined_texts(agent: LoadedAgent) -> Iterator[_Text]:
    """The texts the artifact inlined, each named by the file it came from."""
    base = posixpath.dirname(agent.path)
    definition, artifact = agent.definition, agent.artifact
    if definition.instructions.file is not None:
        path = _join(base, definition.instructions.file)
        yield _Text(path, "instructions", artifact["instructions"])
    specs = {t["name"]: t.get("spec") for t in artifact.get("tools", [])}
    for i, tool in enumerate(definition.tools):
        spec = specs.get(tool.name)
        if tool.spec is not None and isinstance(spec, str):
            yield _Text(_join(base, tool.spec.file), f"tools[{i}].spec", spec)
    folders = _skill_folders(agent)
    for skill in artifact.get("skills", []):
        for rel, content in skill["files"].items():
            if not isinstance(content, str):
                continue  # a binary asset, kept as base64
            if skill["name"] in folders:
                index, folder = folders[skill["name"]]
                yield _Text(f"{folder}/{rel}", f"skills[{index}]", content)
            else:
                note = f"skill {skill['name']!r}, file {rel}"
                yield _Text(agent.path, "skills", content, whole_file=False, note=note)


def _join(base: str, ref: str) -> str:
    return posixpath.normpath(posixpath.join(base, ref))


def _skill_folders(agent: LoadedAgent) -> dict[str, tuple[int, str]]:
    """Skill name -> (index in `skills`, folder), where the name tells which folder it came from.

    A name is the ref's `name`, else SKILL.md's `name` (which the Agent Skills format says
    matches the folder), else the folder's name; the one left over pairs with the ref left over.
    """
    base = posixpath.dirname(agent.path)
    refs = {i: (ref.name, _join(base, ref.path)) for i, ref in enumerate(agent.definition.skills)}
    names = {skill["name"] for skill in agent.artifact.get("skills", [])}
    out = {name: (i, folder) for i, (name, folder) in refs.items() if name is not None}
    for i, (name, folder) in refs.items():
        guess = posixpath.basename(folder)
        if name is None and guess in names and guess not in out:
            out[guess] = (i, folder)
    left_names = sorted(names - set(out))
    left_refs = sorted(set(refs) - {i for i, _ in out.values()})
    if len(left_names) == 1 and len(left_refs) == 1:
        out[left_names[0]] = (left_refs[0], refs[left_refs[0]][1])
    return out
