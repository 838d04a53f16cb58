"""The composition root: the click group, lazy command loading, the edges every command
receives (built by `agentcd.wiring`), and the one error handler.

Exit codes: 0 success; 1 an error the user can fix; 2 a decision said no; 3 a bug; 130
interrupted. Commands are imported only when run, so `agentcd --version` stays fast.
"""

from __future__ import annotations

import gc
import importlib
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from agentcd import __version__
from agentcd.code_digest import code_digest as _code_digest
from agentcd.exit_codes import ExitCode

_GC_YOUNG_THRESHOLD = 500_000  # allocations between young collections (CPython's default: 700)

# name -> (module, one-line help); the module exposes `command`, a click.Command.
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("agentcd.commands.validate", "Check definitions and policies."),
    "build": ("agentcd.commands.build", "Build each agent's bundle and print its digest."),
    "diff": ("agentcd.commands.diff", "Semantic diff between revisions, bundles or environments."),
    "plan": ("agentcd.commands.plan", "What a change does to each agent and environment."),
    "eval": ("agentcd.commands.eval", "Run eval suites, paired with the base, and gate."),
    "schema": ("agentcd.commands.schema", "Write the JSON Schemas of the definition files."),
    "brief": ("agentcd.commands.brief", "The approval brief for promoting into an environment."),
    "promote": ("agentcd.commands.promote", "Promote an exact digest into an environment."),
    "rollback": ("agentcd.commands.rollback", "Restore an earlier deployment from the ledger."),
    "status": ("agentcd.commands.status", "What runs where: agents by environments."),
    "history": ("agentcd.commands.history", "An environment's deployments, in order."),
    "audit": ("agentcd.commands.audit", "Change-management evidence for an environment."),
    "drift": ("agentcd.commands.drift", "Compare what runs with what was approved."),
    "verify": ("agentcd.commands.verify", "Check the ledger's hash chain and stored bundles."),
}


class LazyGroup(click.Group):
    """Imports a command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(COMMANDS[cmd_name][0])
        command: click.Command = module.command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_text) for name, (_, help_text) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _print_version(ctx: click.Context) -> None:
    # The source digest tells two builds of one version apart (CI reuses a matching agentcd).
    click.echo(f"agentcd, version {__version__} (source {_code_digest()[7:19]})")
    ctx.exit()


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=lambda ctx, _param, value: _print_version(ctx) if value else None,
    help="Show the version and the source it was built from, and exit.",
)
@click.option(
    "-C",
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The project folder (the one holding agentcd.yaml).",
)
@click.pass_context
def group(ctx: click.Context, project_dir: Path) -> None:
    """agentcd: continuous delivery for AI agents, promoted by digest."""
    ctx.obj = _EdgesOf(project_dir)  # what every command talks to, picked here and only here


class _EdgesOf:
    """Builds the edges on a command's first use: `--help` loads no adapter."""

    def __init__(self, project_dir: Path) -> None:
        self.project_dir = project_dir

    def __call__(self) -> Any:
        from agentcd.wiring import edges

        return edges(self.project_dir)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and map every outcome to an exit code; never lets a traceback through.

    Without `argv` this is the process's entry point (the `agentcd` script, `python -m agentcd`).
    """
    from agentcd.errors import AgentcdError
    from agentcd.render.inert import log

    # Loading a project allocates objects that live until the end: collect young ones rarely
    # (at the default, collections that free nothing take a tenth of a 500-agent diff).
    gc.set_threshold(_GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    try:
        result = group.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.ClickException as e:
        e.show()
        return ExitCode.ERROR
    except click.exceptions.Abort:
        return ExitCode.INTERRUPTED
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except AgentcdError as e:
        click.echo(log(f"error: {e}"), err=True)  # a message may quote a fork's YAML keys
        return ExitCode(e.exit_code)
    except Exception:  # the one place a bug becomes exit 3 with a log, not a traceback
        return _report_bug()
    finally:
        if argv is None:
            gc.freeze()  # the process exits next: its final collection need not walk the heap
    return result if isinstance(result, int) else ExitCode.OK


def _report_bug() -> int:
    text = f"agentcd {__version__} on Python {sys.version.split()[0]}\n{traceback.format_exc()}"
    with tempfile.NamedTemporaryFile(
        "w", prefix="agentcd-crash-", suffix=".log", delete=False, encoding="utf-8"
    ) as log:
        log.write(text)
    click.echo(f"error: unexpected error (this is a bug); details in {log.name}", err=True)
    return ExitCode.BUG
