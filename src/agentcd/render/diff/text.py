"""The terminal rendering of a diff report: grouped by agent, then by risk, text diffs inline;
for two environments, then their bindings and live state."""

from __future__ import annotations

from agentcd.core.definition.digest import short
from agentcd.core.diff.changes import AgentDiff, AgentStatus, Change, ChangeKind, DiffReport
from agentcd.core.diff.environments import EnvironmentComparison
from agentcd.core.diff.risk import Risk
from agentcd.render.diff.environments import (
    BINDINGS_TITLE,
    LIVE_TITLE,
    Style,
    binding_value,
    live_lines,
    same_bindings,
)
from agentcd.render.inert import log
from agentcd.render.values import line_counts, show_side, show_value, shown_value

_MARK = {ChangeKind.ADDED: "+", ChangeKind.REMOVED: "-", ChangeKind.CHANGED: "~"}
_STYLE = Style(name=str, text=str, command=lambda c: f"`{c}`")


def render_text(report: DiffReport) -> str:
    lines = [f"base  {show_side(report.base)}", f"head  {show_side(report.head)}", ""]
    for agent in report.agents:
        if agent.status is not AgentStatus.UNCHANGED:
            lines.extend(_agent(agent))
    unchanged = report.with_status(AgentStatus.UNCHANGED)
    if unchanged:
        lines.append("unchanged: " + ", ".join(a.name for a in unchanged))
    lines.append(_summary(report))
    if report.environments is not None:
        lines.extend(_environments(report.environments))
    return log("".join(f"{line}\n" for line in lines))


def _agent(agent: AgentDiff) -> list[str]:
    digests = " → ".join(
        short(d) if d else "(none)" for d in (agent.base_digest, agent.head_digest)
    )
    risk = f", {agent.risk.value} risk" if agent.risk else ""
    lines = [f"{agent.name}: {agent.status.value}{risk}  {digests}"]
    if agent.status is not AgentStatus.CHANGED:
        return [*lines, f"  {agent.reason}", ""]
    for risk_level in Risk:
        group = [c for c in agent.changes if c.risk is risk_level]
        if group:
            lines.append(f"  {risk_level.value} risk")
            lines.extend(line for change in group for line in _change(change))
    return [*lines, ""]


def _change(change: Change) -> list[str]:
    counts = line_counts(change)
    head = f"    {_MARK[change.kind]} {change.path}  {change.reason}" + (
        f", {counts}" if counts else ""
    )
    if change.text_diff is not None:
        return [head, *(f"        {line}" for line in change.text_diff.unified.split("\n")[:-1])]
    if change.kind is ChangeKind.CHANGED:
        return [head, f"        {show_value(change.before)} → {show_value(change.after)}"]
    return [head, f"        {show_value(shown_value(change))}"]


def _summary(report: DiffReport) -> str:
    counts = ", ".join(f"{len(report.with_status(s))} {s.value}" for s in AgentStatus)
    risk = f"; highest risk: {report.risk.value}" if report.risk else ""
    total = len(report.agents)
    return f"{total} agent{'' if total == 1 else 's'}: {counts}{risk}"


def _environments(envs: EnvironmentComparison) -> list[str]:
    base, head = envs.base.environment, envs.head.environment
    lines = ["", f"{BINDINGS_TITLE.lower()}: {base} → {head}"]
    if not envs.bindings:
        lines.append(f"  {same_bindings(envs, _STYLE)}")
    for agent in envs.bindings:
        lines.append(f"  {agent.agent}")
        lines.extend(
            f"    {c.name}  {binding_value(c.base)} → {binding_value(c.head)}"
            for c in agent.changes
        )
    lines += ["", LIVE_TITLE.lower()]
    for side in (envs.base, envs.head):
        lines.extend(f"  {line}" for line in live_lines(side, _STYLE))
    return lines
