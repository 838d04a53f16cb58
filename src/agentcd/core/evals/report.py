"""The eval report as a view model: per agent, suite and case, ready for the renderers. No I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from agentcd.core.definition.load import LoadedSuite
from agentcd.core.definition.model import Gate
from agentcd.core.evals.scoring import TrialResult
from agentcd.core.evals.settings import Budget
from agentcd.core.evals.suite import RubricAssertion
from agentcd.core.evals.verdict import (
    CaseKey,
    CaseResult,
    GateDecision,
    Summary,
    Verdict,
    by_tag,
    combine,
    decide_case,
    decide_gate,
)

REPORT_VERSION = 1
TrialsByCase = Mapping[CaseKey, Sequence[TrialResult]]


@dataclass(frozen=True, slots=True)
class SuiteReport:
    name: str
    path: str
    digest: str
    decision: GateDecision


@dataclass(frozen=True, slots=True)
class AgentReport:
    name: str
    digest: str
    base_digest: str | None
    decision: GateDecision
    suites: tuple[SuiteReport, ...]
    cases: tuple[CaseResult, ...]
    base_cases: tuple[CaseResult, ...] | None
    tags: Mapping[str, Summary]
    judges: tuple[str, ...]
    notes: tuple[str, ...]

    def base_case(self, key: CaseKey) -> CaseResult | None:
        return next((c for c in self.base_cases or () if c.key == key), None)


@dataclass(frozen=True, slots=True)
class RunStats:
    planned: int
    run: int
    cached: int
    calls: int
    tokens: int
    cost: float
    exhausted: bool
    budget: Budget


@dataclass(frozen=True, slots=True)
class EvalReport:
    verdict: Verdict
    environment: str
    gate: Gate
    gate_source: str
    target_name: str
    target_type: str
    head_commit: str | None
    base_rev: str | None
    base_commit: str | None
    judge_prompt: str
    notes: tuple[str, ...]
    run: RunStats
    agents: tuple[AgentReport, ...]


def decide_cases(suites: Sequence[LoadedSuite], trials: TrialsByCase) -> tuple[CaseResult, ...]:
    """Every case of every suite, in suite then file order."""
    return tuple(
        decide_case(s.suite.metadata.name, case, trials.get((s.suite.metadata.name, case.id), ()))
        for s in suites
        for case in s.suite.cases
    )


def agent_report(
    *,
    name: str,
    digest: str,
    base_digest: str | None,
    suites: Sequence[LoadedSuite],
    head: TrialsByCase,
    base: TrialsByCase | None,
    gate: Gate,
    exhausted: bool,
    notes: tuple[str, ...] = (),
) -> AgentReport:
    cases = decide_cases(suites, head)
    base_cases = decide_cases(suites, base) if base is not None else None
    suite_gate = gate.model_copy(update={"min_cases": 0})
    suite_reports = tuple(
        SuiteReport(
            s.suite.metadata.name,
            s.path,
            s.digest,
            decide_gate(
                [c for c in cases if c.suite == s.suite.metadata.name],
                None
                if base_cases is None
                else [c for c in base_cases if c.suite == s.suite.metadata.name],
                suite_gate,
                budget_exhausted=exhausted,
            ),
        )
        for s in suites
    )
    return AgentReport(
        name=name,
        digest=digest,
        base_digest=base_digest,
        decision=decide_gate(cases, base_cases, gate, budget_exhausted=exhausted),
        suites=suite_reports,
        cases=cases,
        base_cases=base_cases,
        tags=by_tag(cases),
        judges=judge_models(suites),
        notes=notes,
    )


def judge_models(suites: Sequence[LoadedSuite]) -> tuple[str, ...]:
    """The pinned judge model ids the suites use, sorted."""
    return tuple(
        sorted(
            {
                a.model
                for s in suites
                for c in s.suite.cases
                for a in c.expect
                if isinstance(a, RubricAssertion)
            }
        )
    )


def overall(agents: Sequence[AgentReport]) -> Verdict:
    if not agents:
        return Verdict.INCONCLUSIVE
    return combine(a.decision.verdict for a in agents)
