"""The plan as Markdown: the sticky pull-request comment and the job summary.

Layout: headline (counts and gate verdict), high-risk banner, the matrix (a row per changed
agent, a column per environment), unchanged agents in one line, a section per changed agent,
footer totals. The marker line is not part of the body: the host adapter writes it. The
result always fits `options.limit`: detail sections are dropped before the headline or the
matrix, and a note says where the full plan is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agentcd.core.deploy.drift import DriftState
from agentcd.core.diff.changes import Change, ChangeKind, Side
from agentcd.core.diff.risk import Risk
from agentcd.core.review.environment import EnvCell
from agentcd.core.review.evals import EvalStatus
from agentcd.core.review.marker import COMMENT_CAP
from agentcd.core.review.plan import AgentPlan, PlanView
from agentcd.render.markdown import code_span, escape_text, link, table_row
from agentcd.render.review import words as w
from agentcd.render.review.agent import agent_blocks, policy_line
from agentcd.render.review.fit import Block, fit_blocks
from agentcd.render.values import line_counts, show_value

_ANCHOR_DROPS = re.compile(r"[^\w\- ]")
SUMMARY_LIMIT = 250_000
"""Characters for the job summary: 1 MiB per step is GitHub's limit, in bytes, at 4 per char."""


@dataclass(frozen=True, slots=True)
class CommentOptions:
    limit: int = COMMENT_CAP
    """The body's size cap, in characters (the marker line excluded)."""
    sigil: str = "#"
    """How the host references a pull request in text: `#` on GitHub, `!` on GitLab."""
    full_report: str = "the job summary"
    """Where the whole plan is when the comment had to be shortened."""


def render_markdown(view: PlanView, options: CommentOptions | None = None) -> str:
    opts = options or CommentOptions()
    blocks = [
        Block(_headline(view)),
        Block(_sides(view)),
        Block(_banner(view)),
        Block("", note_slot=True),
        Block(_matrix(view, opts)),
        Block(_unchanged(view)),
        Block(_invalid(view)),
        Block(_project(view), 2),
    ]
    for agent in view.agents:
        blocks += agent_blocks(agent, sigil=opts.sigil)
    blocks.append(Block(_footer(view)))
    return fit_blocks(
        [b for b in blocks if b.text or b.note_slot],
        limit=opts.limit,
        note=lambda dropped, cut: _shortened(view, opts, dropped, cut=cut),
    )


def _headline(view: PlanView) -> str:
    c = view.counts
    if c.changed:
        verb = "changes" if c.changed == 1 else "change"
        what = f"{c.changed} of {w.plural(c.total, 'agent')} {verb}"
    else:
        what = "no agent changes"
    invalid = f" · {c.invalid} invalid" if c.invalid else ""
    return f"## agentcd plan · {what}{invalid} · gate {w.GATE[view.verdict]}\n" + _reasons(view)


def _reasons(view: PlanView) -> str:
    if not view.verdict_reasons:
        return ""
    return "\n" + "; ".join(escape_text(r) for r in view.verdict_reasons).capitalize() + ".\n"


def _sides(view: PlanView) -> str:
    ledger = view.ledger
    if ledger.problem is not None:
        state = f"⚠️ **the ledger could not be read**: {escape_text(ledger.problem)}"
    else:
        state = w.plural(ledger.records, "deployment") + " recorded"
    sides = f"Base {_side(view.base)} → head {_side(view.head)}"
    text = f"{sides} · ledger {code_span(ledger.label)}: {state}\n"
    for env, why in sorted(ledger.unreadable.items()):
        text += f"\n⚠️ **{escape_text(env)}**: live state unknown: {escape_text(why)}\n"
    return text


def _side(side: Side) -> str:
    if side.commit is None:
        return escape_text(side.label)
    label = "" if side.label.startswith("revision ") else f" ({escape_text(side.label)})"
    return code_span(side.commit[:12]) + label


def _banner(view: PlanView) -> str:
    items = [
        f"> - {code_span(a.name)}{' · ' + code_span(r.path) if r.path else ''}: "
        + escape_text(r.reason)
        for a in view.agents
        for r in a.high_risk
    ]
    if not items:
        return ""
    title = "High-risk change" if len(items) == 1 else "High-risk changes"
    return f"> [!WARNING]\n> **{title}**\n>\n" + "\n".join(items) + "\n"


def _matrix(view: PlanView, opts: CommentOptions) -> str:
    if not view.agents:
        return ""
    envs = [escape_text(e) for e in view.environments]
    header = ["agent", "change", *envs, "after merge", "eval"]
    rows = [_row(a, opts) for a in view.agents]
    lines = [table_row(header), "|" + " --- |" * len(header)]
    return "\n".join(lines + rows) + "\n"


