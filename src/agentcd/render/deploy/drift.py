"""Render a drift report: text for people, Markdown for issues and summaries, JSON (version 1).

Input is the core's `AgentDrift` values grouped by environment; nothing is compared here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from agentcd.core.definition.digest import short
from agentcd.core.deploy.drift import AgentDrift, Difference, DriftState
from agentcd.render.inert import log
from agentcd.render.markdown import code_span, escape_html, escape_text, table_row

JSON_VERSION = 1
VALUE_WIDTH = 72
_TEXT_STATE = {
    DriftState.IN_SYNC: "in sync",
    DriftState.DRIFTED: "DRIFTED",
    DriftState.UNKNOWN: "UNKNOWN",
    DriftState.NOT_DEPLOYED: "not deployed",
}
_MD_STATE = {
    DriftState.IN_SYNC: "✅ in sync",
    DriftState.DRIFTED: "⚠️ drifted",
    DriftState.UNKNOWN: "❓ unknown",
    DriftState.NOT_DEPLOYED: "not deployed",
}


def summary(report: Sequence[AgentDrift]) -> str:
    counts = [(s, sum(1 for d in report if d.state is s)) for s in DriftState]
    return ", ".join(f"{n} {_TEXT_STATE[s].lower()}" for s, n in counts if n) or "no agents"


def render_text(report: Sequence[AgentDrift]) -> str:
    lines = [f"drift: {summary(report)}"]
    for env in _environments(report):
        lines += ["", env]
        for item in (d for d in report if d.environment == env):
            lines.append(f"  {item.agent}  {_TEXT_STATE[item.state]}{_where(item)}")
            lines += [f"      {reason}" for reason in item.reasons]
            for diff in item.differences:
                lines += [
                    f"      {diff.path}",
                    f"        approved: {_value(diff.approved, diff.at)}",
                    f"        live:     {_value(diff.live, diff.at)}",
                ]
            if item.more_differences:
                lines.append(f"      ... and {item.more_differences} more differences")
    return log("\n".join(lines) + "\n")


def _where(item: AgentDrift) -> str:
    kinds = f" ({', '.join(k.value for k in item.kinds)})" if item.kinds else ""
    ran = f"  #{item.expected.seq} {short(item.expected.artifact_digest)}" if item.expected else ""
    return kinds + ran


def _environments(report: Sequence[AgentDrift]) -> list[str]:
    return list(dict.fromkeys(d.environment for d in report))


def _value(value: Any, at: int = 0) -> str:
    """A value as JSON, cut to VALUE_WIDTH around `at` (where two texts first differ)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if len(text) <= VALUE_WIDTH:
        return text
    if isinstance(value, str) and at > VALUE_WIDTH // 3:
        text = "…" + json.dumps(value[at - VALUE_WIDTH // 3 :], ensure_ascii=False)[1:]
    return text[: VALUE_WIDTH - 1] + "…"


def render_markdown(report: Sequence[AgentDrift]) -> str:
    out = [f"## Drift: {summary(report)}", ""]
    out += ["| environment | agent | state | deployment | why |", "| --- | --- | --- | --- | --- |"]
    for item in report:
        deployment = (
            f"#{item.expected.seq} {code_span(short(item.expected.artifact_digest))}"
            if item.expected
            else "none recorded"
        )
        why = "; ".join(escape_text(r) for r in item.reasons) or ""
        cells = (escape_text(item.environment), escape_text(item.agent), _MD_STATE[item.state])
        out.append(table_row((*cells, deployment, why)))
    for item in report:
        if item.differences:
            out += ["", *_md_differences(item)]
    return "\n".join(out) + "\n"


def _md_differences(item: AgentDrift) -> list[str]:
    title = f"{item.agent} in {item.environment}: {len(item.differences) + item.more_differences}"
    lines = [
        f"<details><summary>{escape_html(title)} field(s) differ</summary>",
        "",
        "| field | approved | live |",
        "| --- | --- | --- |",
    ]
    lines += [_md_row(d) for d in item.differences]
    if item.more_differences:
        lines.append(f"| … and {item.more_differences} more | | |")
    return [*lines, "", "</details>"]


def _md_row(diff: Difference) -> str:
    cells = (diff.path, _value(diff.approved, diff.at), _value(diff.live, diff.at))
    return table_row(code_span(c) for c in cells)


def render_json(report: Sequence[AgentDrift]) -> str:
    data = {
        "version": JSON_VERSION,
        "summary": {s.value: sum(1 for d in report if d.state is s) for s in DriftState},
        "agents": [_agent_json(d) for d in report],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _agent_json(item: AgentDrift) -> dict[str, Any]:
    expected = item.expected
    return {
        "environment": item.environment,
        "agent": item.agent,
        "state": item.state.value,
        "kinds": [k.value for k in item.kinds],
        "reasons": list(item.reasons),
        "expected": None
        if expected is None
        else {
            "seq": expected.seq,
            "artifact_digest": expected.artifact_digest,
            "deployment_digest": expected.deployment_digest,
            "platform_versions": dict(expected.platform_versions),
        },
        "live": {"deployment_digest": item.live_digest, "version": item.live_version},
        "differences": [
            {"path": d.path, "approved": d.approved, "live": d.live} for d in item.differences
        ],
        "more_differences": item.more_differences,
    }
