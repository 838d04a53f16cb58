"""Loading a snapshot for the plan: agents that do not load are reported, not fatal. No I/O.

A pull request that breaks one agent's definition still deserves a plan for the others, with
the broken one named and its error shown. A broken project file stays an error.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from agentcd.core.definition.load import (
    PROJECT_FILE,
    LoadedAgent,
    Workspace,
    load_agent,
    load_project,
    load_workspace,
)
from agentcd.core.definition.model import Project
from agentcd.core.definition.tree import Tree, glob_files, resolve_path
from agentcd.errors import DefinitionError


@dataclass(frozen=True, slots=True)
class InvalidAgent:
    """An agent definition that did not load: its folder's name, its file and why."""

    name: str
    path: str
    error: str


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One side of the plan: the agents that loaded, and the ones that did not."""

    workspace: Workspace
    invalid: tuple[InvalidAgent, ...] = ()


def load_snapshot(tree: Tree) -> Snapshot:
    """The project with every agent that loads; the others as `InvalidAgent`s."""
    try:
        return Snapshot(load_workspace(tree))
    except DefinitionError as e:
        if e.path == PROJECT_FILE:
            raise  # a broken project file (or agents glob) is the caller's error
    project = load_project(tree)
    loaded: list[LoadedAgent] = []
    invalid: list[InvalidAgent] = []
    for path in agent_paths(tree, project):
        try:
            loaded.append(load_agent(tree, path))
        except DefinitionError as e:
            invalid.append(InvalidAgent(_folder_name(path), path, str(e)))
    agents, refused = _check_names(loaded, {i.name for i in invalid})
    workspace = Workspace(project=project, agents=agents, label=tree.label, commit=tree.commit)
    return Snapshot(workspace, tuple(sorted([*invalid, *refused], key=lambda i: i.path)))


def agent_paths(tree: Tree, project: Project) -> list[str]:
    """The definition files the project's `agents` globs name, in glob order, each once."""
    paths: list[str] = []
    for i, pattern in enumerate(project.agents):
        where = (PROJECT_FILE, f"agents[{i}]")
        for match in glob_files(tree, pattern):
            path = resolve_path(tree, base="", ref=match, where=where)
            if tree.kind(path) != "dir" and path not in paths:
                paths.append(path)
    return paths


def _check_names(
    agents: list[LoadedAgent], broken: set[str]
) -> tuple[tuple[LoadedAgent, ...], list[InvalidAgent]]:
    """Agents with a unique name whose subagents exist (or are themselves broken)."""
    kept: dict[str, LoadedAgent] = {}
    refused: list[InvalidAgent] = []
    for agent in agents:
        if agent.name in kept:
            message = f"{agent.path}: metadata.name: {agent.name!r} is also the name of "
            refused.append(InvalidAgent(agent.name, agent.path, message + kept[agent.name].path))
            continue
        kept[agent.name] = agent
    known = set(kept) | broken
    for agent in list(kept.values()):
        missing = [s.ref for s in agent.definition.subagents if s.ref not in known]
        if missing:
            del kept[agent.name]
            message = f"{agent.path}: subagents: no agent {', '.join(map(repr, missing))}"
            refused.append(InvalidAgent(agent.name, agent.path, message))
    return tuple(sorted(kept.values(), key=lambda a: a.name)), refused


def _folder_name(path: str) -> str:
    """`agents/support-triage/agent.yaml` -> `support-triage`: how people name the agent."""
    return posixpath.basename(posixpath.dirname(path)) or path
