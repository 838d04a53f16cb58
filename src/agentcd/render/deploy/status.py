"""Render the status matrix (agents by environments): a text table and JSON (version 1)."""

from __future__ import annotations

import json
from typing import Any

from agentcd.core.definition.digest import short
from agentcd.core.deploy.drift import DriftState
from agentcd.core.deploy.status import Cell, StatusView, age_text
from agentcd.render.inert import log

JSON_VERSION = 1
LIVE_LABELS = {
    DriftState.IN_SYNC: "in sync",
    DriftState.DRIFTED: "DRIFTED",
    DriftState.UNKNOWN: "unknown",
    DriftState.NOT_DEPLOYED: "",
}


def render_text(view: StatusView) -> str:
    if not view.rows:
        return log(f"nothing deployed yet (agentcd promote --env {view.environments[0]})\n")
    header = ["AGENT", *(e.upper() for e in view.environments)]
    table = [header] + [[row.agent, *(_cell_text(c) for c in row.cells)] for row in view.rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = [
        "  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in table
    ]
    return log("\n".join(lines) + "\n")


def _cell_text(cell: Cell) -> str:
    current = cell.current
    pending = f" (#{cell.pending} in progress)" if cell.pending else ""
    if current is None:
        live = LIVE_LABELS[cell.live]
        return ("-" + (f" {live}" if live else "")) + pending
    commit = current.commit[:7] if current.commit else "-------"
    parts = [f"#{current.seq}", short(current.artifact_digest, 8), commit, age_text(cell.age)]
    return " ".join(parts) + f" {LIVE_LABELS[cell.live]}" + pending


def render_json(view: StatusView) -> str:
    data = {
        "version": JSON_VERSION,
        "now": view.now.isoformat(),
        "environments": list(view.environments),
        "agents": [
            {
                "agent": row.agent,
                "environments": {
                    env: _cell_json(cell)
                    for env, cell in zip(view.environments, row.cells, strict=True)
                },
            }
            for row in view.rows
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _cell_json(cell: Cell) -> dict[str, Any]:
    current = cell.current
    return {
        "seq": current.seq if current else None,
        "artifact_digest": current.artifact_digest if current else None,
        "deployment_digest": current.deployment_digest if current else None,
        "commit": current.commit if current else None,
        "deployed_at": (current.finished_at or current.started_at).isoformat() if current else None,
        "age_seconds": int(cell.age.total_seconds()) if cell.age is not None else None,
        "live": cell.live.value,
        "pending_seq": cell.pending,
    }
