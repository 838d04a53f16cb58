"""`agentcd verify`: check the whole ledger, its hash chain and every stored bundle."""

from __future__ import annotations

from pathlib import Path

import click

from agentcd.commands._common import edges as command_edges
from agentcd.commands._common import format_option, output_option, write_output
from agentcd.commands._live import open_project
from agentcd.exit_codes import ExitCode
from agentcd.render.deploy.verify import render_json, render_text


@click.command("verify")
@format_option("text", "json")
@output_option
@click.pass_context
def command(ctx: click.Context, fmt: str, output: Path | None) -> int:
    """Check the ledger's hash chain and recompute every stored bundle's digest; exit 1 when
    anything does not match what was written."""
    _, ledger = open_project(command_edges(ctx))
    check = ledger.verify()
    write_output(render_json(check) if fmt == "json" else render_text(check), output)
    return ExitCode.OK if check.intact else ExitCode.ERROR
