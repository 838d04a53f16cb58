"""Eval reports as the plan reads them, and what they say about one agent's head. No I/O.

The input is a parsed `agentcd eval --format json` report (`report_version` 1, docs/eval.md);
only the fields the plan shows are read, and a malformed report is an error naming its field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from agentcd.core.definition.load import LoadedAgent
from agentcd.core.definition.model import Project, Requirement
from agentcd.core.evals.verdict import Verdict
from agentcd.errors import DefinitionError

SUPPORTED_VERSION = 1
_PASSED = "pass"


@dataclass(frozen=True, slots=True)
class EvalResult:
    """One agent's result in one eval report, judged with `environment`'s thresholds."""

    source: str
    environment: str
    agent: str
    digest: str
    verdict: Verdict
    passed: int
    failed: int
    errored: int
    interval: tuple[float, float] | None
    base_passed: int | None  # cases that passed on the base, of `base_total`
    base_total: int | None
    new_failures: tuple[str, ...]
    fixed: tuple[str, ...]
    reasons: tuple[str, ...]

    @property
    def decided(self) -> int:
        return self.passed + self.failed


def read_eval_report(data: Any, *, source: str) -> tuple[EvalResult, ...]:
    """Every agent's result in a parsed report; `source` names the file in errors."""
    if not isinstance(data, Mapping) or data.get("report_version") != SUPPORTED_VERSION:
        raise DefinitionError(
            source, "report_version", "not an agentcd eval report (report_version 1)"
        )
    environment = _text(data, "environment", source, "environment")
    agents = data.get("agents")
    if not isinstance(agents, list):
        raise DefinitionError(source, "agents", "must be a list")
    return tuple(
        _agent(entry, source=source, environment=environment, where=f"agents[{i}]")
        for i, entry in enumerate(agents)
    )


def _agent(entry: Any, *, source: str, environment: str, where: str) -> EvalResult:
    if not isinstance(entry, Mapping):
        raise DefinitionError(source, where, "must be a mapping")
    summary = entry.get("summary")
    if not isinstance(summary, Mapping):
        raise DefinitionError(source, f"{where}.summary", "must be a mapping")
    try:
        verdict = Verdict(str(entry.get("verdict")))
    except ValueError as e:
        raise DefinitionError(source, f"{where}.verdict", "not pass, fail or inconclusive") from e
    paired = entry.get("paired")
    paired = paired if isinstance(paired, Mapping) else {}
    base = _base_counts(entry.get("cases"), has_base=entry.get("base_digest") is not None)
    return EvalResult(
        source=source,
        environment=environment,
        agent=_text(entry, "name", source, f"{where}.name"),
        digest=_text(entry, "digest", source, f"{where}.digest"),
        verdict=verdict,
        passed=_count(summary, "passed", source, f"{where}.summary"),
        failed=_count(summary, "failed", source, f"{where}.summary"),
        errored=_count(summary, "errored", source, f"{where}.summary"),
        interval=_interval(summary.get("wilson_95")),
        base_passed=base[0] if base else None,
        base_total=base[1] if base else None,
        new_failures=_strings(paired.get("new_failures")),
        fixed=_strings(paired.get("fixed")),
        reasons=_strings(entry.get("reasons")),
    )


def _base_counts(cases: Any, *, has_base: bool) -> tuple[int, int] | None:
    """Passed and decided cases on the base, from each case's `base_outcome`."""
    if not has_base or not isinstance(cases, list):
        return None
    outcomes = [c.get("base_outcome") for c in cases if isinstance(c, Mapping)]
    decided = [o for o in outcomes if o in ("pass", "fail")]
    if not decided:
        return None
    return sum(o == _PASSED for o in decided), len(decided)


def _text(data: Mapping[str, Any], key: str, source: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise DefinitionError(source, where, "must be a non-empty string")
    return value


def _count(data: Mapping[str, Any], key: str, source: str, where: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DefinitionError(source, f"{where}.{key}", "must be a count (0 or more)")
    return value


def _interval(value: Any) -> tuple[float, float] | None:
    if isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value):
        return float(value[0]), float(value[1])
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def combine_verdicts(verdicts: Iterable[Verdict]) -> Verdict | None:
    """Fail if any failed, else inconclusive if any was, else pass; None when there are none."""
    found = set(verdicts)
    for verdict in (Verdict.FAIL, Verdict.INCONCLUSIVE, Verdict.PASS):
        if verdict in found:
            return verdict
    return None


class EvalStatus(StrEnum):
    EVALUATED = "evaluated"  # a result for the head digest
    STALE = "stale"  # results only for other digests (an older push)
    NOT_RUN = "not_run"  # the agent has eval suites, no report covers it
    NO_SUITES = "no_suites"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class AgentEval:
    status: EvalStatus
    verdict: Verdict | None
    results: tuple[EvalResult, ...]  # for the head digest
    stale: tuple[EvalResult, ...]  # for another digest
    required_in: tuple[str, ...]  # environments whose gate requires an eval verdict


def agent_eval(
    head: LoadedAgent | None, project: Project, results: Sequence[EvalResult]
) -> AgentEval:
    """One agent's results (`head` None: removed); only its head digest's results count."""
    required = tuple(e.name for e in project.environments if e.gate.eval is Requirement.REQUIRED)
    if head is None:
        return AgentEval(EvalStatus.REMOVED, None, (), (), required)
    current = tuple(r for r in results if r.digest == head.digest)
    stale = tuple(r for r in results if r.digest != head.digest)
    if current:
        status = EvalStatus.EVALUATED
    elif stale:
        status = EvalStatus.STALE
    else:
        status = EvalStatus.NOT_RUN if head.suites else EvalStatus.NO_SUITES
    verdict = combine_verdicts(r.verdict for r in current)
    return AgentEval(status, verdict, current, stale, required)
