"""`agentcd diff`: the semantic diff of agents between two revisions or two bundle files.

Each source of two agent sets (revisions, bundles; deployed environments later) only produces
a `Pair`; comparing, filtering and rendering are the same for all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import click

from agentcd.adapters.revisions import default_branch, merge_base
from agentcd.adapters.source import GitTree, WorkTree, head_commit
from agentcd.commands._common import format_option, output_option, project_dir, write_output
from agentcd.core.bundle import read_bundle
from agentcd.core.diff import DiffReport, Side, Snapshot, compare_workspaces
from agentcd.core.load import PROJECT_FILE, load_workspace
from agentcd.core.tree import Tree
from agentcd.errors import AgentcdError, ConfigError, SourceError
from agentcd.render.diff_json import render_json
from agentcd.render.diff_md import render_markdown
from agentcd.render.diff_text import render_text

EXIT_DIFFERS = 2
RENDERERS: dict[str, Callable[[DiffReport], str]] = {
    "text": render_text,
    "json": render_json,
    "md": render_markdown,
}


@dataclass(frozen=True, slots=True)
class Loaded:
    """One side: how to name it, and its agents."""

    side: Side
    agents: tuple[Snapshot, ...]


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
@click.option("--agent", "agents", multiple=True, help="Only this agent (repeatable).")
@format_option("text", "json", "md")
@output_option
@click.option("--exit-code", is_flag=True, help="Exit 2 when anything differs, 0 otherwise.")
@click.pass_context
def command(
    ctx: click.Context,
    base: str | None,
    head: str | None,
    bundles: tuple[Path, ...],
    agents: tuple[str, ...],
    fmt: str,
    output: Path | None,
    exit_code: bool,
) -> int:
    """Show what changed in each agent, rated by risk, between two revisions or bundles."""
    if bundles:
        pair = _from_bundles(bundles, revisions=(base, head))
    else:
        pair = _from_revisions(project_dir(ctx), base=base, head=head)
    report = _compare(_only(pair, agents))
    write_output(RENDERERS[fmt](report), output)
    return EXIT_DIFFERS if exit_code and report.differs else 0


def _compare(pair: Pair) -> DiffReport:
    agents = compare_workspaces(pair.base.agents, pair.head.agents)
    return DiffReport(base=pair.base.side, head=pair.head.side, agents=agents)


def _only(pair: Pair, names: Sequence[str]) -> Pair:
    if not names:
        return pair
    known = {a.name for side in (pair.base, pair.head) for a in side.agents}
    unknown = sorted(set(names) - known)
    if unknown:
        listed = ", ".join(sorted(known)) or "none"
        raise ConfigError(f"diffing: no agent named {', '.join(unknown)} (known: {listed})")
    keep = set(names)
    return Pair(
        base=replace(pair.base, agents=tuple(a for a in pair.base.agents if a.name in keep)),
        head=replace(pair.head, agents=tuple(a for a in pair.head.agents if a.name in keep)),
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


def _from_revisions(folder: Path, *, base: str | None, head: str | None) -> Pair:
    base_label = None
    if base is None:
        if head_commit(folder) is None:
            raise ConfigError(
                f"diffing: {folder} has no git history to take a base from; pass --base REV"
            )
        branch = default_branch(folder)
        base = merge_base(folder, branch, head or "HEAD")
        base_label = f"merge base with {branch}"
    return Pair(
        base=_load_revision(folder, base, label=base_label, optional=True),
        head=_load_working_tree(folder) if head is None else _load_revision(folder, head),
    )


def _load_working_tree(folder: Path) -> Loaded:
    return _load(WorkTree(folder, commit=head_commit(folder)), label=None, optional=False)


def _load_revision(
    folder: Path, rev: str, *, label: str | None = None, optional: bool = False
) -> Loaded:
    try:
        tree = GitTree(folder, rev)
    except SourceError as e:
        raise SourceError(f"diffing: {e}") from e
    with tree:
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
