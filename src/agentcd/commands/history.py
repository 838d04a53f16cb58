"""`agentcd history`: an environment's deployments in the order they started."""

from __future__ import annotations

from pathlib import Path

import click

from agentcd.commands._common import edges as command_edges
from agentcd.commands._common import format_option, output_option, write_output
from agentcd.commands._live import environment_names, open_project
from agentcd.core.deploy.ledger import environment_history
from agentcd.exit_codes import ExitCode
from agentcd.render.deploy.history import render_json, render_text


@click.command("history")
@click.option("--env", "environment", required=True, help="The environment.")
@click.option("--agent", "agents", multiple=True, help="Only this agent (repeatable).")
@format_option("text", "json")
@output_option
@click.pass_context
def command(
    ctx: click.Context, environment: str, agents: tuple[str, ...], fmt: str, output: Path | None
) -> int:
    """List every deployment to an environment: seq, time, status, digest, commit, actor."""
    project, ledger = open_project(command_edges(ctx))
    environment_names(project, environment)
    records = environment_history(ledger.history(environment=environment), agents)
    renderer = render_json if fmt == "json" else render_text
    write_output(renderer(environment, records), output)
    return ExitCode.OK
