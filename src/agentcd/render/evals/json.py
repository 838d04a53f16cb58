"""The eval report as JSON (schema version `report_version`, documented in docs/eval.md)."""

from __future__ import annotations

import json
from typing import Any

from agentcd.core.evals.observation import observation_to_dict
from agentcd.core.evals.report import REPORT_VERSION, AgentReport, EvalReport, SuiteReport
from agentcd.core.evals.scoring import TrialResult
from agentcd.core.evals.verdict import CaseResult, Pairing, Summary


def render_json(report: EvalReport) -> str:
    return json.dumps(report_data(report), indent=2, ensure_ascii=False) + "\n"


def report_data(report: EvalReport) -> dict[str, Any]:
    gate = report.gate
    return {
        "report_version": REPORT_VERSION,
        "verdict": report.verdict.value,
        "environment": report.environment,
        "thresholds": {
            "min_pass_rate": gate.min_pass_rate,
            "max_new_failures": gate.max_new_failures,
            "min_cases": gate.min_cases,
            "max_error_rate": gate.max_error_rate,
            "source": report.gate_source,
        },
        "target": {"name": report.target_name, "type": report.target_type},
        "head": {"commit": report.head_commit},
        "base": {"rev": report.base_rev, "commit": report.base_commit} if report.base_rev else None,
        "judge": {
            "prompt_digest": report.judge_prompt,
            "models": sorted({m for a in report.agents for m in a.judges}),
        },
        "notes": list(report.notes),
        "run": _run(report),
        "agents": [_agent(a) for a in report.agents],
    }


def _run(report: EvalReport) -> dict[str, Any]:
    run = report.run
    return {
        "trials_planned": run.planned,
        "trials_run": run.run,
        "trials_cached": run.cached,
        "calls": run.calls,
        "tokens": run.tokens,
        "cost": round(run.cost, 6),
        "budget": run.budget.model_dump(mode="json"),
        "budget_exhausted": run.exhausted,
    }


def _agent(a: AgentReport) -> dict[str, Any]:
    return {
        "name": a.name,
        "verdict": a.decision.verdict.value,
        "reasons": list(a.decision.reasons),
        "digest": a.digest,
        "base_digest": a.base_digest,
        "notes": list(a.notes),
        "summary": summary_data(a.decision.summary),
        "paired": _pairing(a.decision.pairing),
        "judge_models": list(a.judges),
        "suites": [_suite(s) for s in a.suites],
        "tags": {tag: summary_data(s) for tag, s in a.tags.items()},
        "cases": [_case(c, a.base_case(c.key)) for c in a.cases],
    }


def _suite(s: SuiteReport) -> dict[str, Any]:
    return {
        "name": s.name,
        "path": s.path,
        "digest": s.digest,
        "verdict": s.decision.verdict.value,
        "reasons": list(s.decision.reasons),
        "summary": summary_data(s.decision.summary),
    }


def summary_data(s: Summary) -> dict[str, Any]:
    return {
        "cases": s.cases,
        "passed": s.passed,
        "failed": s.failed,
        "errored": s.errored,
        "pass_rate": _round(s.pass_rate),
        "wilson_95": [_round(s.interval[0]), _round(s.interval[1])] if s.interval else None,
        "error_rate": _round(s.error_rate),
    }


def _pairing(p: Pairing | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {
        "paired": p.paired,
        "new_failures": [f"{s}/{c}" for s, c in p.new_failures],
        "fixed": [f"{s}/{c}" for s, c in p.fixed],
        "unpaired": [f"{s}/{c}" for s, c in p.unpaired],
        "mcnemar_p": _round(p.p_value),
    }


def _case(c: CaseResult, base: CaseResult | None) -> dict[str, Any]:
    return {
        "suite": c.suite,
        "id": c.case_id,
        "tags": list(c.tags),
        "outcome": c.outcome.value,
        "reason": c.reason,
        "policy": c.policy,
        "repeat": c.planned,
        "passes": c.passes,
        "fails": c.fails,
        "errors": c.errors,
        "base_outcome": base.outcome.value if base else None,
        "trials": [trial_data(t) for t in c.trials],
        "base_trials": [trial_data(t) for t in base.trials] if base else None,
    }


def trial_data(t: TrialResult) -> dict[str, Any]:
    return {
        "trial": t.trial,
        "outcome": t.outcome.value,
        "score": _round(t.score),
        "reason": t.reason,
        "cached": t.cached,
        **observation_to_dict(t.observation),
        "assertions": [
            {
                "index": r.index,
                "type": r.type,
                "weight": r.weight,
                "critical": r.critical,
                "outcome": r.check.outcome.value,
                "score": _round(r.check.score),
                "reason": r.check.reason,
            }
            for r in t.assertions
        ],
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
