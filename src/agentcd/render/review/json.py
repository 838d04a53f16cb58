"""The plan as JSON: schema version 1, documented in docs/plan.md. Everything the comment shows,
in full (no truncation), for actions and scripts to read."""

from __future__ import annotations

import json
from typing import Any

from agentcd.core.diff.changes import Side
from agentcd.core.review.environment import AfterMerge, EnvCell, LedgerState, Running
from agentcd.core.review.evals import AgentEval, EvalResult
from agentcd.core.review.plan import AgentPlan, PlanView, PolicyItem
from agentcd.render.diff.json import change_to_json
from agentcd.render.findings import finding_json

SCHEMA_VERSION = 1


def render_json(view: PlanView) -> str:
    return json.dumps(plan_data(view), indent=2, ensure_ascii=False) + "\n"


def plan_data(view: PlanView) -> dict[str, Any]:
    c = view.counts
    return {
        "version": SCHEMA_VERSION,
        "change": view.change,
        "base": _side(view.base),
        "head": _side(view.head),
        "verdict": view.verdict.value,
        "verdict_reasons": list(view.verdict_reasons),
        "counts": {
            "total": c.total,
            "changed": c.changed,
            "added": c.added,
            "removed": c.removed,
            "unchanged": c.unchanged,
            "invalid": c.invalid,
            "high_risk": c.high_risk,
            "drifted": c.drifted,
            "unknown": c.unknown,
            "policy_errors": c.policy_errors,
            "policy_warnings": c.policy_warnings,
        },
        "environments": list(view.environments),
        "ledger": _ledger(view.ledger),
        "agents": [_agent(a) for a in view.agents],
        "unchanged": list(view.unchanged),
        "invalid": [{"name": i.name, "path": i.path, "error": i.error} for i in view.invalid],
        "project_findings": [_finding(i) for i in view.project_findings],
        "report_url": view.report_url,
    }


def _side(side: Side) -> dict[str, Any]:
    return {"label": side.label, "commit": side.commit}


def _ledger(ledger: LedgerState) -> dict[str, Any]:
    return {
        "label": ledger.label,
        "readable": ledger.problem is None,
        "problem": ledger.problem,
        "records": ledger.records,
        "unreadable_environments": dict(sorted(ledger.unreadable.items())),
    }


def _agent(agent: AgentPlan) -> dict[str, Any]:
    diff = agent.diff
    return {
        "number": agent.number,
        "name": agent.name,
        "path": agent.path,
        "status": diff.status.value,
        "risk": diff.risk.value if diff.risk else None,
        "reason": diff.reason,
        "base_digest": diff.base_digest,
        "head_digest": diff.head_digest,
        "changes": [change_to_json(c) for c in diff.changes],
        "high_risk": [{"path": r.path, "reason": r.reason} for r in agent.high_risk],
        "environments": [_cell(c) for c in agent.environments],
        "eval": _eval(agent.eval),
        "findings": [_finding(i) for i in agent.findings],
        "next_steps": list(agent.next_steps),
    }


def _cell(cell: EnvCell) -> dict[str, Any]:
    return {
        "environment": cell.environment,
        "state": cell.state.value,
        "running": _running(cell.running) if cell.running else None,
        "pending_seq": cell.pending_seq,
        "reasons": list(cell.reasons),
        "differences": list(cell.differences),
        "more_differences": cell.more_differences,
        "after_merge": _after(cell.after_merge),
    }


def _running(r: Running) -> dict[str, Any]:
    return {
        "seq": r.seq,
        "artifact_digest": r.artifact_digest,
        "deployment_digest": r.deployment_digest,
        "commit": r.commit,
        "pull_request": r.pull_request,
        "actor": r.actor,
        "approvers": list(r.approvers),
        "deployed_at": r.deployed_at.isoformat(),
        "run_url": r.run_url,
    }


def _after(a: AfterMerge) -> dict[str, Any]:
    return {
        "step": a.step.value,
        "digest": a.digest,
        "after": a.previous,
        "eval_required": a.eval_required,
        "approval_required": a.approval_required,
        "missing_bindings": list(a.missing_bindings),
    }


def _eval(e: AgentEval) -> dict[str, Any]:
    return {
        "status": e.status.value,
        "verdict": e.verdict.value if e.verdict else None,
        "required_in": list(e.required_in),
        "results": [_result(r) for r in e.results],
        "stale": [_result(r) for r in e.stale],
    }


def _result(r: EvalResult) -> dict[str, Any]:
    return {
        "source": r.source,
        "environment": r.environment,
        "digest": r.digest,
        "verdict": r.verdict.value,
        "passed": r.passed,
        "failed": r.failed,
        "errored": r.errored,
        "wilson_95": list(r.interval) if r.interval else None,
        "base_passed": r.base_passed,
        "base_total": r.base_total,
        "new_failures": list(r.new_failures),
        "fixed": list(r.fixed),
        "reasons": list(r.reasons),
    }


def _finding(item: PolicyItem) -> dict[str, Any]:
    return {**finding_json(item.finding), "new": item.new}
