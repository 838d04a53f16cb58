"""Render change-management evidence for one environment: Markdown and JSON (version 1).

Each change lists what an auditor asks for: who, when, which commit and pull request, who
approved, what the eval gate said, and the digests that name exactly what ran.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from agentcd.core.definition.digest import short
from agentcd.core.deploy.ledger import Deployment, Outcome, Status
from agentcd.render.deploy.history import change, when
from agentcd.render.markdown import code_span, escape_text, link, table_row

JSON_VERSION = 1


def _since(since: datetime | None) -> str:
    return f"since {when(since)} UTC" if since else "all recorded changes"


def render_markdown(environment: str, records: Sequence[Deployment], since: datetime | None) -> str:
    counts = ", ".join(
        f"{n} {s.value}" for s in Status if (n := sum(1 for r in records if r.status is s))
    )
    out = [
        f"# Audit: {escape_text(environment)}",
        "",
        f"{len(records)} change(s), {_since(since)}" + (f" ({counts})" if counts else "") + ".",
        "Digests name the exact artifact (and, with the bindings, the deployment) that ran.",
        "",
        "| # | agent | started (UTC) | change | status | commit | PR | actor | approvers | eval"
        " | artifact |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    out += [_md_row(r) for r in records]
    for record in records:
        out += ["", *_md_detail(record)]
    return "\n".join(out) + "\n"


def _md_row(r: Deployment) -> str:
    cells = [
        str(r.seq),
        escape_text(r.agent),
        when(r.started_at),
        escape_text(change(r)),
        r.status.value,
        code_span(r.commit[:7]) if r.commit else "-",
        f"#{r.pull_request}" if r.pull_request else "-",
        escape_text(r.actor),
        escape_text(", ".join(r.approvers)) or "-",
        r.eval_verdict.value if r.eval_verdict else "-",
        code_span(short(r.artifact_digest)),
    ]
    return table_row(cells)


def _md_detail(r: Deployment) -> list[str]:
    lines = [
        f"## #{r.seq} {escape_text(r.agent)}: {escape_text(change(r))}, {r.status.value}",
        "",
        f"- artifact digest: {code_span(r.artifact_digest)}",
        f"- deployment digest: {code_span(r.deployment_digest)}",
        f"- commit: {code_span(r.commit) if r.commit else '-'}"
        + (f" on {code_span(r.ref)}" if r.ref else ""),
        f"- finished: {when(r.finished_at)} UTC",
    ]
    if r.eval_report_digest:
        lines.append(f"- eval report: {code_span(r.eval_report_digest)}")
    if r.platform_versions:
        versions = ", ".join(f"{k} {v}" for k, v in sorted(r.platform_versions.items()))
        lines.append(f"- platform: {escape_text(versions)}")
    if r.run_url:
        lines.append(f"- run: {link(escape_text(r.run_url), r.run_url)}")
    if r.note:
        lines.append(f"- note: {escape_text(r.note)}")
    marks = {Outcome.PASS: "passed", Outcome.FAIL: "FAILED", Outcome.SKIP: "skipped"}
    lines += [
        f"- gate {escape_text(c.name)}: {marks[c.outcome]}, {escape_text(c.reason)}" for c in r.gate
    ]
    return lines


def render_json(environment: str, records: Sequence[Deployment], since: datetime | None) -> str:
    data: dict[str, Any] = {
        "version": JSON_VERSION,
        "environment": environment,
        "since": since.isoformat() if since else None,
        "changes": [r.model_dump(mode="json") for r in records],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
