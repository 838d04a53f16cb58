"""Short phrases the plan's Markdown renderers share: states, verdicts, digests, times.

Pure formatting of values the view model computed; user text goes through `render.markdown`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from agentcd.core.definition.digest import short
from agentcd.core.deploy.drift import DriftState
from agentcd.core.evals.verdict import Verdict
from agentcd.core.review.environment import AfterMerge, Running, Step
from agentcd.core.review.evals import EvalResult
from agentcd.core.review.plan import GateVerdict
from agentcd.render.markdown import code_span, escape_text

DIGEST_CHARS = 8
STATE_ICON = {
    DriftState.IN_SYNC: "✅",
    DriftState.DRIFTED: "⚠️",
    DriftState.UNKNOWN: "❔",
    DriftState.NOT_DEPLOYED: "—",
}
STATE = {state: f"{icon} {state.value.replace('_', ' ')}" for state, icon in STATE_ICON.items()}
GATE = {
    GateVerdict.PASS: "✅ passed",
    GateVerdict.FAIL: "❌ failed",
    GateVerdict.INCONCLUSIVE: "⚠️ inconclusive",
    GateVerdict.PENDING: "⏳ pending",
}
EVAL_ICON = {Verdict.PASS: "✅", Verdict.FAIL: "❌", Verdict.INCONCLUSIVE: "⚠️"}


def digest(value: str | None) -> str:
    return code_span(short(value, DIGEST_CHARS)) if value else "—"


def commit(value: str | None) -> str:
    return code_span(value[:7]) if value else "an uncommitted tree"


def when(moment: datetime) -> str:
    """An absolute time: a relative one ("2 days ago") would rewrite the comment every run."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def running_now(running: Running | None, sigil: str) -> str:
    if running is None:
        return "—"
    pr = f" ({sigil}{running.pull_request})" if running.pull_request else ""
    return f"{digest(running.artifact_digest)} from {commit(running.commit)}{pr}"


def deployed(running: Running | None) -> str:
    if running is None:
        return "—"
    text = f"{when(running.deployed_at)} by {escape_text(running.actor)}"
    if running.approvers:
        text += ", approved by " + ", ".join(escape_text(a) for a in running.approvers)
    return text


def after_merge(action: AfterMerge) -> str:
    """What merging does in one environment, in words."""
    needs = [n for n, needed in _conditions(action) if needed]
    tail = f", with {' and '.join(needs)}" if needs else ""
    if action.step is Step.DEPLOY:
        return f"deploys {digest(action.digest)}{tail}"
    if action.step is Step.AFTER_PREVIOUS:
        return f"after {escape_text(action.previous or '')}{tail}"
    if action.step is Step.ALREADY_RUNS:
        return "no change: already runs it"
    if action.step is Step.BLOCKED:
        names = ", ".join(code_span(n) for n in action.missing_bindings)
        return f"🚫 blocked: no value for {names}"
    if action.step is Step.KEEPS_RUNNING:
        return "keeps running: no longer promoted"
    return "—"


def _conditions(action: AfterMerge) -> tuple[tuple[str, bool], ...]:
    return (("a passing eval", action.eval_required), ("an approval", action.approval_required))


def eval_cell(result: EvalResult) -> str:
    """`✅ 48/50 (base 47/50)`: the matrix's eval column for one result."""
    text = f"{EVAL_ICON[result.verdict]} {result.passed}/{result.decided}"
    if result.base_total is not None:
        text += f" (base {result.base_passed}/{result.base_total})"
    if result.new_failures:
        text += f" · {len(result.new_failures)} new failing"
    return text


def rate(result: EvalResult) -> str:
    """`48 of 50 passed (96%, 95% CI 86–99%)`."""
    text = f"{result.passed} of {result.decided} cases passed"
    if result.decided:
        text += f" ({result.passed / result.decided:.0%}"
        if result.interval:
            low, high = result.interval
            text += f", 95% CI {low:.0%}–{high:.0%}"
        text += ")"
    return text


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {many or word + 's'}"
