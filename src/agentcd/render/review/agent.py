"""One changed agent's section of the plan comment, as blocks the size fitting can drop.

Level 1: heading, changes by risk, environment table (dropped last). Level 2: live-state
notes, eval, policy, next steps. Level 3: text diffs (dropped first).
"""

from __future__ import annotations

from agentcd.core.deploy.drift import DriftState
from agentcd.core.diff.changes import AgentStatus, Change, ChangeKind
from agentcd.core.diff.risk import Risk
from agentcd.core.evals.verdict import Verdict
from agentcd.core.review.environment import EnvCell
from agentcd.core.review.evals import AgentEval, EvalResult, EvalStatus
from agentcd.core.review.plan import AgentPlan, PolicyItem
from agentcd.render.markdown import code_span, escape_html, escape_text, fence, table_row
from agentcd.render.review import words as w
from agentcd.render.review.fit import Block
from agentcd.render.values import line_counts, show_value, shown_value

FOLD_LINES = 12  # a text diff longer than this is folded into <details>
MAX_DIFF_LINES = 150  # per text diff; `agentcd diff --format json` keeps it whole
MAX_LINE = 400  # characters of one diff line
MAX_CASES = 10  # case ids listed per eval result
SEVERITY = {"error": "❌ error", "warning": "⚠️ warning"}


def agent_blocks(agent: AgentPlan, *, sigil: str) -> list[Block]:
    blocks = [Block(_heading(agent), 1), Block(_changes(agent), 1)]
    blocks += [Block(_text_diff(c), 3) for c in agent.diff.changes if c.text_diff is not None]
    blocks.append(Block(_environments(agent, sigil), 1))
    optional = (_live_notes(agent), _eval(agent.eval), _policy(agent.findings), _next(agent))
    blocks += [Block(text, 2) for text in optional if text]
    return blocks


def _heading(agent: AgentPlan) -> str:
    # The heading text is only the number and the (slug) name, so its anchor is predictable:
    # the matrix links to `#1-support-triage`.
    facts = [agent.diff.status.value]
    if agent.diff.risk is not None:
        risk = f"{agent.diff.risk.value} risk"
        facts.append(f"**{risk}**" if agent.diff.risk is Risk.HIGH else risk)
    if agent.path:
        facts.append(code_span(agent.path))
    facts.append(f"{w.digest(agent.diff.base_digest)} → {w.digest(agent.diff.head_digest)}")
    return f"### {agent.number}. {escape_text(agent.name)}\n\n" + " · ".join(facts) + "\n"


def _changes(agent: AgentPlan) -> str:
    diff = agent.diff
    if diff.status is AgentStatus.REMOVED:
        return (
            "Agent removed. Merging stops promoting it; each environment keeps running what it "
            "runs now until it is removed on the platform.\n"
        )
    if diff.status is not AgentStatus.CHANGED:
        return f"{escape_text(diff.reason.capitalize())}.\n"
    groups = []
    for level in Risk:
        items = [_item(c) for c in diff.changes if c.risk is level]
        if items:
            groups.append(f"**{level.value.capitalize()} risk**\n\n" + "\n".join(items) + "\n")
    return "\n".join(groups)


def _item(change: Change) -> str:
    head = f"- {code_span(change.path)}: {escape_text(change.reason)}"
    if change.text_diff is not None:
        return f"{head} ({line_counts(change)})"
    if change.kind is ChangeKind.CHANGED:
        if "→" in change.reason:  # the reason shows both values already
            return head
        before, after = (code_span(show_value(v)) for v in (change.before, change.after))
        return f"{head}: {before} → {after}"
    return f"{head}: {code_span(show_value(shown_value(change)))}"


def _text_diff(change: Change) -> str:
    assert change.text_diff is not None
    lines = change.text_diff.unified.split("\n")[:-1]
    shown = [line if len(line) <= MAX_LINE else line[: MAX_LINE - 1] + "…" for line in lines]
    cut = len(lines) - MAX_DIFF_LINES
    body = fence("\n".join(shown[:MAX_DIFF_LINES]) + "\n", "diff")
    if cut > 0:
        body += f"\n… {cut} more lines: `agentcd diff --format json` has the whole diff.\n"
    title = f"{change.path} diff ({line_counts(change)})"
    if len(lines) <= FOLD_LINES:
        return f"{code_span(change.path)} diff ({line_counts(change)}):\n\n{body}"
    return f"<details><summary>{escape_html(title)}</summary>\n\n{body}\n</details>\n"


