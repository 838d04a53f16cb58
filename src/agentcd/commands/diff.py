"""`agentcd diff`: the semantic diff of agents between two revisions, bundles or environments.

Each source of two agent sets (revisions, bundles, deployed environments) only produces a
`Pair`; comparing, filtering and rendering are the same for all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import click

from agentcd.adapters.ledger.protocol import Ledger
from agentcd.adapters.protocol import Edges, Repository
from agentcd.commands._common import edges as command_edges
from agentcd.commands._common import format_option, output_option, write_output
from agentcd.commands._live import (
    SlotKey,
    assess_environments,
    deployed_releases,
    environment_names,
    open_project,
)
from agentcd.core.definition.bundle import read_bundle
from agentcd.core.definition.load import PROJECT_FILE, load_workspace
from agentcd.core.definition.model import Project
from agentcd.core.definition.tree import Tree
from agentcd.core.deploy.drift import AgentDrift
from agentcd.core.deploy.ledger import Slot
from agentcd.core.diff.changes import Comparable, DiffReport, Side, compare_workspaces
from agentcd.core.diff.environments import (
    EnvironmentComparison,
    EnvironmentSide,
    compare_environments,
    live_notes,
)
from agentcd.errors import AgentcdError, ConfigError, SourceError
from agentcd.exit_codes import ExitCode
from agentcd.render.diff.json import render_json
from agentcd.render.diff.markdown import render_markdown
from agentcd.render.diff.text import render_text

RENDERERS: dict[str, Callable[[DiffReport], str]] = {
    "text": render_text,
    "json": render_json,
    "md": render_markdown,
}


@dataclass(frozen=True, slots=True)
class Loaded:
    """One side: how to name it, and its agents; for an environment, also each agent's binding
    values and what runs there."""

    side: Side
    agents: tuple[Comparable, ...]
    bindings: Mapping[str, Mapping[str, Any]] | None = None
    environment: EnvironmentSide | None = None


@dataclass(frozen=True, slots=True)
class Deployed:
    """An agent as an environment's ledger records it, in the terms comparison needs."""

    name: str
    digest: str
    artifact: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Pair:
    base: Loaded
    head: Loaded


@click.command("diff")
@click.option("--base", default=None, help="Base revision [default: merge base with main].")
@click.option("--head", default=None, help="Head revision [default: the working tree].")
@click.option(
    "--bundle",
    "bundles",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Compare two bundle files instead: give it twice, base then head.",
)
@click.option(
    "--env",
    "environments",
    multiple=True,
    help="Compare what two environments run instead: give it twice, base then head.",
)
@click.option("--agent", "agents", multiple=True, help="Only this agent (repeatable).")
@format_option("text", "json", "md")
@output_option
@click.option(
    "--exit-code",
    is_flag=True,
    help="Exit 2 when an agent differs (with --env: or may not run its record), 0 otherwise.",
)
@click.pass_context
def command(
    ctx: click.Context,
    base: str | None,
    head: str | None,
    bundles: tuple[Path, ...],
    environments: tuple[str, ...],
    agents: tuple[str, ...],
    fmt: str,
    output: Path | None,
    exit_code: bool,
) -> int:
    """Show what changed in each agent, rated by risk, between two revisions, bundles or
    environments (with their bindings and live state, apart)."""
    if environments:
        given = bool(bundles) or base is not None or head is not None
        pair = _from_environments(command_edges(ctx), environments, mixed=given)
    elif bundles:
        pair = _from_bundles(bundles, revisions=(base, head))
    else:
        pair = _from_revisions(command_edges(ctx).repository, base=base, head=head)
    report = _compare(_only(pair, agents))
    write_output(RENDERERS[fmt](report), output)
    return ExitCode.NO if exit_code and _differs(report) else ExitCode.OK


def _differs(report: DiffReport) -> bool:
    """Artifacts differ, or a side may not run what it recorded (bindings are expected to)."""
    live = report.environments
    return report.differs or (live is not None and not live.live_in_sync)


def _compare(pair: Pair) -> DiffReport:
    agents = compare_workspaces(pair.base.agents, pair.head.agents)
    return DiffReport(
        base=pair.base.side, head=pair.head.side, agents=agents, environments=_environments(pair)
    )


def _environments(pair: Pair) -> EnvironmentComparison | None:
    base, head = pair.base, pair.head
    if base.environment is None or head.environment is None:
        return None
    return compare_environments(
        base.environment,
        head.environment,
        base_bindings=base.bindings or {},
        head_bindings=head.bindings or {},
    )


def _only(pair: Pair, names: Sequence[str]) -> Pair:
    if not names:
        return pair
    known = {a.name for side in (pair.base, pair.head) for a in side.agents}
    known |= {n.agent for s in (pair.base, pair.head) if s.environment for n in s.environment.live}
    unknown = sorted(set(names) - known)
    if unknown:
        listed = ", ".join(sorted(known)) or "none"
        raise ConfigError(f"diffing: no agent named {', '.join(unknown)} (known: {listed})")
    keep = set(names)
    return Pair(base=_keep(pair.base, keep), head=_keep(pair.head, keep))


