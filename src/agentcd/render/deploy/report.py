"""Render the report of `promote` and `rollback`: text for people, JSON (version 1) for actions."""

from __future__ import annotations

import json
from typing import Any

from agentcd.core.definition.digest import short
from agentcd.core.deploy.ledger import CheckResult, Outcome
from agentcd.core.deploy.promotion import AgentOutcome, DeployReport, Result
from agentcd.render.inert import log

JSON_VERSION = 1
_MARKS = {Outcome.PASS: "ok  ", Outcome.FAIL: "FAIL", Outcome.SKIP: "skip"}
_VERBS = {"promote": "promote to", "rollback": "rollback in"}


def render_text(report: DeployReport) -> str:
    lines = [_headline(report)]
    width = max((len(o.release.agent) for o in report.outcomes), default=0)
    for outcome in report.outcomes:
        lines.append("")
        lines.append(_agent_line(outcome, width))
        if outcome.detail:
            lines.append(f"    {outcome.detail}")
        lines.extend(_check_line(c) for c in outcome.gate.checks)
    return log("\n".join(lines) + "\n")


def _headline(report: DeployReport) -> str:
    verb = f"{_VERBS.get(report.command, report.command)} {report.environment}"
    applied = report.count(Result.SUCCEEDED) + report.count(Result.FAILED)
    if report.count(Result.REFUSED) and applied:  # says what happened, should it ever happen
        return f"{verb}: refused in part, {applied} applied" + _counts(report)
    if report.count(Result.REFUSED):
        return f"{verb}: refused, nothing was applied" + _counts(report)
    if report.dry_run:
        return f"{verb} (dry run): the gate allows it, nothing was applied" + _counts(report)
    if report.count(Result.FAILED):
        return f"{verb}: failed" + _counts(report)
    return f"{verb}: done" + _counts(report)


def _counts(report: DeployReport) -> str:
    parts = [f"{report.count(r)} {r.value}" for r in Result if report.count(r)]
    return f" ({', '.join(parts)})" if parts else " (no agents)"


def _agent_line(outcome: AgentOutcome, width: int) -> str:
    release = outcome.release
    seq = f"#{outcome.seq}" if outcome.seq else ""
    origin = f" from {release.commit[:7]}" if release.commit else ""
    back = f", rollback to #{outcome.rollback_to}" if outcome.rollback_to else ""
    version = outcome.platform_versions.get("version")
    shown = f", platform version {version}" if version else ""
    return (
        f"{release.agent:<{width}}  {seq:>4}  {outcome.result.value:<9}  "
        f"{short(release.artifact_digest)}{origin}{back}{shown}"
    )


def _check_line(check: CheckResult) -> str:
    return f"    {_MARKS[check.outcome]}  {check.name}: {check.reason}"


def render_json(report: DeployReport) -> str:
    data = {
        "version": JSON_VERSION,
        "command": report.command,
        "environment": report.environment,
        "dry_run": report.dry_run,
        "agents": [_agent_json(o) for o in report.outcomes],
    }
    # The actions print this file to the log: `log` keeps it valid JSON with the same values.
    return log(json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n")


def _agent_json(outcome: AgentOutcome) -> dict[str, Any]:
    release = outcome.release
    return {
        "agent": release.agent,
        "result": outcome.result.value,
        "decision": outcome.gate.decision.value,
        "seq": outcome.seq,
        "artifact_digest": release.artifact_digest,
        "deployment_digest": release.deployment_digest,
        "commit": release.commit,
        "rollback_to": outcome.rollback_to,
        "platform_versions": dict(outcome.platform_versions),
        "eval_verdict": outcome.gate.eval.verdict.value if outcome.gate.eval else None,
        "checks": [
            {"name": c.name, "outcome": c.outcome.value, "reason": c.reason}
            for c in outcome.gate.checks
        ],
        "detail": outcome.detail,
    }
