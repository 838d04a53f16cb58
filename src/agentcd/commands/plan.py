"""`agentcd plan`: what a change does to every agent and environment, for the pull request.

Loads base and head, reads the ledger and the live platforms (as configured at the base:
what is deployed is recorded there), runs the policy checks, takes eval reports, builds the
plan and renders it. `--comment` upserts the sticky comment on the CI host; in GitHub Actions
it also writes the job summary, step outputs and annotations for policy errors.

Exit 0 normally; 2 with `--exit-code` when the gate fails or is inconclusive; 1 on errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import click

from agentcd.adapters.hosts.protocol import UpsertResult
from agentcd.adapters.protocol import CiContext, Edges, Host, Repository
from agentcd.commands import _plan_ci as ci_out
from agentcd.commands._common import edges as command_edges
from agentcd.commands._common import format_option, output_option, write_output
from agentcd.commands._plan_inputs import (
    Revisions,
    choose_revisions,
    read_eval_reports,
    read_ledger_state,
)
from agentcd.core.definition.load import PROJECT_FILE
from agentcd.core.definition.tree import Tree
from agentcd.core.diff.changes import Side
from agentcd.core.policy.locate import locate_findings
from agentcd.core.policy.rules import Finding
from agentcd.core.review.evals import EvalResult
from agentcd.core.review.findings import base_findings, change_findings
from agentcd.core.review.marker import COMMENT_CAP, Marker, with_marker
from agentcd.core.review.plan import GateVerdict, PlanInputs, PlanView, build_plan, changed_agents
from agentcd.core.review.snapshot import Snapshot, load_snapshot
from agentcd.errors import AgentcdError, SourceError
from agentcd.exit_codes import ExitCode
from agentcd.render.github_actions import format_mask
from agentcd.render.review.json import render_json
from agentcd.render.review.markdown import SUMMARY_LIMIT, CommentOptions, render_markdown

_JSON = "`agentcd plan --format json`"
_HISTORY_HINT = (
    "fetch the full history (actions/checkout with `fetch-depth: 0`; GitLab `GIT_DEPTH: 0`)"
)


@dataclass(frozen=True, slots=True)
class Sides:
    base: Snapshot | None
    head: Snapshot
    findings: tuple[Finding, ...]
    base_findings: tuple[Finding, ...]


@click.command("plan")
@click.option("--base", default=None, help="Base revision [default: the change's merge base].")
@click.option(
    "--head", default=None, help="Head revision [default: the change's head, else the work tree]."
)
@click.option(
    "--eval-report",
    "eval_reports",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="An `agentcd eval --format json` report to include (repeatable).",
)
@format_option("md", "json")
@output_option
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the plan as JSON to this file (for artifacts).",
)
@click.option("--comment", is_flag=True, help="Create or update the sticky comment (in CI).")
@click.option("--summary", is_flag=True, help="Append the plan to the GitHub Actions job summary.")
@click.option("--exit-code", is_flag=True, help="Exit 2 when the gate fails or is inconclusive.")
@click.pass_context
def command(
    ctx: click.Context,
    base: str | None,
    head: str | None,
    eval_reports: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    json_path: Path | None,
    comment: bool,
    summary: bool,
    exit_code: bool,
) -> int:
    """Show what merging does to each agent in each environment, and the gate's verdict."""
    edges = command_edges(ctx)
    root, ci = edges.project_dir, edges.detect_ci()
    revisions = choose_revisions(edges.repository, ci, base=base, head=head)
    sides = load_sides(edges.repository, revisions)
    view = make_view(edges, ci, sides, revisions, read_eval_reports(eval_reports))
    target = ci_out.comment_target(edges.connect(ci), ci, view) if comment else None
    marker = target.marker if target else _marker(ci, view)
    body = render_markdown(view, _options(ci, marker))
    text = render_json(view) if fmt == "json" else with_marker(marker, body) if marker else body
    github = ci.host is Host.GITHUB
    if github:
        _print_commands(ci, sides, root)
    write_output(text, output, fence=github)
    if json_path is not None:
        write_output(render_json(view), json_path)
    result = ci_out.post(target, body) if target else None
    _report(result)
    if github:
        _publish_github(ci, view, sides, result, summary=summary or comment)
    elif summary:
        click.echo(
            "note: --summary writes GitHub Actions' job summary; use --output here", err=True
        )
    failed = view.verdict in (GateVerdict.FAIL, GateVerdict.INCONCLUSIVE)
    return ExitCode.NO if exit_code and failed else ExitCode.OK