def _environments(agent: AgentPlan, sigil: str) -> str:
    rows = [
        "| environment | runs now | deployed | live | after merge |",
        "| --- | --- | --- | --- | --- |",
    ]
    rows += [
        table_row(
            (
                escape_text(c.environment),
                w.running_now(c.running, sigil),
                w.deployed(c.running),
                _live(c),
                w.after_merge(c.after_merge),
            )
        )
        for c in agent.environments
    ]
    return "\n".join(rows) + "\n"


def _live(cell: EnvCell) -> str:
    pending = f" (#{cell.pending_seq} in progress)" if cell.pending_seq else ""
    return w.STATE[cell.state] + pending


def _live_notes(agent: AgentPlan) -> str:
    notes = [_live_note(c) for c in agent.environments if c.reasons]
    return "\n".join(notes)


def _live_note(cell: EnvCell) -> str:
    reasons = "; ".join(escape_text(r) for r in cell.reasons)
    line = f"**{escape_text(cell.environment)}** {w.STATE[cell.state]}: {reasons}\n"
    if cell.state is not DriftState.DRIFTED or not cell.differences:
        return line
    items = [f"- {code_span(path)} differs" for path in cell.differences]
    if cell.more_differences:
        items.append(f"- and {cell.more_differences} more (`agentcd drift --format json`)")
    summary = f"What differs in {escape_html(cell.environment)} ({len(items)})"
    return (
        f"{line}\n<details><summary>{summary}</summary>\n\n" + "\n".join(items) + "\n\n</details>\n"
    )


def _eval(evaluation: AgentEval) -> str:
    if evaluation.status is EvalStatus.EVALUATED:
        return "**Eval**\n\n" + "\n".join(_result(r) for r in evaluation.results) + "\n"
    if evaluation.status is EvalStatus.STALE:
        stale = ", ".join(sorted({w.digest(r.digest) for r in evaluation.stale}))
        return f"**Eval**: ⚠️ the eval reports given are for {stale}, not this head: run it again.\n"
    if evaluation.status is EvalStatus.NOT_RUN:
        needed = ", ".join(escape_text(e) for e in evaluation.required_in)
        why = f" ({needed} require a passing eval)" if needed else ""
        return f"**Eval**: not run on this head{why}.\n"
    if evaluation.status is EvalStatus.NO_SUITES:
        return "**Eval**: the agent has no eval suites.\n"
    return ""


def _result(result: EvalResult) -> str:
    parts = [
        f"- {escape_text(result.environment)} thresholds: {w.EVAL_ICON[result.verdict]} "
        f"**{result.verdict.value}** · {w.rate(result)}"
    ]
    if result.base_total is not None:
        parts.append(f"base {result.base_passed} of {result.base_total}")
    parts.append(f"new failures: {_cases(result.new_failures)}")
    if result.fixed:
        parts.append(f"fixed: {_cases(result.fixed)}")
    parts.append(f"errors: {result.errored}")
    line = " · ".join(parts)
    if result.verdict is not Verdict.PASS:
        line += "".join(f"\n  - {escape_text(r)}" for r in result.reasons)
    return line


def _cases(ids: tuple[str, ...]) -> str:
    if not ids:
        return "none"
    shown = ", ".join(code_span(i) for i in ids[:MAX_CASES])
    return shown + (f" and {len(ids) - MAX_CASES} more" if len(ids) > MAX_CASES else "")


def _policy(items: tuple[PolicyItem, ...]) -> str:
    if not items:
        return ""
    return "**Policy**\n\n" + "\n".join(policy_line(i) for i in items) + "\n"


def policy_line(item: PolicyItem) -> str:
    f = item.finding
    where = f.file if f.line is None else f"{f.file}:{f.line}"
    field = f" {code_span(f.field)}" if f.field else ""
    new = " · new" if item.new else ""
    return (
        f"- {SEVERITY[f.severity.value]} {code_span(f.rule.value)} {code_span(where)}{field}: "
        f"{escape_text(f.message)}{new}"
    )


def _next(agent: AgentPlan) -> str:
    if not agent.next_steps:
        return ""
    return "Next steps:\n\n" + fence("\n".join(agent.next_steps) + "\n", "shell")
