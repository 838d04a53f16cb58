"""`agentcd eval`: run the agents' eval suites on a target, head paired with base, and gate.

With a `platform` target it evaluates what an environment runs (the digest the ledger records
there); with `--record` it keeps each agent's verdict in the ledger for `promote`'s gate.
Exit 0 when the gate passes, 2 when it fails or is inconclusive, 1 on errors.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from agentcd.adapters.protocol import Edges, Host
from agentcd.commands._common import edges as command_edges
from agentcd.commands._common import format_option, open_workspace, output_option, write_output
from agentcd.commands._eval_jobs import build_jobs, needs_judge, score_jobs
from agentcd.core.definition.load import Workspace
from agentcd.core.evals.judge import judge_prompt_digest
from agentcd.core.evals.plan import EvalPlan, plan_eval
from agentcd.core.evals.report import EvalReport, RunStats, agent_report, overall
from agentcd.core.evals.settings import InlineTarget, PlatformTarget
from agentcd.core.evals.trials import RunnerOptions
from agentcd.core.evals.verdict import Verdict
from agentcd.exit_codes import ExitCode
from agentcd.render.evals.json import render_json

if TYPE_CHECKING:
    from agentcd.adapters.invokers.base import Invoker
    from agentcd.core.definition.model import Project
    from agentcd.core.deploy.ledger import EvalRecord


@click.command("eval")
@click.option("--agent", "agents", multiple=True, help="Only this agent (repeatable).")
@click.option("--env", "environment", default=None, help="Whose gate thresholds to apply.")
@click.option("--base", "base_rev", default=None, help="Pair with this git revision's agents.")
@click.option(
    "--target",
    default=None,
    help="An eval target from agentcd.yaml evals.targets, platform[:ENV] (what ENV runs) or "
    "inline[:ENV] (the definitions, run by ENV's platform without deploying them).",
)
@click.option("--concurrency", type=click.IntRange(1, 256), default=8, show_default=True)
@click.option("--timeout", type=click.FloatRange(min=0.001), default=None, help="Seconds per call.")
@click.option("--no-cache", is_flag=True, help="Run every trial, ignoring cached results.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--junit", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--markdown", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--record", is_flag=True, help="Record each agent's verdict in the ledger.")
@format_option("text", "json", "md")
@output_option
@click.pass_context
def command(
    ctx: click.Context,
    agents: tuple[str, ...],
    environment: str | None,
    base_rev: str | None,
    target: str | None,
    concurrency: int,
    timeout: float | None,
    no_cache: bool,
    cache_dir: Path | None,
    junit: Path | None,
    markdown: Path | None,
    record: bool,
    fmt: str,
    output: Path | None,
) -> int:
    """Run the eval suites, pair head with base, and decide pass, fail or inconclusive."""
    edges = _resolved(command_edges(ctx))
    ctx.call_on_close(edges.close)
    root = edges.project_dir
    with ExitStack() as stack:
        head = stack.enter_context(open_workspace(edges.repository, None))
        base = stack.enter_context(open_workspace(edges.repository, base_rev)) if base_rev else None
        plan = plan_eval(head, base, agents=agents, environment=environment, target=target)
        options = RunnerOptions(
            concurrency=concurrency,
            timeout_s=timeout or plan.settings.timeout_s,
            retries=plan.settings.retries,
            budget=plan.settings.budget,
        )
        cache_folder = None if no_cache else (cache_dir or root / plan.settings.cache)
        report = evaluate(edges, plan, head, options=options, cache_dir=cache_folder)
        report = replace(
            report,
            head_commit=head.commit,
            base_rev=base_rev,
            base_commit=base.commit if base else None,
        )
    report_json = render_json(report)
    write_output(report_json if fmt == "json" else _render(fmt, report), output)
    if junit is not None:
        write_output(_render("junit", report), junit)
    if markdown is not None:
        write_output(_render("md", report), markdown)
    if record:
        _announce(record_verdicts(edges, head.project, report_json))
    return ExitCode.OK if report.verdict is Verdict.PASS else ExitCode.NO


def _resolved(edges: Edges) -> Edges:
    """The edges for the absolute project folder: the invokers, the cache, the ledger and
    the platform all see (and name) the same folder, wherever the process runs."""
    folder = edges.project_dir.resolve()
    return edges if folder == edges.project_dir else edges.rooted_at(folder)


def evaluate(
    edges: Edges,
    plan: EvalPlan,
    head: Workspace,
    *,
    options: RunnerOptions,
    cache_dir: Path | None,
) -> EvalReport:
    """Run the plan on its target; a `platform` target runs what its environment runs,
    uncached, and only if that stays the same until the run ends."""
    if isinstance(plan.target, InlineTarget):
        from agentcd.commands._eval_inline import inline_invoker

        invoker = inline_invoker(edges, plan, head, pool_size=options.concurrency)
        return run_plan(edges, plan, invoker=invoker, options=options, cache_dir=cache_dir)
    if not isinstance(plan.target, PlatformTarget):
        invoker = edges.make_invoker(
            plan.target_name, plan.target, root=edges.project_dir, pool_size=options.concurrency
        )
        return run_plan(edges, plan, invoker=invoker, options=options, cache_dir=cache_dir)
    from agentcd.commands._eval_deployed import open_deployments

    deployments = open_deployments(edges, head.project, plan)
    bound, evaluated = deployments.bind(plan)
    invoker = deployments.invoker(bound)
    report = run_plan(edges, bound, invoker=invoker, options=options, cache_dir=None)
    deployments.verify_unchanged(evaluated)
    return report


def record_verdicts(edges: Edges, project: Project, report_json: str) -> tuple[EvalRecord, ...]:
    """Append each agent's verdict to the project's ledger, bound to the report's digest."""
    import json

    from agentcd.core.definition.digest import digest_bytes
    from agentcd.core.deploy.ledger import evals_from_report

    ci = edges.detect_ci()
    records = evals_from_report(
        json.loads(report_json),
        report_digest=digest_bytes(report_json.encode("utf-8")),
        recorded_at=edges.clock(),
        where="the eval report",
        actor=ci.actor,
    )
    ledger = edges.open_ledger(project.ledger, ci)
    with ledger.batch():  # one write for the run (on a git ledger: one commit, one push)
        for one in records:
            ledger.record_eval(one)
    return records


