"""The JSON rendering of a diff report: schema version 1, documented in docs/diff.md."""

from __future__ import annotations

import json
from typing import Any

from agentcd.core.diff.changes import AgentDiff, Change, DiffReport, Side
from agentcd.core.diff.environments import AgentBindings, EnvironmentComparison, EnvironmentSide

SCHEMA_VERSION = 1


def render_json(report: DiffReport) -> str:
    data = {
        "version": SCHEMA_VERSION,
        "base": _side(report.base),
        "head": _side(report.head),
        "differs": report.differs,
        "risk": report.risk.value if report.risk else None,
        "agents": [_agent(a) for a in report.agents],
        "environments": _environments(report.environments) if report.environments else None,
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _side(side: Side) -> dict[str, Any]:
    return {"label": side.label, "commit": side.commit}


def _agent(agent: AgentDiff) -> dict[str, Any]:
    return {
        "name": agent.name,
        "status": agent.status.value,
        "base_digest": agent.base_digest,
        "head_digest": agent.head_digest,
        "risk": agent.risk.value if agent.risk else None,
        "reason": agent.reason,
        "changes": [change_to_json(c) for c in agent.changes],
    }


def change_to_json(change: Change) -> dict[str, Any]:
    """One change record as JSON (shared by every JSON output that lists changes)."""
    out: dict[str, Any] = {
        "kind": change.kind.value,
        "path": change.path,
        "keys": list(change.keys),
        "risk": change.risk.value,
        "reason": change.reason,
        "before": change.before,
        "after": change.after,
    }
    if change.text_diff is not None:
        diff = change.text_diff
        out["text_diff"] = {"unified": diff.unified, "added": diff.added, "removed": diff.removed}
    return out


def _environments(envs: EnvironmentComparison) -> dict[str, Any]:
    return {
        "base": _environment(envs.base),
        "head": _environment(envs.head),
        "live_in_sync": envs.live_in_sync,
        "compared": list(envs.compared),
        "bindings": [_bindings(b) for b in envs.bindings],
    }


def _environment(side: EnvironmentSide) -> dict[str, Any]:
    return {
        "environment": side.environment,
        "live": [
            {"agent": n.agent, "state": n.state.value, "reasons": list(n.reasons)}
            for n in side.live
        ],
    }


def _bindings(agent: AgentBindings) -> dict[str, Any]:
    return {
        "agent": agent.agent,
        "changes": [{"name": c.name, "base": c.base, "head": c.head} for c in agent.changes],
    }
