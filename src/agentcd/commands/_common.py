"""What several commands share: opening a snapshot, writing output, common click options."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from agentcd.adapters.protocol import Edges, Repository
from agentcd.core.definition.load import Workspace, load_workspace

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def open_workspace(repository: Repository, rev: str | None) -> Iterator[Workspace]:
    """The project at `rev`, or in the working tree when None, fully loaded."""
    with repository.tree(rev) as tree:
        yield load_workspace(tree)


def write_output(text: str, output: Path | None, *, fence: bool = False) -> None:
    """Write to `--output PATH` when given, else stdout, where it may be a CI log: inert there
    (`render.inert.log`), and with `fence` also inside `::stop-commands::` (GitHub Actions)."""
    if output is None:
        from agentcd.render.github_actions import fence_commands  # `build` loads no renderer
        from agentcd.render.inert import log

        shown = fence_commands(log(text)) if fence else log(text)
        click.echo(shown, nl=not shown.endswith("\n"))
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


def edges(ctx: click.Context) -> Edges:
    """The edges the composition root (`agentcd.cli`) chose for this run, built once."""
    root = ctx.find_root()
    found = root.meta.get(_EDGES)
    if found is None:
        found = root.meta[_EDGES] = root.obj()
        root.call_on_close(found.close)
    if not isinstance(found, Edges):
        raise TypeError("agentcd commands run under the agentcd group, which sets their edges")
    return found


_EDGES = "agentcd.edges"


def project_dir(ctx: click.Context) -> Path:
    return edges(ctx).project_dir
