"""Render an environment's deployment history: a text table and JSON (version 1)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from agentcd.core.definition.digest import short
from agentcd.core.deploy.ledger import Deployment, Kind
from agentcd.render.inert import log

JSON_VERSION = 1
_COLUMNS = ("#", "AGENT", "STARTED (UTC)", "STATUS", "CHANGE", "DIGEST", "COMMIT", "ACTOR", "NOTE")


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def change(record: Deployment) -> str:
    return f"rollback to #{record.rollback_to}" if record.kind is Kind.ROLLBACK else "promote"


def render_text(environment: str, records: Sequence[Deployment]) -> str:
    if not records:
        return log(f"{environment}: no deployments recorded\n")
    rows = [_COLUMNS] + [_row(r) for r in records]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    lines = [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    return log(f"{environment}: {len(records)} deployment(s)\n" + "\n".join(lines) + "\n")


def _row(record: Deployment) -> tuple[str, ...]:
    note = record.note.removeprefix(change(record)).removeprefix("; ")
    return (
        str(record.seq),
        record.agent,
        when(record.started_at),
        record.status.value,
        change(record),
        short(record.artifact_digest),
        (record.commit or "-")[:7],
        record.actor,
        " ".join(note.split())[:80],
    )


def render_json(environment: str, records: Sequence[Deployment]) -> str:
    data: dict[str, Any] = {
        "version": JSON_VERSION,
        "environment": environment,
        "deployments": [r.model_dump(mode="json") for r in records],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
