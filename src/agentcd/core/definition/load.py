"""Load a project from a `Tree`: parse, validate, resolve references, build artifacts. No I/O.

The tree is the only way in; every error names the file and the field path. The work done on
file contents is remembered by content (definition text, referenced texts): loading a second
revision, as a diff does, repeats it only for what changed. The remembered values are shared
between loads: frozen models, and artifacts that are read-only by contract (`Mapping`).
"""

from __future__ import annotations

import base64
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from agentcd.core.definition.canonical import build_artifact, canonical_bytes, normalize_text
from agentcd.core.definition.digest import artifact_digest, digest_bytes
from agentcd.core.definition.model import Agent, Project, SkillRef, is_slug
from agentcd.core.definition.parse import decode_text, parse_yaml, split_frontmatter
from agentcd.core.definition.tree import Tree, glob_files, read_file, resolve_path, walk_files
from agentcd.core.definition.validate import validate_model
from agentcd.core.evals.suite import EvalSuite
from agentcd.errors import DefinitionError

PROJECT_FILE = "agentcd.yaml"
Where = tuple[str, str]  # (file, field path) for error messages
_REMEMBERED = 2048  # agents (and suites, skills) kept by content: both sides of a large diff


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
            PROJECT_FILE,
            "",
            f"not found in the {tree.label} (run in the project's folder or pass -C)",
        )
    path = resolve_path(tree, base="", ref=PROJECT_FILE, where=(PROJECT_FILE, ""))
    return validate_model(Project, load_yaml(tree, path), PROJECT_FILE)


def load_agents(tree: Tree, project: Project) -> tuple[LoadedAgent, ...]:
    paths: list[str] = []
    for i, pattern in enumerate(project.agents):
        where = (PROJECT_FILE, f"agents[{i}]")
        if pattern.startswith("/") or ".." in pattern.split("/"):
            raise DefinitionError(
                *where, f"{pattern!r} leaves the project folder; write globs relative to it"
            )
        resolved = (
            resolve_path(tree, base="", ref=p, where=where) for p in glob_files(tree, pattern)
        )
        found = [path for path in resolved if tree.kind(path) != "dir"]
        if not found:
            raise DefinitionError(
                *where,
                f"{pattern!r} matches no file in the {tree.label} (globs are relative to the "
                "project folder; '*' stays within one folder, '**' crosses folders)",
            )
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
                f"{agent.name!r} is also the name of {by_name[agent.name]}; "
                "agent names must be unique in the project",
            )
        by_name[agent.name] = agent.path
    for agent in agents:
        for i, sub in enumerate(agent.definition.subagents):
            if sub.ref not in by_name:
                known = ", ".join(sorted(by_name))
                raise DefinitionError(
                    agent.path, f"subagents[{i}].ref", f"no agent {sub.ref!r} (known: {known})"
                )


@dataclass(frozen=True, slots=True)
class _Sources:
    """What a definition references, as read: the artifact's inputs besides the definition."""

    instructions: str
    specs: tuple[tuple[str, str], ...]  # (tool name, spec text)
    skills: tuple[tuple[str, tuple[tuple[str, str | bytes], ...]], ...]  # bytes: a binary file


def load_agent(tree: Tree, path: str) -> LoadedAgent:
    text = decode_text(read_file(tree, path, where=(path, "")), path=path)
    agent = _agent(text, path)
    base = posixpath.dirname(path)
    artifact, digest = _artifact(text, path, _read_sources(tree, agent, base=base, path=path))
    suites = []
    for i, ref in enumerate(agent.evals):
        where = (path, f"evals[{i}]")
        suites.append(load_suite(tree, resolve_path(tree, base=base, ref=ref, where=where), where))
    return LoadedAgent(
        name=agent.metadata.name,
        path=path,
        definition=agent,
        artifact=artifact,
        digest=digest,
        suites=tuple(suites),
    )


@lru_cache(maxsize=_REMEMBERED)
def _agent(text: str, path: str) -> Agent:
    return validate_model(Agent, parse_yaml(text, path=path), path)


