"""`agentcd drift`: compare what each environment runs with what the ledger says was approved."""

from __future__ import annotations

from pathlib import Path

import click

from agentcd.commands._common import edges as command_edges
from agentcd.commands._common import format_option, output_option, write_output
from agentcd.commands._live import assess_environments, environment_names, open_project
from agentcd.core.deploy.drift import AgentDrift, DriftState
from agentcd.exit_codes import ExitCode
from agentcd.render.deploy.drift import render_json, render_markdown, render_text

NOT_PROVEN_IN_SYNC = (DriftState.DRIFTED, DriftState.UNKNOWN)


@click.command("drift")
@click.option("--env", "environment", default=None, help="Only this environment.")
@click.option(
    "--exit-code",
    is_flag=True,
    help="Exit 2 when any agent is drifted or unknown (not proven in sync).",
)
@format_option("text", "json", "md")
@output_option
@click.pass_context
def command(
    ctx: click.Context, environment: str | None, exit_code: bool, fmt: str, output: Path | None
) -> int:
    """Report provenance and content drift per environment: in sync, drifted or unknown."""
    edges = command_edges(ctx)
    project, ledger = open_project(edges)
    envs = environment_names(project, environment)
    _, found = assess_environments(edges, project, ledger, envs, detail=True)
    report = [found[k] for k in sorted(found, key=lambda k: (envs.index(k[1]), k[0]))]
    renderers = {"json": render_json, "md": render_markdown, "text": render_text}
    write_output(renderers[fmt](report), output)
    return ExitCode.NO if exit_code and _not_in_sync(report) else ExitCode.OK


def _not_in_sync(report: list[AgentDrift]) -> bool:
    return any(d.state in NOT_PROVEN_IN_SYNC for d in report)
