"""The plan: the view model of a pull request's effect on every agent and environment. No I/O.

From the base and head snapshots, the ledger and live states, the policy findings and the
eval reports, `build_plan` computes everything a reviewer is shown: per changed agent its
semantic changes, each environment's state and what merging does there, its eval results and
findings; the gate verdict; headline counts. Renderers only format what is here.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from agentcd.core.definition.load import LoadedAgent, Workspace
from agentcd.core.definition.model import Project
from agentcd.core.deploy.drift import DriftState
from agentcd.core.diff.changes import AgentDiff, AgentStatus, Side, compare_workspaces
from agentcd.core.diff.risk import Risk
from agentcd.core.evals.verdict import Verdict
from agentcd.core.policy.rules import Finding, Severity
from agentcd.core.review.environment import EnvCell, LedgerState, env_cell
from agentcd.core.review.evals import AgentEval, EvalResult, EvalStatus, agent_eval
from agentcd.core.review.snapshot import InvalidAgent, Snapshot


class GateVerdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"
    PENDING = "pending"  # nothing failed, but a required eval has not run on the head


@dataclass(frozen=True, slots=True)
class PolicyItem:
    finding: Finding
    new: bool  # not found on the base


@dataclass(frozen=True, slots=True)
class HighRisk:
    path: str  # empty for a whole agent (added or removed)
    reason: str


@dataclass(frozen=True, slots=True)
class AgentPlan:
    number: int
    diff: AgentDiff
    path: str | None
    environments: tuple[EnvCell, ...]
    eval: AgentEval
    findings: tuple[PolicyItem, ...]
    high_risk: tuple[HighRisk, ...]
    next_steps: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.diff.name


@dataclass(frozen=True, slots=True)
class Counts:
    total: int
    changed: int
    added: int
    removed: int
    unchanged: int
    invalid: int
    high_risk: int
    drifted: int  # environment cells of changed agents
    unknown: int
    policy_errors: int  # on the head, anywhere
    policy_warnings: int


@dataclass(frozen=True, slots=True)
class PlanInputs:
    base: Snapshot | None  # None: the base has no project yet
    head: Snapshot
    base_side: Side
    head_side: Side
    ledger: LedgerState
    evals: tuple[EvalResult, ...] = ()
    findings: tuple[Finding, ...] = ()  # on the head: changed agents and the project file
    base_findings: tuple[Finding, ...] = ()  # the same, on the base
    change: int | None = None
    report_url: str | None = None


@dataclass(frozen=True, slots=True)
class PlanView:
    change: int | None
    base: Side
    head: Side
    environments: tuple[str, ...]
    agents: tuple[AgentPlan, ...]  # added, removed or changed, by name
    unchanged: tuple[str, ...]
    invalid: tuple[InvalidAgent, ...]
    project_findings: tuple[PolicyItem, ...]  # agentcd.yaml
    verdict: GateVerdict
    verdict_reasons: tuple[str, ...]
    counts: Counts
    ledger: LedgerState
    report_url: str | None


def changed_agents(base: Snapshot | None, head: Snapshot) -> tuple[str, ...]:
    """Names of the agents whose artifact differs between the two sides (or exists on one)."""
    old = {a.name: a.digest for a in base.workspace.agents} if base else {}
    new = {a.name: a.digest for a in head.workspace.agents}
    return tuple(sorted(n for n in old.keys() | new.keys() if old.get(n) != new.get(n)))


def build_plan(inputs: PlanInputs) -> PlanView:
    head, project = inputs.head.workspace, inputs.head.workspace.project
    base_agents = inputs.base.workspace.agents if inputs.base else ()
    diffs = compare_workspaces(base_agents, head.agents)
    changed = [d for d in diffs if d.status is not AgentStatus.UNCHANGED and not _broken(d, inputs)]
    items = _policy_items(inputs.findings, inputs.base_findings)
    agents = tuple(
        _agent_plan(n, d, head, _findings_of(d.name, head, inputs.base, items), inputs)
        for n, d in enumerate(changed, start=1)
    )
    project_items = tuple(i for i in items if i.finding.file == "agentcd.yaml")
    verdict, reasons = _verdict(agents, inputs.head.invalid, inputs.findings)
    return PlanView(
        change=inputs.change,
        base=inputs.base_side,
        head=inputs.head_side,
        environments=tuple(e.name for e in project.environments),
        agents=agents,
        unchanged=tuple(d.name for d in diffs if d.status is AgentStatus.UNCHANGED),
        invalid=inputs.head.invalid,
        project_findings=project_items,
        verdict=verdict,
        verdict_reasons=reasons,
        counts=_counts(diffs, agents, inputs.head.invalid, inputs.findings),
        ledger=inputs.ledger,
        report_url=inputs.report_url,
    )


def _broken(diff: AgentDiff, inputs: PlanInputs) -> bool:
    """A removed agent whose definition file is still there but fails to load is invalid."""
    path = _base_path(diff.name, inputs.base)
    return diff.status is AgentStatus.REMOVED and any(i.path == path for i in inputs.head.invalid)


def _agent_plan(
    number: int,
    diff: AgentDiff,
    head: Workspace,
    findings: tuple[PolicyItem, ...],
    inputs: PlanInputs,
) -> AgentPlan:
    loaded = head.agent(diff.name)
    envs = _environment_cells(diff.name, head.project, loaded, inputs.ledger)
    evaluation = agent_eval(loaded, head.project, [r for r in inputs.evals if r.agent == diff.name])
    return AgentPlan(
        number=number,
        diff=diff,
        path=loaded.path if loaded else _base_path(diff.name, inputs.base),
        environments=envs,
        eval=evaluation,
        findings=findings,
        high_risk=_high_risk(diff),
        next_steps=_next_steps(diff, inputs, envs, evaluation, findings),
    )


def _environment_cells(
    name: str, project: Project, loaded: LoadedAgent | None, ledger: LedgerState
) -> tuple[EnvCell, ...]:
    envs = project.environments
    return tuple(
        env_cell(name, env, previous=envs[i - 1].name if i else None, head=loaded, ledger=ledger)
        for i, env in enumerate(envs)
    )


def _base_path(name: str, base: Snapshot | None) -> str | None:
    found = base.workspace.agent(name) if base else None
    return found.path if found else None


def _policy_items(head: Sequence[Finding], base: Sequence[Finding]) -> tuple[PolicyItem, ...]:
    known = {(f.rule, f.file, f.field) for f in base}
    return tuple(PolicyItem(f, (f.rule, f.file, f.field) not in known) for f in head)


def _findings_of(
    name: str, head: Workspace, base: Snapshot | None, items: Sequence[PolicyItem]
) -> tuple[PolicyItem, ...]:
    """Findings in the agent's folder (its definition, instructions, skills, suites)."""
    agent = head.agent(name) or (base.workspace.agent(name) if base else None)
    if agent is None:
        return ()
    folder = posixpath.dirname(agent.path)
    return tuple(
        i for i in items if i.finding.file == agent.path or i.finding.file.startswith(folder + "/")
    )


