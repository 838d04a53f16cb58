"""Load a project from a `Tree`: parse, validate, resolve references, build artifacts. No I/O.

The tree is the only way in; every error names the file and the field path.
"""

from __future__ import annotations

import base64
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from agentcd.core.canonical import build_artifact, canonical_bytes, normalize_text
from agentcd.core.digest import artifact_digest, digest_bytes
from agentcd.core.model import Agent, Project, SkillRef, is_slug
from agentcd.core.parse import decode_text, parse_yaml, split_frontmatter
from agentcd.core.suite import EvalSuite
from agentcd.core.tree import Tree, glob_files, read_file, resolve_path
from agentcd.errors import DefinitionError

PROJECT_FILE = "agentcd.yaml"
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class LoadedSuite:
    path: str
    suite: EvalSuite
    digest: str


@dataclass(frozen=True, slots=True)
class LoadedAgent:
    name: str
    path: str
    definition: Agent
    artifact: Mapping[str, Any]
    digest: str
    suites: tuple[LoadedSuite, ...]


@dataclass(frozen=True, slots=True)
class Workspace:
    project: Project
    agents: tuple[LoadedAgent, ...]
    label: str
    commit: str | None

    def agent(self, name: str) -> LoadedAgent | None:
        return next((a for a in self.agents if a.name == name), None)


def load_workspace(tree: Tree) -> Workspace:
    """The project file and every agent it names, fully resolved."""
    project = load_project(tree)
    agents = load_agents(tree, project)
    return Workspace(project=project, agents=agents, label=tree.label, commit=tree.commit)


def load_project(tree: Tree) -> Project:
    if tree.kind(PROJECT_FILE) is None:
        raise DefinitionError(
            PROJECT_FILE, "", f"not found in the {tree.label} (run in the project's folder or pass -C)"
        )
    return validate_model(Project, load_yaml(tree, PROJECT_FILE), PROJECT_FILE)


def load_agents(tree: Tree, project: Project) -> tuple[LoadedAgent, ...]:
    paths: list[str] = []
    for i, pattern in enumerate(project.agents):
        found = glob_files(tree, pattern)
        if not found:
            raise DefinitionError(PROJECT_FILE, f"agents[{i}]", f"{pattern!r} matches no file")
        paths.extend(p for p in found if p not in paths)
    agents = tuple(load_agent(tree, path) for path in paths)
    _check_names(agents)
    return tuple(sorted(agents, key=lambda a: a.name))


def _check_names(agents: tuple[LoadedAgent, ...]) -> None:
    by_name: dict[str, str] = {}
    for agent in agents:
        if agent.name in by_name:
            raise DefinitionError(
                agent.path,
                "metadata.name",
                f"{agent.name!r} is also the name of {by_name[agent.name]}",
            )
        by_name[agent.name] = agent.path
    for agent in agents:
        for i, sub in enumerate(agent.definition.subagents):
            if sub.ref not in by_name:
                raise DefinitionError(agent.path, f"subagents[{i}].ref", f"no agent {sub.ref!r}")


def load_agent(tree: Tree, path: str) -> LoadedAgent:
    agent = validate_model(Agent, load_yaml(tree, path), path)
    base = posixpath.dirname(path)
    instructions = agent.instructions.text
    if agent.instructions.file is not None:
        instructions = _read_text(tree, base, agent.instructions.file, (path, "instructions.file"))
    specs = {
        tool.name: _read_text(tree, base, tool.spec.file, (path, f"tools[{i}].spec.file"))
        for i, tool in enumerate(agent.tools)
        if tool.spec is not None
    }
    skills: dict[str, dict[str, Any]] = {}
    for i, ref in enumerate(agent.skills):
        name, files = _load_skill(tree, base, ref, (path, f"skills[{i}]"))
        if name in skills:
            raise DefinitionError(path, f"skills[{i}]", f"duplicate skill name {name!r}")
        skills[name] = files
    try:
        artifact = build_artifact(agent, instructions=instructions or "", specs=specs, skills=skills)
    except ValueError as e:
        raise DefinitionError(path, "", str(e)) from e
    suites = tuple(
        load_suite(tree, resolve_path(tree, base=base, ref=ref, where=(path, f"evals[{i}]")))
        for i, ref in enumerate(agent.evals)
    )
    return LoadedAgent(
        name=agent.metadata.name,
        path=path,
        definition=agent,
        artifact=artifact,
        digest=artifact_digest(artifact),
        suites=suites,
    )


