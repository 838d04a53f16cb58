"""`agentcd status`: what runs where, as a matrix of agents by environments."""

from __future__ import annotations

from pathlib import Path

import click

from agentcd.commands._common import edges as command_edges
from agentcd.commands._common import format_option, output_option, write_output
from agentcd.commands._live import assess_environments, environment_names, open_project
from agentcd.core.deploy.status import build_status
from agentcd.exit_codes import ExitCode
from agentcd.render.deploy.status import render_json, render_text


@click.command("status")
@click.option("--env", "environment", default=None, help="Only this environment.")
@format_option("text", "json")
@output_option
@click.pass_context
def command(ctx: click.Context, environment: str | None, fmt: str, output: Path | None) -> int:
    """Show each agent's deployment per environment: digest, commit, age and live state."""
    edges = command_edges(ctx)
    project, ledger = open_project(edges)
    envs = environment_names(project, environment)
    slots, drift = assess_environments(edges, project, ledger, envs, detail=False)
    view = build_status(
        environments=envs,
        slots={k: s for k, s in slots.items() if k[1] in envs},
        live={k: d.state for k, d in drift.items()},
        now=edges.clock(),
    )
    write_output(render_json(view) if fmt == "json" else render_text(view), output)
    return ExitCode.OK
