"""What several commands share: opening a snapshot, writing output, common click options."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from agentcd.adapters.source import GitTree, WorkTree, head_commit
from agentcd.core.definition.load import Workspace, load_workspace
from agentcd.core.definition.tree import Tree

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def open_tree(project_dir: Path, rev: str | None) -> Iterator[Tree]:
    """The snapshot at `rev` (git plumbing, no checkout) or the working tree when None."""
    if rev is None:
        yield WorkTree(project_dir, commit=head_commit(project_dir))
        return
    with GitTree(project_dir, rev) as tree:
        yield tree


@contextmanager
def open_workspace(project_dir: Path, rev: str | None) -> Iterator[Workspace]:
    """The project at `rev`, or in the working tree when None, fully loaded."""
    with open_tree(project_dir, rev) as tree:
        yield load_workspace(tree)


def write_output(text: str, output: Path | None) -> None:
    """Write to `--output PATH` when given, else stdout."""
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")


def format_option(*choices: str) -> Callable[[F], F]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help="Output format.",
    )


def output_option(f: F) -> F:
    return click.option(
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Write to this file instead of stdout.",
    )(f)


def project_dir(ctx: click.Context) -> Path:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Path) else Path(".")
