"""`agentcd audit`: change-management evidence for one environment, from the ledger."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from agentcd.commands._common import edges as command_edges
from agentcd.commands._common import format_option, output_option, write_output
from agentcd.commands._live import environment_names, open_project
from agentcd.core.deploy.ledger import environment_history
from agentcd.exit_codes import ExitCode
from agentcd.render.deploy.audit import render_json, render_markdown


@click.command("audit")
@click.option("--env", "environment", required=True, help="The environment.")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%SZ"]),
    default=None,
    help="Only changes started at or after this UTC date or time.",
)
@format_option("md", "json")
@output_option
@click.pass_context
def command(
    ctx: click.Context, environment: str, since: datetime | None, fmt: str, output: Path | None
) -> int:
    """Export every change to an environment with commit, PR, approvers, eval and digests."""
    project, ledger = open_project(command_edges(ctx))
    environment_names(project, environment)
    start = since.replace(tzinfo=UTC) if since else None
    records = environment_history(ledger.history(environment=environment), ())
    chosen = [r for r in records if start is None or r.started_at >= start]
    renderer = render_json if fmt == "json" else render_markdown
    write_output(renderer(environment, chosen, start), output)
    return ExitCode.OK