def _announce(records: tuple[EvalRecord, ...]) -> None:
    for one in records:
        click.echo(
            f"recorded {one.agent} {one.artifact_digest}: {one.verdict.value} with "
            f"{one.environment}'s thresholds (report {one.report_digest})",
            err=True,
        )


def _render(fmt: str, report: EvalReport) -> str:
    if fmt == "junit":
        from agentcd.render.evals.junit import render_junit

        return render_junit(report)
    if fmt == "md":
        from agentcd.render.evals.markdown import render_markdown

        return render_markdown(report)
    from agentcd.render.evals.text import render_text

    return render_text(report)


def run_plan(
    edges: Edges,
    plan: EvalPlan,
    *,
    invoker: Invoker,
    options: RunnerOptions,
    cache_dir: Path | None,
) -> EvalReport:
    """Invoke every planned trial (head and base), score them, and decide."""
    judge = (
        edges.make_judge(plan.settings.judge, pool_size=options.concurrency)
        if needs_judge(plan)
        else None
    )
    jobs = build_jobs(plan)
    runner = edges.open_runner(
        invoker,
        judge=judge,
        options=options,
        cache_dir=cache_dir,
        trials=len({j.key for j in jobs}),
        interactive=_interactive(edges),
    )
    outcome = runner.run([j.job for j in jobs])
    scored = score_jobs(jobs, outcome.records)
    reports = tuple(
        agent_report(
            name=a.name,
            digest=a.digest,
            base_digest=a.base_digest,
            suites=a.suites,
            head=scored.get((a.name, "head"), {}),
            base=scored.get((a.name, "base"), {}) if a.base_digest is not None else None,
            gate=plan.gate,
            exhausted=outcome.exhausted,
            notes=a.notes,
        )
        for a in plan.agents
    )
    stats = RunStats(
        planned=len({j.key for j in jobs}),
        run=sum(not r.cached for r in outcome.records.values()),
        cached=sum(r.cached for r in outcome.records.values()),
        calls=outcome.calls,
        tokens=outcome.tokens,
        cost=outcome.cost,
        exhausted=outcome.exhausted,
        budget=plan.settings.budget,
    )
    return EvalReport(
        verdict=overall(reports),
        environment=plan.environment,
        gate=plan.gate,
        gate_source=plan.gate_source,
        target_name=plan.target_name,
        target_type=plan.target.type,
        head_commit=None,
        base_rev=None,
        base_commit=None,
        judge_prompt=judge_prompt_digest(),
        notes=plan.notes,
        run=stats,
        agents=reports,
    )


def _interactive(edges: Edges) -> bool:
    """A bar on a terminal; a line every few seconds in CI or when piped."""
    return sys.stderr.isatty() and edges.detect_ci().host is Host.LOCAL
