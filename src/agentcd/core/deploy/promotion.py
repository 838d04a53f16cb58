"""Releases and the outcome of promoting or rolling back agents in one environment. No I/O.

A release is one artifact with one environment's binding values; its deployment digest is what
that environment will run. Outcomes are values the commands render.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from agentcd.core.definition.canonical import binding_names
from agentcd.core.definition.digest import agent_bindings, deployment_digest
from agentcd.core.definition.model import Environment
from agentcd.core.deploy.gate import Decision, GateResult


@dataclass(frozen=True, slots=True)
class Release:
    """One artifact with one environment's binding values: what a deployment makes run."""

    agent: str
    environment: str
    artifact: Mapping[str, Any]
    artifact_digest: str
    bindings: Mapping[str, Any]
    deployment_digest: str
    commit: str | None = None


def make_release(
    environment: Environment,
    *,
    artifact: Mapping[str, Any],
    artifact_digest: str,
    commit: str | None,
    bindings: Mapping[str, Any] | None = None,
) -> tuple[Release, tuple[str, ...]]:
    """The release of an artifact in an environment, and the bindings it lacks a value for.

    `bindings` replaces the environment's values (a rollback restores the recorded ones).
    """
    values = environment.bindings if bindings is None else bindings
    used = agent_bindings(artifact, values)
    missing = tuple(name for name in binding_names(artifact) if name not in values)
    release = Release(
        agent=str(artifact["metadata"]["name"]),
        environment=environment.name,
        artifact=artifact,
        artifact_digest=artifact_digest,
        bindings=used,
        deployment_digest=deployment_digest(artifact_digest, used),
        commit=commit,
    )
    return release, missing


class Result(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNCHANGED = "unchanged"
    REFUSED = "refused"
    PLANNED = "planned"  # --dry-run: the gate said yes, nothing was applied


@dataclass(frozen=True, slots=True)
class AgentOutcome:
    release: Release
    gate: GateResult
    result: Result
    seq: int | None = None
    rollback_to: int | None = None
    platform_versions: Mapping[str, str] = field(default_factory=dict)
    detail: str = ""


@dataclass(frozen=True, slots=True)
class DeployReport:
    command: str  # promote | rollback
    environment: str
    dry_run: bool
    outcomes: tuple[AgentOutcome, ...]

    def count(self, result: Result) -> int:
        return sum(1 for o in self.outcomes if o.result is result)


def planned_result(gate: GateResult, *, dry_run: bool) -> Result | None:
    """The result known before applying anything, or None when the release must be applied."""
    if gate.decision is Decision.REFUSED:
        return Result.REFUSED
    if gate.decision is Decision.UNCHANGED:
        return Result.UNCHANGED
    return Result.PLANNED if dry_run else None


_PR_PATTERNS = (
    re.compile(r"\AMerge pull request #(\d+)\b"),  # GitHub merge commit
    re.compile(r"\A[^\n]*\(#(\d+)\)$", re.MULTILINE),  # GitHub squash merge: subject ends so
    re.compile(r"^See merge request [^!\s]*!(\d+)$", re.MULTILINE),  # GitLab merge commit body
)


def pull_request_number(message: str | None) -> int | None:
    """The pull/merge request a commit message names, as the hosts write merge commits."""
    for pattern in _PR_PATTERNS:
        match = pattern.search(message or "")
        if match:
            return int(match.group(1))
    return None
