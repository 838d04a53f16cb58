"""The eval report as a Markdown section for the pull-request comment and the job summary.

Headline verdict first, one row per agent, new failures by case id, then per-agent and
per-case detail folded in `<details>`. User text goes through `render.markdown` escaping.
"""

from __future__ import annotations

from agentcd.core.definition.digest import short
from agentcd.core.evals.observation import CheckOutcome
from agentcd.core.evals.report import AgentReport, EvalReport
from agentcd.core.evals.scoring import TrialResult
from agentcd.core.evals.verdict import CaseResult, Summary, Verdict
from agentcd.render.markdown import code_span, escape_html, escape_text, table_row

ICONS = {
    Verdict.PASS: "✅",
    Verdict.FAIL: "❌",
    Verdict.INCONCLUSIVE: "⚠️",
    CheckOutcome.PASS: "✅",
    CheckOutcome.FAIL: "❌",
    CheckOutcome.ERROR: "⚠️",
}
OUTPUT_LIMIT = 400


def render_markdown(report: EvalReport) -> str:
    parts = [
        f"### {ICONS[report.verdict]} Eval gate: {report.verdict.value} "
        f"· {escape_text(report.environment)}\n",
        _agents_table(report),
        _new_failures(report),
        _context(report),
        *(_agent_detail(a) for a in report.agents),
    ]
    return "\n".join(p for p in parts if p)


def _agents_table(report: EvalReport) -> str:
    rows = [
        "| agent | verdict | pass rate (95% CI) | new failures | fixed | errors | McNemar p |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for a in report.agents:
        d, p = a.decision, a.decision.pairing
        rows.append(
            table_row(
                (
                    code_span(a.name),
                    f"{ICONS[d.verdict]} {d.verdict.value}",
                    _rate(d.summary),
                    str(len(p.new_failures)) if p else "–",
                    str(len(p.fixed)) if p else "–",
                    str(d.summary.errored),
                    f"{p.p_value:.3g}" if p else "–",
                )
            )
        )
    return "\n".join(rows) + "\n"


def _rate(s: Summary) -> str:
    if s.pass_rate is None:
        return "–"
    text = f"{s.pass_rate:.0%} ({s.passed}/{s.passed + s.failed}"
    if s.interval:
        text += f", {s.interval[0]:.0%}–{s.interval[1]:.0%}"
    return text + ")"


def _new_failures(report: EvalReport) -> str:
    lines = []
    for a in report.agents:
        p = a.decision.pairing
        for key in p.new_failures if p else ():
            case = next(c for c in a.cases if c.key == key)
            lines.append(
                f"- {code_span(a.name)} {code_span(case.label)}: {escape_text(case.reason)}"
            )
    if not lines:
        return ""
    return "**New failures** (passed on base, fail on head):\n\n" + "\n".join(lines) + "\n"


def _context(report: EvalReport) -> str:
    g = report.gate
    lines = [
        f"Thresholds ({escape_text(report.environment)}, from {escape_text(report.gate_source)}):"
        f" min pass rate {g.min_pass_rate:.0%}, max new failures {g.max_new_failures},"
        f" min cases {g.min_cases}, max error rate {g.max_error_rate:.0%}."
        f" Target {code_span(report.target_name)} ({escape_text(report.target_type)}).",
        f"Trials: {report.run.run} run, {report.run.cached} cached of {report.run.planned};"
        f" {report.run.calls} calls, {report.run.tokens} tokens.",
    ]
    if report.run.exhausted:
        lines.append("**Budget exhausted**: some trials did not run.")
    lines += [f"> {escape_text(note)}" for note in report.notes]
    return "\n\n".join(lines) + "\n"


def _agent_detail(a: AgentReport) -> str:
    base = f", base {code_span(short(a.base_digest))}" if a.base_digest else ""
    summary = (
        f"{ICONS[a.decision.verdict]} {escape_html(a.name)}: {len(a.cases)} cases, "
        f"digest <code>{escape_html(short(a.digest))}</code>"
    )
    body = [f"Digest {code_span(short(a.digest))}{base}.", ""]
    body += [f"- {escape_text(r)}" for r in a.decision.reasons]
    body += [f"- note: {escape_text(n)}" for n in a.notes]
    body += ["", _cases_table(a), *(_case_detail(a, c) for c in a.cases if _show(c))]
    return _details(summary, "\n".join(body))


def _cases_table(a: AgentReport) -> str:
    rows = ["| case | outcome | base | trials | reason |", "| --- | --- | --- | --- | --- |"]
    for c in a.cases:
        base = a.base_case(c.key)
        base_cell = f"{ICONS[base.outcome]} {base.outcome.value}" if base else "–"
        rows.append(
            table_row(
                (
                    code_span(c.label),
                    f"{ICONS[c.outcome]} {c.outcome.value}",
                    base_cell,
                    f"{c.passes}/{c.planned} ({escape_text(c.policy)})",
                    escape_text(c.reason),
                )
            )
        )
    return "\n".join(rows) + "\n"


def _show(case: CaseResult) -> bool:
    return case.outcome is not CheckOutcome.PASS or any(
        t.outcome is not CheckOutcome.PASS for t in case.trials
    )


def _case_detail(a: AgentReport, case: CaseResult) -> str:
    body = []
    for trial in case.trials:
        body.append(_trial_lines(trial))
    base = a.base_case(case.key)
    if base is not None and base.trials:
        body.append("On the base:\n\n" + _trial_lines(base.trials[0]))
    label = f"{ICONS[case.outcome]} {escape_html(case.label)}: {case.outcome.value}"
    return _details(label, "\n".join(body))


def _trial_lines(trial: TrialResult) -> str:
    obs = trial.observation
    lines = [f"**Trial {trial.trial}**: {trial.outcome.value} (score {trial.score:.2f})", ""]
    for r in trial.assertions:
        mark = ICONS[r.check.outcome]
        flag = " (critical)" if r.critical else ""
        lines.append(f"- {mark} {code_span(r.type)}{flag}: {escape_text(r.check.reason)}")
    if obs.error:
        lines.append(f"- ⚠️ error: {escape_text(obs.error)}")
    if obs.tool_calls:
        lines.append("- tools: " + ", ".join(code_span(c.name) for c in obs.tool_calls))
    if obs.output:
        text = obs.output if len(obs.output) <= OUTPUT_LIMIT else obs.output[:OUTPUT_LIMIT] + "…"
        lines.append(f"- output: {escape_text(text)}")
    return "\n".join(lines) + "\n"


def _details(summary: str, body: str) -> str:
    return f"<details><summary>{summary}</summary>\n\n{body.rstrip()}\n\n</details>\n"
