"""The approval brief as Markdown (the run summary approvers read) and as versioned JSON.

One section per agent that would change: what the environment runs now against what would
replace it, the previous environment's verdict, live drift, and the semantic diff.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from agentcd.core.definition.digest import short
from agentcd.core.deploy.brief import (
    BRIEF_FORMAT,
    AgentBrief,
    Brief,
    BriefBinding,
    Replacement,
    Stage,
    is_blocking,
    live_is_suspect,
)
from agentcd.core.deploy.drift import AgentDrift, DriftState
from agentcd.core.deploy.ledger import Deployment
from agentcd.core.diff.changes import Change, ChangeKind
from agentcd.core.evals.verdict import Verdict
from agentcd.render.markdown import (
    code_span,
    escape_html,
    escape_text,
    fence,
    table_cell,
    table_row,
)
from agentcd.render.values import line_counts, show_value, shown_value

MAX_CHANGES = 30  # listed per agent; the rest are counted
MAX_DIFF_LINES = 120  # of one text diff, inside a folded <details>
_VERDICT = {Verdict.PASS: "✅", Verdict.FAIL: "❌", Verdict.INCONCLUSIVE: "❔"}
_LIVE = {
    DriftState.IN_SYNC: "✅ in sync",
    DriftState.DRIFTED: "⚠️ drifted",
    DriftState.UNKNOWN: "❔ unknown (could not read)",
    DriftState.NOT_DEPLOYED: "—",
}


def render_markdown(brief: Brief) -> str:
    changing = [a for a in brief.agents if a.replacement is not Replacement.UNCHANGED]
    parts = [_intro(brief, len(changing))]
    parts.extend(_agent(brief.environment, a) for a in changing)
    same = brief.with_replacement(Replacement.UNCHANGED)
    if same:
        names = ", ".join(code_span(a.agent) for a in same)
        parts.append(f"Already running exactly this artifact (nothing changes): {names}.\n")
    return "\n".join(parts)


def _intro(brief: Brief, changing: int) -> str:
    env = code_span(brief.environment)
    gate = "requires an approval" if brief.approval_required else "does not require an approval"
    head = f"# Approval brief for {env}\n\n"
    count = f"{changing} of {len(brief.agents)} agents would change; {env}'s gate {gate}.\n"
    return head + count


def _agent(env: str, agent: AgentBrief) -> str:
    running = agent.running
    before = code_span(short(running.artifact_digest, 6)) if running else "nothing"
    title = (
        f"## Approve {code_span(env)}? · {escape_text(agent.agent)} {before} → "
        f"{code_span(short(agent.candidate.digest, 6))}\n"
    )
    blocks = [title, _backing(agent), _table(env, agent), _changes(env, agent)]
    if running is not None:
        rollback = code_span(f"agentcd rollback --env {env} --agent {agent.agent}")
        blocks.append(
            f"Rollback if needed: {rollback} "
            f"(restores {code_span(short(running.artifact_digest, 6))}).\n"
        )
    return "\n".join(blocks)


def _backing(agent: AgentBrief) -> str:
    stage = agent.previous
    if stage is None:
        return "This is the first environment in the promotion order.\n"
    prev = f"**{escape_text(stage.environment)}**"
    if not stage.runs_candidate:
        return f"> [!WARNING]\n> {prev} does not run this artifact: the gate will refuse it.\n"
    if is_blocking(agent):
        return f"> [!WARNING]\n> {prev} runs this artifact, but its eval did not pass.\n"
    return f"You are approving the exact artifact that runs in {prev} (#{stage.seq}):\n"


def _table(env: str, agent: AgentBrief) -> str:
    running, cand = agent.running, agent.candidate
    built = f" (built at {code_span(cand.commit[:7])}, verified)" if cand.commit else " (verified)"
    cells = [
        ("digest", _digest(running), f"{code_span(short(cand.digest) + '…')}{built}"),
        ("from", _origin(running, agent.age), _commit(cand.commit, agent.candidate_pull_request)),
    ]
    if agent.previous is not None:
        cells.append(("eval", _verdict_of(env, running), _stage_eval(agent.previous)))
    cells.append(("live state", _live(agent.live), _overwrite(agent)))
    head = f"| | {table_cell(escape_text(env))} now | will run |"
    rows = [head, "| --- | --- | --- |", *(table_row(c) for c in cells)]
    return "\n".join(rows) + "\n"


def _digest(running: Deployment | None) -> str:
    return code_span(short(running.artifact_digest) + "…") if running else "—"


def _origin(running: Deployment | None, age: timedelta | None) -> str:
    if running is None:
        return "—"
    commit = f" {code_span(running.commit[:7])}" if running.commit else ""
    pr = f" (PR #{running.pull_request})" if running.pull_request else ""
    return f"#{running.seq}{commit}{pr}, {_age(age)}"


def _commit(commit: str | None, pull_request: int | None) -> str:
    pr = f" (PR #{pull_request})" if pull_request else ""
    return code_span(commit[:7]) + pr if commit else "—"


def _age(age: timedelta | None) -> str:
    if age is None:
        return "not finished"
    days, hours, minutes = age.days, age.seconds // 3600, age.seconds // 60
    if days:
        return f"{days} day{'s' if days != 1 else ''} ago"
    if hours:
        return f"{hours} hour{'s' if hours != 1 else ''} ago"
    return f"{minutes} minute{'s' if minutes != 1 else ''} ago"


def _verdict_of(env: str, running: Deployment | None) -> str:
    if running is None or running.eval_verdict is None:
        return "—"
    verdict = running.eval_verdict
    return f"{verdict.value} {_VERDICT[verdict]} with {escape_text(env)}'s thresholds"


def _stage_eval(stage: Stage) -> str:
    where = f"{escape_text(stage.environment)}'s thresholds"
    if stage.eval is None:
        return f"no verdict recorded with {where}"
    return f"{stage.eval.verdict.value} {_VERDICT[stage.eval.verdict]} with {where}"


def _live(live: AgentDrift | None) -> str:
    if live is None:
        return "—"
    reason = f" ({escape_text(live.reasons[0])})" if live.reasons else ""
    return _LIVE[live.state] + (reason if live.state is not DriftState.IN_SYNC else "")


def _overwrite(agent: AgentBrief) -> str:
    return "the drift will be overwritten" if live_is_suspect(agent) else ""


def _changes(env: str, agent: AgentBrief) -> str:
    head = f"**What changes for users of {escape_text(env)}** "
    head += "(from what it runs now, not from the last commit):\n\n"
    if agent.replacement is Replacement.NEW:
        return head + f"- new in {escape_text(env)}: nothing of this agent runs there yet\n"
    if not agent.base_known:
        missing = "- the ledger holds no copy of what runs now, so no diff can be shown\n"
        return head + missing + _bindings(agent.bindings)
    items = [_item(c) for c in agent.changes[:MAX_CHANGES]]
    more = len(agent.changes) - MAX_CHANGES
    if more > 0:
        items.append(f"- … {more} more changes (see `agentcd diff`)")
    if not items:
        items.append("- the artifact is unchanged")
    body = "\n".join(items) + "\n" + _bindings(agent.bindings)
    diffs = "".join(_text_diff(c) for c in agent.changes[:MAX_CHANGES] if c.text_diff)
    return head + body + ("\n" + diffs if diffs else "")


def _item(change: Change) -> str:
    path = code_span(change.path)
    if change.text_diff is not None:
        return f"- {path}: {line_counts(change)}"
    if change.kind is ChangeKind.CHANGED:
        before, after = (code_span(show_value(v)) for v in (change.before, change.after))
        return f"- {path}: {before} → {after}"
    return f"- {path} {change.kind.value}: {code_span(show_value(shown_value(change)))}"


def _bindings(changes: tuple[BriefBinding, ...]) -> str:
    if not changes:
        return "- bindings unchanged\n"
    return "".join(
        f"- binding {code_span(c.name)}: {code_span(show_value(c.before))} → "
        f"{code_span(show_value(c.after))}\n"
        for c in changes
    )


def _text_diff(change: Change) -> str:
    assert change.text_diff is not None
    lines = change.text_diff.unified.split("\n")[:-1]
    body = "\n".join(lines[:MAX_DIFF_LINES]) + "\n"
    cut = len(lines) - MAX_DIFF_LINES
    note = f"\n… {cut} more lines\n" if cut > 0 else ""
    title = escape_html(f"{change.path} ({line_counts(change)})")
    return f"<details><summary>{title}</summary>\n\n{fence(body, 'diff')}{note}\n</details>\n"


# ---------------------------------------------------------------- JSON


def render_json(brief: Brief) -> str:
    data = {
        "version": BRIEF_FORMAT,
        "environment": brief.environment,
        "approval_required": brief.approval_required,
        "agents": [_agent_json(a) for a in brief.agents],
    }
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


def _agent_json(agent: AgentBrief) -> dict[str, Any]:
    running, stage, live = agent.running, agent.previous, agent.live
    return {
        "agent": agent.agent,
        "replacement": agent.replacement.value,
        "candidate": {"digest": agent.candidate.digest, "commit": agent.candidate.commit},
        "running": None
        if running is None
        else {
            "seq": running.seq,
            "artifact_digest": running.artifact_digest,
            "deployment_digest": running.deployment_digest,
            "commit": running.commit,
            "finished_at": running.finished_at.isoformat() if running.finished_at else None,
        },
        "previous": None
        if stage is None
        else {
            "environment": stage.environment,
            "runs_candidate": stage.runs_candidate,
            "seq": stage.seq,
            "eval_verdict": stage.eval.verdict.value if stage.eval else None,
        },
        "live_state": live.state.value if live else None,
        "base_known": agent.base_known,
        "changes": [
            {"kind": c.kind.value, "path": c.path, "risk": c.risk.value} for c in agent.changes
        ],
        "bindings": [
            {"name": b.name, "before": b.before, "after": b.after} for b in agent.bindings
        ],
    }