def _read_sources(tree: Tree, agent: Agent, *, base: str, path: str) -> _Sources:
    """Read every file the definition references."""
    instructions = agent.instructions.text
    if agent.instructions.file is not None:
        instructions = _read_text(tree, base, agent.instructions.file, (path, "instructions.file"))
    specs = tuple(
        (tool.name, _read_text(tree, base, tool.spec.file, (path, f"tools[{i}].spec.file")))
        for i, tool in enumerate(agent.tools)
        if tool.spec is not None
    )
    skills: dict[str, tuple[tuple[str, str | bytes], ...]] = {}
    for i, ref in enumerate(agent.skills):
        name, files = _load_skill(tree, base, ref, (path, f"skills[{i}]"))
        if name in skills:
            raise DefinitionError(path, f"skills[{i}]", f"duplicate skill name {name!r}")
        skills[name] = files
    return _Sources(instructions or "", specs, tuple(skills.items()))


@lru_cache(maxsize=_REMEMBERED)
def _artifact(text: str, path: str, sources: _Sources) -> tuple[dict[str, Any], str]:
    """The canonical artifact of the definition in `text` with its sources, and its digest."""
    skills = {
        name: {rel: _file_value(data) for rel, data in files} for name, files in sources.skills
    }
    try:
        artifact = build_artifact(
            _agent(text, path),
            instructions=sources.instructions,
            specs=dict(sources.specs),
            skills=skills,
        )
    except ValueError as e:
        raise DefinitionError(path, "", str(e)) from e
    return artifact, artifact_digest(artifact)


def _file_value(data: str | bytes) -> Any:
    """A skill file in the artifact: its text, or `{"base64": ...}` when it is binary."""
    if isinstance(data, bytes):
        return {"base64": base64.b64encode(data).decode("ascii")}
    return data


def load_suite(tree: Tree, path: str, where: Where | None = None) -> LoadedSuite:
    """An eval suite; `where` names the reference to it in the error when the file is missing."""
    data = read_file(tree, path, where=where or (path, ""))
    return _suite(decode_text(data, path=path), path)


@lru_cache(maxsize=_REMEMBERED)
def _suite(text: str, path: str) -> LoadedSuite:
    suite = validate_model(EvalSuite, parse_yaml(text, path=path), path)
    data = suite.model_dump(mode="json", by_alias=True, exclude_none=True)
    return LoadedSuite(path=path, suite=suite, digest=digest_bytes(canonical_bytes(data)))


def load_yaml(tree: Tree, path: str, where: Where | None = None) -> Any:
    data = read_file(tree, path, where=where or (path, ""))
    return parse_yaml(decode_text(data, path=path), path=path)


def _read_text(tree: Tree, base: str, ref: str, where: Where) -> str:
    path = resolve_path(tree, base=base, ref=ref, where=where)
    return decode_text(read_file(tree, path, where=where), path=path)


def _load_skill(
    tree: Tree, base: str, ref: SkillRef, where: Where
) -> tuple[str, tuple[tuple[str, str | bytes], ...]]:
    path_where = (where[0], where[1] + ".path")
    folder = resolve_path(tree, base=base, ref=ref.path, where=path_where)
    if tree.kind(folder) != "dir":
        raise DefinitionError(*path_where, f"{ref.path!r} is not a folder (a skill is a folder)")
    prefix = folder + "/" if folder else ""
    files = {
        path[len(prefix) :]: _skill_file(tree, path, where)
        for path in sorted(walk_files(tree, folder))
    }
    skill_md = files.get("SKILL.md")
    if not isinstance(skill_md, str):
        raise DefinitionError(
            *path_where, f"{ref.path!r} has no SKILL.md (a skill folder starts with one)"
        )
    meta_name = _frontmatter_name(skill_md, f"{folder}/SKILL.md")  # checked even when unused
    name = ref.name or meta_name or posixpath.basename(folder)
    if not isinstance(name, str) or not is_slug(name):
        raise DefinitionError(
            f"{folder}/SKILL.md",
            "name",
            f"{name!r} is not a valid skill name (lowercase letters, digits and dashes)",
        )
    return name, tuple(files.items())


@lru_cache(maxsize=_REMEMBERED)
def _frontmatter_name(skill_md: str, path: str) -> Any:
    meta, _ = split_frontmatter(skill_md, path=path)
    return meta.get("name")


def _skill_file(tree: Tree, path: str, where: Where) -> str | bytes:
    """A skill's file as normalized text, or as bytes when it is binary (holds a NUL byte)."""
    real = path  # a walked path has no linked parent folder: only a link itself resolves
    if tree.kind(path) != "file":
        real = resolve_path(tree, base="", ref=path, where=where)
    data = read_file(tree, real, where=where)
    if b"\0" in data:
        return data
    return normalize_text(decode_text(data, path=path))