def _publish_github(
    ci: CiContext, view: PlanView, sides: Sides, result: UpsertResult | None, *, summary: bool
) -> None:
    """Step outputs always; the whole plan in the job summary when asked (or commenting)."""
    full = None
    if summary:
        full = render_markdown(view, CommentOptions(limit=SUMMARY_LIMIT, full_report=_JSON))
    outputs = ci_out.github_outputs(view, sides.head.workspace, result)
    ci_out.write_github_files(ci, outputs, full)


def load_sides(repository: Repository, revisions: Revisions) -> Sides:
    with ExitStack() as stack:
        base_tree = stack.enter_context(_tree(repository, revisions.base, "base"))
        head_tree = stack.enter_context(_tree(repository, revisions.head, "head"))
        base = _load(base_tree, optional=True)
        head = _load(head_tree, optional=False)
        assert head is not None
        changed = changed_agents(base, head)
        found = change_findings(head.workspace, base.workspace if base else None, changed)
        findings = locate_findings(head_tree, found)
        # The base is checked only to tell new findings from old ones.
        old = base_findings(base.workspace, changed, findings) if base and findings else ()
    return Sides(base, head, findings, old)


@contextmanager
def _tree(repository: Repository, rev: str | None, side: str) -> Iterator[Tree]:
    with ExitStack() as stack:
        try:
            tree = stack.enter_context(repository.tree(rev))
        except SourceError as e:
            if rev is None:
                raise
            raise SourceError(f"planning: reading the {side} {rev}: {e}; {_HISTORY_HINT}") from e
        yield tree


def _load(tree: Tree, *, optional: bool) -> Snapshot | None:
    """A side's agents; a base without a project file has none (the change adds it)."""
    if optional and tree.kind(PROJECT_FILE) is None:
        return None
    try:
        return load_snapshot(tree)
    except AgentcdError as e:
        raise SourceError(f"planning: loading the {tree.label}: {e}") from e


def make_view(
    edges: Edges,
    ci: CiContext,
    sides: Sides,
    revisions: Revisions,
    evals: tuple[EvalResult, ...],
) -> PlanView:
    # The ledger and targets as configured at the base: a change cannot point the plan at
    # another ledger to make it look in sync.
    config = (sides.base or sides.head).workspace.project
    head_project = sides.head.workspace.project
    ledger = read_ledger_state(
        edges,
        config,
        changed_agents(sides.base, sides.head),
        [e.name for e in head_project.environments],
    )
    return build_plan(
        PlanInputs(
            base=sides.base,
            head=sides.head,
            base_side=Side(revisions.base_label, _commit(sides.base) or revisions.base),
            head_side=Side(sides.head.workspace.label, sides.head.workspace.commit),
            ledger=ledger,
            evals=evals,
            findings=sides.findings,
            base_findings=sides.base_findings,
            change=ci.change_number,
            report_url=ci.run_url,
        )
    )


def _commit(snapshot: Snapshot | None) -> str | None:
    return snapshot.workspace.commit if snapshot else None


def _marker(ci: CiContext, view: PlanView) -> Marker | None:
    if ci.change_number is None or view.head.commit is None:
        return None
    return Marker(ci_out.KIND, ci.change_number, head=view.head.commit, run=ci.run_order or 0)


def _options(ci: CiContext, marker: Marker | None) -> CommentOptions:
    used = len(marker.render()) + 1 if marker else 0
    where = "the job summary" if ci.host is Host.GITHUB else "the job artifacts"
    return CommentOptions(
        limit=COMMENT_CAP - used, sigil=ci_out.SIGILS.get(ci.host, "#"), full_report=where
    )


def _print_commands(ci: CiContext, sides: Sides, root: Path) -> None:
    """Mask the token, then annotate policy errors (workflow commands go to stdout)."""
    if ci.token:
        click.echo(format_mask(ci.token))
    for line in ci_out.policy_annotations(sides.findings, root):
        click.echo(line)


def _report(result: UpsertResult | None) -> None:
    if result is None:
        return
    where = f": {result.url}" if result.url else ""
    click.echo(f"plan comment {result.outcome.value}{where}", err=True)
