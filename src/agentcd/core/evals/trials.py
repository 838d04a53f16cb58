"""Trials as data: the job a runner is given, the record it keeps, its options and its report,
and `trial_key`, what makes two trials the same (and a cached answer reusable).

No I/O; the runner and the cache (`adapters.eval_runner`, `adapters.eval_cache`) work with these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from agentcd.core.definition.canonical import canonical_bytes
from agentcd.core.definition.digest import digest_bytes
from agentcd.core.evals.invocation import InvokeRequest
from agentcd.core.evals.observation import JudgeReply, Observation
from agentcd.core.evals.settings import Budget

CACHE_VERSION = 1
"""Part of every trial key and cached file: bumping it retires every cached trial."""


def trial_key(*, artifact: str, case: str, trial: int, target: str) -> str:
    """The key of one trial: (artifact digest, case digest, trial, target digest)."""
    data = {"artifact": artifact, "case": case, "trial": trial, "target": target}
    return digest_bytes(canonical_bytes({**data, "cache_version": CACHE_VERSION})).split(":")[1]


@dataclass(frozen=True, slots=True)
class TrialJob:
    key: str
    request: InvokeRequest


@dataclass(frozen=True, slots=True)
class TrialRecord:
    observation: Observation
    judgments: Mapping[int, JudgeReply] = field(default_factory=dict)
    cached: bool = False


@dataclass(frozen=True, slots=True)
class RunnerOptions:
    concurrency: int = 8
    timeout_s: float = 60.0
    retries: int = 3
    backoff_s: float = 0.5
    max_backoff_s: float = 8.0
    budget: Budget = field(default_factory=Budget)


@dataclass(frozen=True, slots=True)
class RunReport:
    """Every distinct job's record (jobs skipped for budget have none) and what the run spent."""

    records: Mapping[str, TrialRecord]
    calls: int = 0
    tokens: int = 0
    cost: float = 0.0
    exhausted: bool = False
