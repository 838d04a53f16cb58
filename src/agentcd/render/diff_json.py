"""The JSON rendering of a diff report: schema version 1, documented in docs/diff.md."""

from __future__ import annotations

import json
from typing import Any

from agentcd.core.diff import AgentDiff, Change, DiffReport, Side

SCHEMA_VERSION = 1


def render_json(report: DiffReport) -> str:
    data = {
        "version": SCHEMA_VERSION,
        "base": _side(report.base),
        "head": _side(report.head),
        "differs": report.differs,
        "risk": report.risk.value if report.risk else None,
        "agents": [_agent(a) for a in report.agents],
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
        "changes": [_change(c) for c in agent.changes],
    }


def _change(change: Change) -> dict[str, Any]:
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
