"""The Markdown rendering of a diff report, for pull-request comments and job summaries.

Every piece of user text goes through `render.markdown`; long text diffs fold into
`<details>` and very long ones are cut, so one agent cannot flood a comment. Two environments
add their bindings and live state after the artifact changes, each in its own section.
"""

from __future__ import annotations

from agentcd.core.definition.digest import short
from agentcd.core.diff.changes import AgentDiff, AgentStatus, Change, ChangeKind, DiffReport, Side
from agentcd.core.diff.environments import AgentBindings, EnvironmentComparison
from agentcd.core.diff.risk import Risk
from agentcd.render.diff.environments import (
    BINDINGS_TITLE,
    LIVE_TITLE,
    UNSET,
    Style,
    alarm_lines,
    binding_value,
    calm_lines,
    same_bindings,
)
from agentcd.render.markdown import code_span, escape_html, escape_text, fence, table_row
from agentcd.render.values import line_counts, show_value, shown_value

FOLD_LINES = 12  # a text diff longer than this is folded into <details>
MAX_DIFF_LINES = 200  # a text diff is cut here; the JSON output keeps it whole
_STYLE = Style(name=code_span, text=escape_text, command=code_span)


def render_markdown(report: DiffReport) -> str:
    changed = [a for a in report.agents if a.status is not AgentStatus.UNCHANGED]
    parts = [_title(report, len(changed)), _sides(report)]
    parts.extend(
        block for block in (_warning(report), _table(changed), _unchanged(report)) if block
    )
    parts.extend(_agent(agent) for agent in changed)
    if report.environments is not None:
        parts.extend(_environments(report.environments))
    return "\n".join(parts)


def _title(report: DiffReport, changed: int) -> str:
    risk = f" · highest risk: {report.risk.value}" if report.risk else ""
    return f"## agentcd diff · {changed} of {len(report.agents)} agents changed{risk}\n"


def _sides(report: DiffReport) -> str:
    base, head = (_side(s) for s in (report.base, report.head))
    return f"Base: {base} · head: {head}\n"


def _side(side: Side) -> str:
    commit = f" ({code_span(side.commit[:12])})" if side.commit else ""
    return escape_text(side.label) + commit


def _warning(report: DiffReport) -> str:
    items = [
        f"> - {code_span(agent.name)} {code_span(change.path)}: {escape_text(change.reason)}"
        for agent in report.agents
        for change in agent.changes
        if change.risk is Risk.HIGH
    ]
    items += [
        f"> - {code_span(a.name)}: {escape_text(a.reason)}"
        for a in report.with_status(AgentStatus.ADDED)
        if a.risk is Risk.HIGH
    ]
    return "> [!WARNING]\n> **High-risk changes**\n>\n" + "\n".join(items) + "\n" if items else ""


def _table(agents: list[AgentDiff]) -> str:
    if not agents:
        return "No agent changed.\n"
    rows = ["| agent | status | risk | base | head |", "| --- | --- | --- | --- | --- |"]
    for a in agents:
        risk = f"**{a.risk.value}**" if a.risk is Risk.HIGH else a.risk.value if a.risk else ""
        digests = (code_span(short(d)) if d else "—" for d in (a.base_digest, a.head_digest))
        rows.append(table_row((code_span(a.name), a.status.value, risk, *digests)))
    return "\n".join(rows) + "\n"


def _unchanged(report: DiffReport) -> str:
    names = [code_span(a.name) for a in report.with_status(AgentStatus.UNCHANGED)]
    return f"Unchanged: {', '.join(names)}.\n" if names else ""


def _agent(agent: AgentDiff) -> str:
    risk = f" · {agent.risk.value} risk" if agent.risk else ""
    heading = f"### {escape_text(agent.name)} · {agent.status.value}{risk}\n"
    if agent.status is not AgentStatus.CHANGED:
        return f"{heading}\n{escape_text(agent.reason)}\n"
    blocks = [heading]
    for level in Risk:
        group = [c for c in agent.changes if c.risk is level]
        if group:
            items = "\n".join(_item(c) for c in group)
            blocks.append(f"**{level.value.capitalize()} risk**\n\n{items}\n")
    blocks.extend(_text_diff(c) for c in agent.changes if c.text_diff is not None)
    return "\n".join(blocks)


def _item(change: Change) -> str:
    head = f"- {code_span(change.path)}: {escape_text(change.reason)}"
    if change.text_diff is not None:
        return f"{head} ({line_counts(change)})"
    if change.kind is ChangeKind.CHANGED:
        before, after = (code_span(show_value(v)) for v in (change.before, change.after))
        return f"{head}: {before} → {after}"
    return f"{head}  \n  {code_span(show_value(shown_value(change)))}"


def _text_diff(change: Change) -> str:
    assert change.text_diff is not None
    lines = change.text_diff.unified.split("\n")[:-1]
    cut = len(lines) - MAX_DIFF_LINES
    body = "\n".join(lines[:MAX_DIFF_LINES]) + "\n"
    note = f"\n… {cut} more lines (see `agentcd diff --format json`)\n" if cut > 0 else ""
    block = fence(body, "diff") + note
    title = f"{change.path} diff ({line_counts(change)})"
    if len(lines) <= FOLD_LINES:
        return f"{code_span(change.path)} diff ({line_counts(change)}):\n\n{block}"
    return f"<details><summary>{escape_html(title)}</summary>\n\n{block}\n</details>\n"


def _environments(envs: EnvironmentComparison) -> list[str]:
    return [_bindings(envs), _live(envs)]


def _bindings(envs: EnvironmentComparison) -> str:
    base, head = envs.base.environment, envs.head.environment
    heading = f"### {BINDINGS_TITLE}\n"
    if not envs.bindings:
        return f"{heading}\n{same_bindings(envs, _STYLE)}\n"
    rows = [
        table_row(("agent", "binding", code_span(base), code_span(head))),
        "| --- | --- | --- | --- |",
    ]
    rows.extend(row for agent in envs.bindings for row in _binding_rows(agent))
    return f"{heading}\n" + "\n".join(rows) + "\n"


def _binding_rows(agent: AgentBindings) -> list[str]:
    rows = []
    for i, change in enumerate(agent.changes):
        name = code_span(agent.agent) if i == 0 else ""
        values = (
            code_span(binding_value(v)) if v is not None else f"*{UNSET}*"
            for v in (change.base, change.head)
        )
        rows.append(table_row((name, code_span(change.name), *values)))
    return rows


def _live(envs: EnvironmentComparison) -> str:
    sides = (envs.base, envs.head)
    alarms = [f"> - {line}" for side in sides for line in alarm_lines(side, _STYLE)]
    calm = [f"- {line}" for side in sides for line in calm_lines(side, _STYLE)]
    blocks = [f"### {LIVE_TITLE}\n"]
    if alarms:
        blocks.append(
            "> [!WARNING]\n> **Not running what was recorded**\n>\n" + "\n".join(alarms) + "\n"
        )
    if calm:
        blocks.append("\n".join(calm) + "\n")
    return "\n".join(blocks)
