"""Turning an eval plan into trial jobs (head and base), and their records into scored trials."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agentcd.core.definition.canonical import canonical_bytes
from agentcd.core.definition.digest import digest_bytes
from agentcd.core.evals.invocation import InvokeRequest
from agentcd.core.evals.plan import EvalPlan
from agentcd.core.evals.scoring import TrialResult, score_trial
from agentcd.core.evals.suite import Case, RubricAssertion
from agentcd.core.evals.trials import TrialJob, TrialRecord, trial_key
from agentcd.core.evals.verdict import CaseKey

Side = tuple[str, str]  # (agent, "head" | "base")


@dataclass(frozen=True, slots=True)
class PlannedTrial:
    side: Side
    suite: str
    job: TrialJob

    @property
    def key(self) -> str:
        return self.job.key


def build_jobs(plan: EvalPlan) -> list[PlannedTrial]:
    """One job per (agent side, suite, case, trial); equal keys are run once by the runner."""
    target = _digest(
        {
            "name": plan.target_name,
            "target": plan.target.model_dump(mode="json"),
            # an inline trial's answer also depends on the binding values it runs with
            **({"inline": plan.inline.model_dump(mode="json")} if plan.inline else {}),
        }
    )
    jobs = []
    for agent in plan.agents:
        sides: list[tuple[str, str, Mapping[str, Any] | None]] = [
            ("head", agent.digest, agent.artifact),
            ("base", agent.base_digest or "", agent.base_artifact),
        ]
        for side, digest, artifact in sides:
            if artifact is None:
                continue
            for loaded in agent.suites:
                for case in loaded.suite.cases:
                    case_digest = _digest(case.model_dump(mode="json", by_alias=True))
                    for trial in range(case.repeat):
                        key = trial_key(
                            artifact=digest, case=case_digest, trial=trial, target=target
                        )
                        request = InvokeRequest(agent.name, digest, artifact, case, trial)
                        jobs.append(
                            PlannedTrial(
                                (agent.name, side),
                                loaded.suite.metadata.name,
                                TrialJob(key, request),
                            )
                        )
    return jobs


def score_jobs(
    jobs: Sequence[PlannedTrial], records: Mapping[str, TrialRecord]
) -> dict[Side, dict[CaseKey, list[TrialResult]]]:
    """Scored trials grouped by side and case; jobs with no record (budget) are absent."""
    scored: dict[Side, dict[CaseKey, list[TrialResult]]] = defaultdict(lambda: defaultdict(list))
    for planned in jobs:
        record = records.get(planned.key)
        if record is None:
            continue
        case: Case = planned.job.request.case
        result = score_trial(
            case,
            planned.job.request.trial,
            record.observation,
            record.judgments,
            cached=record.cached,
        )
        scored[planned.side][(planned.suite, case.id)].append(result)
    return scored


def needs_judge(plan: EvalPlan) -> bool:
    return any(
        isinstance(a, RubricAssertion)
        for agent in plan.agents
        for s in agent.suites
        for c in s.suite.cases
        for a in c.expect
    )


def _digest(data: Any) -> str:
    return digest_bytes(canonical_bytes(data))
