"""`agentcd eval`: run the agents' eval suites on a target, head paired with base, and gate.

Exit 0 when the gate passes, 2 when it fails or is inconclusive, 1 on errors.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

import click

from agentcd.adapters.environ import Host, detect_ci
from agentcd.adapters.eval_cache import EvalCache
from agentcd.adapters.eval_progress import Progress
from agentcd.adapters.eval_runner import Runner, RunnerOptions
from agentcd.adapters.invokers import JsonPoster, make_invoker, make_judge
from agentcd.commands._common import (
    format_option,
    open_workspace,
    output_option,
    project_dir,
    write_output,
)
from agentcd.commands._eval_jobs import build_jobs, needs_judge, score_jobs
from agentcd.core.eval_plan import EvalPlan, plan_eval
from agentcd.core.eval_report import EvalReport, RunStats, agent_report, overall
from agentcd.core.judge import judge_prompt_digest
from agentcd.core.verdict import Verdict
from agentcd.render.eval_json import render_json
from agentcd.render.eval_junit import render_junit
from agentcd.render.eval_markdown import render_markdown
from agentcd.render.eval_text import render_text


@click.command("eval")
@click.option("--agent", "agents", multiple=True, help="Only this agent (repeatable).")
@click.option("--env", "environment", default=None, help="Whose gate thresholds to apply.")
@click.option("--base", "base_rev", default=None, help="Pair with this git revision's agents.")
@click.option("--target", default=None, help="Eval target name from agentcd.yaml evals.targets.")
@click.option("--concurrency", type=click.IntRange(1, 256), default=8, show_default=True)
@click.option("--timeout", type=click.FloatRange(min=0.001), default=None, help="Seconds per call.")
@click.option("--no-cache", is_flag=True, help="Run every trial, ignoring cached results.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--junit", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--markdown", type=click.Path(dir_okay=False, path_type=Path), default=None)
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
    fmt: str,
    output: Path | None,
) -> int:
    """Run the eval suites, pair head with base, and decide pass, fail or inconclusive."""
    root = project_dir(ctx).resolve()
    with ExitStack() as stack:
        head = stack.enter_context(open_workspace(root, None))
        base = stack.enter_context(open_workspace(root, base_rev)) if base_rev else None
        plan = plan_eval(head, base, agents=agents, environment=environment, target=target)
        cache = None if no_cache else EvalCache(cache_dir or root / plan.settings.cache)
        options = RunnerOptions(
            concurrency=concurrency,
            timeout_s=timeout or plan.settings.timeout_s,
            retries=plan.settings.retries,
            budget=plan.settings.budget,
        )
        report = run_plan(plan, root=root, options=options, cache=cache)
        base_commit = base.commit if base else None
        report = replace(
            report, head_commit=head.commit, base_rev=base_rev, base_commit=base_commit
        )
    renderers = {"text": render_text, "json": render_json, "md": render_markdown}
    write_output(renderers[fmt](report), output)
    if junit is not None:
        write_output(render_junit(report), junit)
    if markdown is not None:
        write_output(render_markdown(report), markdown)
    return 0 if report.verdict is Verdict.PASS else 2


def run_plan(
    plan: EvalPlan, *, root: Path, options: RunnerOptions, cache: EvalCache | None
) -> EvalReport:
    """Invoke every planned trial (head and base), score them, and decide."""
    poster = JsonPoster(pool_size=options.concurrency)
    invoker = make_invoker(plan.target_name, plan.target, root=root, poster=poster)
    judge = make_judge(plan.settings.judge, poster=poster) if needs_judge(plan) else None
    jobs = build_jobs(plan)
    progress = Progress(len({j.key for j in jobs}), stream=sys.stderr, tty=_interactive())
    runner = Runner(invoker, judge=judge, options=options, cache=cache, progress=progress)
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


def _interactive() -> bool:
    """A bar on a terminal; a line every few seconds in CI or when piped."""
    return sys.stderr.isatty() and detect_ci().host is Host.LOCAL
