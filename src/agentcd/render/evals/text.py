"""The eval report as plain text for a terminal or a CI log: verdicts, reasons, cases that did
not pass. Suite names, case ids, reasons and target output are untrusted: `render.inert.log`."""

from __future__ import annotations

from agentcd.core.definition.digest import short
from agentcd.core.evals.observation import CheckOutcome
from agentcd.core.evals.report import EvalReport
from agentcd.render.inert import log


def render_text(report: EvalReport) -> str:
    lines = [
        f"eval gate: {report.verdict.value.upper()} "
        f"(environment {report.environment}, target {report.target_name})"
    ]
    for a in report.agents:
        base = f" vs base {short(a.base_digest)}" if a.base_digest else ""
        lines.append(f"\n{a.name} {short(a.digest)}{base}: {a.decision.verdict.value}")
        lines += [f"  - {reason}" for reason in a.decision.reasons]
        lines += [f"  note: {note}" for note in a.notes]
        for case in a.cases:
            if case.outcome is not CheckOutcome.PASS:
                lines.append(f"  {case.outcome.value:<5} {case.label}: {case.reason}")
    lines += [f"note: {note}" for note in report.notes]
    run = report.run
    lines.append(
        f"\ntrials: {run.run} run, {run.cached} cached of {run.planned}; "
        f"{run.calls} calls, {run.tokens} tokens" + ("; budget exhausted" if run.exhausted else "")
    )
    return log("\n".join(lines) + "\n")