def _high_risk(diff: AgentDiff) -> tuple[HighRisk, ...]:
    if diff.status is AgentStatus.ADDED and diff.risk is Risk.HIGH:
        return (HighRisk("", diff.reason),)
    return tuple(HighRisk(c.path, c.reason) for c in diff.changes if c.risk is Risk.HIGH)


def _next_steps(
    diff: AgentDiff,
    inputs: PlanInputs,
    envs: Sequence[EnvCell],
    evaluation: AgentEval,
    findings: Sequence[PolicyItem],
) -> tuple[str, ...]:
    base, head = inputs.base_side.commit, inputs.head_side.commit
    steps = []
    if base and diff.status is AgentStatus.CHANGED:
        to = f" --head {head[:12]}" if head else ""
        steps.append(f"agentcd diff --base {base[:12]}{to} --agent {diff.name}")
    if evaluation.status in (EvalStatus.NOT_RUN, EvalStatus.STALE) and evaluation.required_in:
        against = f" --base {base[:12]}" if base else ""
        steps.append(f"agentcd eval --agent {diff.name} --env {evaluation.required_in[0]}{against}")
    steps += [
        f"agentcd drift --env {cell.environment}"
        for cell in envs
        if cell.state in (DriftState.DRIFTED, DriftState.UNKNOWN)
    ]
    if findings:
        steps.append("agentcd validate")
    return tuple(steps)


def _verdict(
    agents: Sequence[AgentPlan], invalid: Sequence[InvalidAgent], findings: Sequence[Finding]
) -> tuple[GateVerdict, tuple[str, ...]]:
    """Fail on broken definitions, policy errors or a failed eval; pending on a missing one."""
    errors = sum(f.severity is Severity.ERROR for f in findings)
    failed = [a.name for a in agents if a.eval.verdict is Verdict.FAIL]
    doubtful = [a.name for a in agents if a.eval.verdict is Verdict.INCONCLUSIVE]
    waiting = [
        a.name
        for a in agents
        if a.eval.status in (EvalStatus.NOT_RUN, EvalStatus.STALE) and a.eval.required_in
    ]
    fail = [
        *([_plural(len(invalid), "agent definition") + " did not load"] if invalid else []),
        *([_plural(errors, "policy error")] if errors else []),
        *([f"eval failed for {_names(failed)}"] if failed else []),
    ]
    doubt = [f"eval inconclusive for {_names(doubtful)}"] if doubtful else []
    pending = [f"no eval of this head yet for {_names(waiting)}"] if waiting else []
    if fail:
        return GateVerdict.FAIL, tuple(fail + doubt + pending)
    if doubt:
        return GateVerdict.INCONCLUSIVE, tuple(doubt + pending)
    if pending:
        return GateVerdict.PENDING, tuple(pending)
    return GateVerdict.PASS, ()


def _counts(
    diffs: Sequence[AgentDiff],
    agents: Sequence[AgentPlan],
    invalid: Sequence[InvalidAgent],
    findings: Sequence[Finding],
) -> Counts:
    cells = [c for a in agents for c in a.environments]
    return Counts(
        total=len(diffs) + sum(1 for i in invalid if all(d.name != i.name for d in diffs)),
        changed=len(agents),
        added=sum(a.diff.status is AgentStatus.ADDED for a in agents),
        removed=sum(a.diff.status is AgentStatus.REMOVED for a in agents),
        unchanged=sum(d.status is AgentStatus.UNCHANGED for d in diffs),
        invalid=len(invalid),
        high_risk=sum(bool(a.high_risk) for a in agents),
        drifted=sum(c.state is DriftState.DRIFTED for c in cells),
        unknown=sum(c.state is DriftState.UNKNOWN for c in cells),
        policy_errors=sum(f.severity is Severity.ERROR for f in findings),
        policy_warnings=sum(f.severity is Severity.WARNING for f in findings),
    )


def _names(names: Sequence[str], shown: int = 5) -> str:
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