def _keep(side: Loaded, names: set[str]) -> Loaded:
    env, values = side.environment, side.bindings
    return replace(
        side,
        agents=tuple(a for a in side.agents if a.name in names),
        bindings=values and {a: v for a, v in values.items() if a in names},
        environment=env and replace(env, live=tuple(n for n in env.live if n.agent in names)),
    )


def _from_bundles(paths: Sequence[Path], *, revisions: tuple[str | None, str | None]) -> Pair:
    if any(rev is not None for rev in revisions):
        raise ConfigError("diffing: give either --bundle twice or --base/--head, not both")
    if len(paths) != 2:
        raise ConfigError(
            f"diffing: --bundle takes exactly two files (base, head), got {len(paths)}"
        )
    base, head = (_bundle(path) for path in paths)
    return Pair(base=base, head=head)


def _bundle(path: Path) -> Loaded:
    bundle = read_bundle(path.read_text(encoding="utf-8"), path=str(path))
    return Loaded(side=Side(label=f"bundle {path}", commit=bundle.commit), agents=(bundle,))


def _from_revisions(repository: Repository, *, base: str | None, head: str | None) -> Pair:
    base_label = None
    if base is None:
        if repository.head_commit() is None:
            raise ConfigError(
                f"diffing: {repository.root} has no git history to take a base from; "
                "pass --base REV"
            )
        branch = repository.default_branch()
        base = repository.merge_base(branch, head or "HEAD")
        base_label = f"merge base with {branch}"
    return Pair(
        base=_load_revision(repository, base, label=base_label, optional=True),
        head=_load_revision(repository, head),
    )


def _load_revision(
    repository: Repository, rev: str | None, *, label: str | None = None, optional: bool = False
) -> Loaded:
    """The agents at `rev`, or in the working tree when None."""
    with ExitStack() as stack:
        try:
            tree = stack.enter_context(repository.tree(rev))
        except SourceError as e:
            raise SourceError(f"diffing: {e}") from e
        return _load(tree, label=label, optional=optional)


def _load(tree: Tree, *, label: str | None, optional: bool) -> Loaded:
    """The agents in a snapshot; a base without a project file has none (the PR adds it)."""
    side = Side(label=label or tree.label, commit=tree.commit)
    if optional and tree.kind(PROJECT_FILE) is None:
        return Loaded(side=side, agents=())
    try:
        workspace = load_workspace(tree)
    except AgentcdError as e:
        raise SourceError(f"diffing: loading the {tree.label}: {e}") from e
    return Loaded(side=side, agents=workspace.agents)


def _from_environments(edges: Edges, names: Sequence[str], *, mixed: bool) -> Pair:
    if mixed:
        raise ConfigError("diffing: give either --env twice or --base/--head/--bundle, not both")
    if len(names) != 2:
        hint = f" (for example --env {names[0]} --env OTHER)" if len(names) == 1 else ""
        raise ConfigError(
            f"diffing: --env takes exactly two environments (base, head), got {len(names)}{hint}"
        )
    if names[0] == names[1]:
        raise ConfigError(
            f"diffing: --env {names[0]} is given twice; to compare what runs in {names[0]} "
            f"with its record, run `agentcd drift --env {names[0]}`"
        )
    project, ledger = open_project(edges)
    try:
        for name in names:
            environment_names(project, name)
    except ConfigError as e:
        raise ConfigError(f"diffing: {e}") from e
    slots, found = assess_environments(edges, project, ledger, names, detail=False)
    base, head = (_environment(project, ledger, env, slots, found) for env in names)
    return Pair(base=base, head=head)


def _environment(
    project: Project,
    ledger: Ledger,
    env: str,
    slots: Mapping[SlotKey, Slot],
    found: Mapping[SlotKey, AgentDrift],
) -> Loaded:
    """What `env`'s ledger says runs there (artifacts and bindings), and what really does."""
    releases = deployed_releases(project, ledger, env)
    lost = sorted(a for (a, e), s in slots.items() if e == env and s.current and a not in releases)
    if lost:
        raise SourceError(
            f"diffing: environment {env}: the ledger has no stored bundle for {', '.join(lost)}"
        )
    commits = {r.commit for r in releases.values()}
    side = Side(f"environment {env}", commits.pop() if len(commits) == 1 else None)
    return Loaded(
        side=side,
        agents=tuple(Deployed(r.agent, r.artifact_digest, r.artifact) for r in releases.values()),
        bindings={agent: r.bindings for agent, r in releases.items()},
        environment=EnvironmentSide(env, live_notes(d for (_, e), d in found.items() if e == env)),
    )
