"""`agentcd brief`: the approval brief for promoting bundles into an environment.

Read-only: it reads the bundles, the ledger and the environment's live state, and writes
Markdown (for the run summary a protected environment's approvers read) or JSON.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import click

from agentcd.adapters.ledger.protocol import Ledger
from agentcd.adapters.protocol import Edges, Repository
from agentcd.commands._common import edges as command_edges
from agentcd.commands._common import format_option, output_option, write_output
from agentcd.commands._live import assess_agent, open_project
from agentcd.commands._services import find_environment
from agentcd.core.definition.bundle import Bundle, read_bundle
from agentcd.core.definition.model import Project
from agentcd.core.deploy.brief import LedgerView, make_brief
from agentcd.core.deploy.ledger import Slot, fold
from agentcd.core.deploy.promotion import pull_request_number
from agentcd.errors import ConfigError
from agentcd.exit_codes import ExitCode
from agentcd.render.deploy.brief import render_json, render_markdown


@click.command("brief")
@click.option("--env", "environment", required=True, help="The environment to be approved.")
@click.option(
    "--bundle",
    "bundles",
    multiple=True,
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="A bundle file, or a folder of *.bundle.json (repeatable).",
)
@click.option("--agent", "agents", multiple=True, help="Only this agent (repeatable).")
@format_option("md", "json")
@output_option
@click.pass_context
def command(
    ctx: click.Context,
    environment: str,
    bundles: tuple[Path, ...],
    agents: tuple[str, ...],
    fmt: str,
    output: Path | None,
) -> int:
    """What an environment runs now, what would replace it, and the diff, for approvers."""
    edges = command_edges(ctx)
    project, ledger = open_project(edges)
    env, previous = find_environment(project, environment)
    candidates = _chosen(read_bundles(bundles), agents)
    view = ledger_view(edges, project, ledger, environment, candidates)
    brief = make_brief(env, previous, candidates, view, now=edges.clock())
    write_output(render_json(brief) if fmt == "json" else render_markdown(brief), output)
    return ExitCode.OK


def read_bundles(paths: Iterable[Path]) -> list[Bundle]:
    """Every bundle named, each verified (a tampered bundle is an error, exit 1)."""
    files = [f for p in paths for f in (sorted(p.glob("*.bundle.json")) if p.is_dir() else [p])]
    if not files:
        raise ConfigError(f"briefing: no *.bundle.json in {', '.join(map(str, paths))}")
    return [read_bundle(f.read_text(encoding="utf-8"), path=str(f)) for f in files]


def _chosen(bundles: list[Bundle], agents: tuple[str, ...]) -> list[Bundle]:
    unknown = sorted(set(agents) - {b.name for b in bundles})
    if unknown:
        raise ConfigError(f"briefing: no bundle for {', '.join(unknown)}")
    return [b for b in bundles if not agents or b.name in agents]


def ledger_view(
    edges: Edges, project: Project, ledger: Ledger, environment: str, candidates: list[Bundle]
) -> LedgerView:
    """What runs in `environment` (records, stored bundles, live state) and recorded verdicts."""
    slots = fold(ledger.history())
    platform = edges.open_platform(project, environment)
    stored: dict[str, Bundle] = {}
    live = {}
    for bundle in candidates:
        slot: Slot | None = slots.get((bundle.name, environment))
        if slot is not None and slot.current is not None:
            kept = ledger.get_bundle(slot.current.artifact_digest)
            if kept is not None:
                stored[kept.digest] = kept
        live[bundle.name] = assess_agent(
            project, ledger, platform, bundle.name, environment, slot, detail=True
        )
    return LedgerView(
        slots=slots,
        stored=stored,
        evals=ledger.evals(),
        live=live,
        pull_requests=_pull_requests(edges.repository, {b.commit for b in candidates if b.commit}),
    )


def _pull_requests(repository: Repository, commits: Iterable[str]) -> dict[str, int]:
    found = {c: pull_request_number(repository.commit_message(c)) for c in sorted(commits)}
    return {c: n for c, n in found.items() if n is not None}