def load_suite(tree: Tree, path: str) -> LoadedSuite:
    raw = load_yaml(tree, path)
    suite = validate_model(EvalSuite, raw, path)
    data = suite.model_dump(mode="json", by_alias=True, exclude_none=True)
    return LoadedSuite(path=path, suite=suite, digest=digest_bytes(canonical_bytes(data)))


def load_yaml(tree: Tree, path: str) -> Any:
    data = read_file(tree, path, where=(path, ""))
    return parse_yaml(decode_text(data, path=path), path=path)


def _read_text(tree: Tree, base: str, ref: str, where: tuple[str, str]) -> str:
    path = resolve_path(tree, base=base, ref=ref, where=where)
    return decode_text(read_file(tree, path, where=where), path=path)


def _load_skill(
    tree: Tree, base: str, ref: SkillRef, where: tuple[str, str]
) -> tuple[str, dict[str, Any]]:
    folder = resolve_path(tree, base=base, ref=ref.path, where=(where[0], where[1] + ".path"))
    if tree.kind(folder) != "dir":
        raise DefinitionError(where[0], where[1] + ".path", f"{ref.path!r} is not a folder")
    files: dict[str, Any] = {}
    for path in sorted(tree.walk(folder)):
        rel = posixpath.relpath(path, folder)
        real = resolve_path(tree, base=folder, ref=rel, where=where)
        data = read_file(tree, real, where=where)
        if b"\0" in data:
            files[rel] = {"base64": base64.b64encode(data).decode("ascii")}
        else:
            files[rel] = normalize_text(decode_text(data, path=path))
    skill_md = files.get("SKILL.md")
    if not isinstance(skill_md, str):
        raise DefinitionError(where[0], where[1] + ".path", f"{ref.path!r} has no SKILL.md")
    meta, _ = split_frontmatter(skill_md, path=f"{folder}/SKILL.md")
    name = ref.name or meta.get("name") or posixpath.basename(folder)
    if not isinstance(name, str) or not is_slug(name):
        raise DefinitionError(f"{folder}/SKILL.md", "name", f"{name!r} is not a valid skill name")
    return name, files


def validate_model(model: type[M], data: Any, path: str) -> M:
    """Validate raw data into `model`, turning pydantic's errors into one DefinitionError."""
    if not isinstance(data, dict):
        raise DefinitionError(path, "", f"must be a mapping, found {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as e:
        problems = [(_field_path(err["loc"], data), _message(err)) for err in e.errors()]
        field, message = problems[0]
        for more_field, more_message in problems[1:10]:
            message += f"\n{path}: {more_field}: {more_message}"
        raise DefinitionError(path, field, message) from None


def _field_path(loc: tuple[int | str, ...], data: Any) -> str:
    """`('tools', 2, 'name')` -> `tools[2].name`, skipping union tags that are not in the data."""
    out = ""
    node = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, list) and isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if part < len(node) else None
        elif isinstance(part, str) and (last or (isinstance(node, dict) and part in node)):
            out += f".{part}" if out else part
            node = node.get(part) if isinstance(node, dict) else None
    return out or "(document)"


def _message(err: Mapping[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "field required"
    msg = str(err.get("msg", "invalid"))
    msg = msg.removeprefix("Value error, ")
    return msg[:1].lower() + msg[1:]