def _row(agent: AgentPlan, opts: CommentOptions) -> str:
    cells = [
        link(escape_text(agent.name), f"#{agent.number}-{_slug(agent.name)}"),
        _change(agent),
        *(_cell(c) for c in agent.environments),
        w.digest(agent.diff.head_digest) if agent.diff.head_digest else "removed",
        _eval_cell(agent),
    ]
    return table_row(cells)


def _slug(name: str) -> str:
    """The heading's anchor as GitHub makes it: lowercase, punctuation dropped, spaces to `-`."""
    return _ANCHOR_DROPS.sub("", name.lower()).replace(" ", "-")


def _change(agent: AgentPlan) -> str:
    """A few words on what changes: up to two changes, highest risk first."""
    diff = agent.diff
    if not diff.changes:
        words = escape_text(diff.reason)
    else:
        words = " · ".join(_brief(c) for c in diff.changes[:2])
        if len(diff.changes) > 2:
            words += f" · +{len(diff.changes) - 2} more"
    return f"**high risk**: {words}" if diff.risk is Risk.HIGH else words


def _brief(change: Change) -> str:
    name = code_span(change.keys[-1] if change.keys else change.path)
    if change.text_diff is not None:
        return f"{name} {line_counts(change)}"
    if change.kind is ChangeKind.CHANGED and _is_scalar(change.before, change.after):
        before, after = (
            escape_text(show_value(v, limit=24)) for v in (change.before, change.after)
        )
        return f"{name} {before} → {after}"
    return f"{name} {change.kind.value}"


def _is_scalar(*values: object) -> bool:
    return all(v is None or isinstance(v, str | int | float | bool) for v in values)


def _cell(cell: EnvCell) -> str:
    if cell.running is None:
        return w.STATE[cell.state]
    shown = w.STATE_ICON if cell.state is DriftState.IN_SYNC else w.STATE
    return f"{w.digest(cell.running.artifact_digest)} {shown[cell.state]}"


def _eval_cell(agent: AgentPlan) -> str:
    e = agent.eval
    if e.status is EvalStatus.EVALUATED:
        return "<br>".join(w.eval_cell(r) for r in e.results)
    return {
        EvalStatus.STALE: "⚠️ stale",
        EvalStatus.NOT_RUN: "not run",
        EvalStatus.NO_SUITES: "no suites",
        EvalStatus.REMOVED: "—",
    }[e.status]


def _unchanged(view: PlanView) -> str:
    if not view.unchanged:
        return ""
    names = ", ".join(code_span(n) for n in view.unchanged)
    return f"{w.plural(len(view.unchanged), 'agent')} unchanged: {names}.\n"


def _invalid(view: PlanView) -> str:
    if not view.invalid:
        return ""
    items = []
    for agent in view.invalid:
        # Each line of a load error starts with the file's path; the list item names it once.
        # Split at LF only: `splitlines` would also break at a NEL or U+2028 a YAML key holds.
        lines = [line.removeprefix(f"{agent.path}: ") for line in agent.error.split("\n")]
        shown = [escape_text(line) for line in lines if line.strip()]
        if len(shown) == 1:
            items.append(f"- {code_span(agent.path)}: {shown[0]}")
        else:
            items.append(f"- {code_span(agent.path)}:\n" + "\n".join(f"  - {x}" for x in shown))
    title = f"**❌ {w.plural(len(view.invalid), 'definition')} did not load**"
    return title + "\n\n" + "\n".join(items) + "\n"


def _project(view: PlanView) -> str:
    lines = [policy_line(i) for i in view.project_findings]
    return "**Policy: project**\n\n" + "\n".join(lines) + "\n" if lines else ""


def _footer(view: PlanView) -> str:
    c = view.counts
    parts = [f"{w.plural(c.changed, 'agent')} {'changes' if c.changed == 1 else 'change'}"]
    parts += [f"{n} {label}" for n, label in _totals(view) if n]
    parts.append(f"gate {w.GATE[view.verdict]}")
    # No link to this run here: it changes every run, and an unchanged plan must not be
    # rewritten. The link appears in the note when the comment had to be shortened.
    return "---\n\n" + " · ".join(parts) + "\n"


def _totals(view: PlanView) -> list[tuple[int, str]]:
    c = view.counts
    return [
        (c.added, "added"),
        (c.removed, "removed"),
        (c.high_risk, "high-risk"),
        (c.drifted, "drifted"),
        (c.unknown, "unknown"),
        (c.invalid, "invalid"),
        (c.policy_errors, "policy error" if c.policy_errors == 1 else "policy errors"),
    ]


def _shortened(view: PlanView, opts: CommentOptions, dropped: int, *, cut: bool) -> str:
    what = f"{w.plural(dropped, 'detail section')} left out" if dropped else "the end cut"
    if cut and dropped:
        what += " and the rest cut"
    where = link(opts.full_report, view.report_url)
    return (
        f"> [!NOTE]\n> This comment is shortened to fit the host's size limit ({what}). "
        f"The full plan is in {where} and in `agentcd plan --format json`.\n"
    )
