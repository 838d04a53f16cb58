"""Where `agentcd plan` publishes in CI: the sticky comment, and GitHub's job outputs.

The host is the one the CI context names; the change number comes from the event, or for a
`workflow_run` from the head itself (never from an artifact). Job outputs follow GitHub's
file formats through `render.github_actions`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from agentcd.adapters.hosts.protocol import Host as CodeHost
from agentcd.adapters.hosts.protocol import UpsertResult
from agentcd.adapters.protocol import CiContext, Host
from agentcd.core.definition.load import Workspace
from agentcd.core.policy.rules import Finding, Severity
from agentcd.core.review.marker import Marker
from agentcd.core.review.plan import PlanView
from agentcd.errors import ConfigError
from agentcd.render.github_actions import (
    Annotation,
    append_summary,
    format_annotations,
    write_outputs,
)

KIND = "plan"
SIGILS = {Host.GITHUB: "#", Host.GITLAB: "!"}


@dataclass(frozen=True, slots=True)
class Target:
    """The change the comment goes on, and the host that writes it."""

    host: CodeHost
    marker: Marker


def comment_target(host: CodeHost | None, ci: CiContext, view: PlanView) -> Target:
    """The host and the marker for this run's sticky comment."""
    head = view.head.commit
    if head is None:
        raise ConfigError("commenting: the plan's head is an uncommitted tree; pass --head REV")
    if host is None:
        raise ConfigError(
            "commenting: --comment works in GitHub Actions or GitLab CI (no CI detected); "
            "print the plan without it"
        )
    change = host.change_number(head)
    return Target(host, Marker(KIND, change, head=head, run=ci.run_order or 0))


def post(target: Target, body: str) -> UpsertResult:
    return target.host.upsert_comment(target.marker, body)


def github_outputs(view: PlanView, head: Workspace, result: UpsertResult | None) -> dict[str, str]:
    """The step outputs: verdict, changed agents, each head agent's digest, the comment."""
    return {
        "verdict": view.verdict.value,
        "changed-agents": json.dumps([a.name for a in view.agents]),
        "digests": json.dumps({a.name: a.digest for a in head.agents}, sort_keys=True),
        "high-risk": "true" if view.counts.high_risk else "false",
        "comment": result.outcome.value if result else "",
        "comment-url": (result.url or "") if result else "",
    }


def write_github_files(ci: CiContext, outputs: dict[str, str], summary: str | None) -> None:
    if ci.output_path:
        write_outputs(Path(ci.output_path), outputs)
    if summary is not None and ci.summary_path:
        append_summary(Path(ci.summary_path), summary)


def policy_annotations(findings: tuple[Finding, ...], project_dir: Path) -> tuple[str, ...]:
    """`::error file=...,line=...::` lines for policy errors (GitHub shows 10 per step)."""
    notes = [
        Annotation(
            message=f"{f.rule.value} {f.field}: {f.message}" if f.field else f.message,
            file=_repo_path(project_dir, f.file),
            line=f.line,
            title=f"agentcd policy {f.rule.value}",
        )
        for f in findings
        if f.severity is Severity.ERROR
    ]
    return format_annotations(notes)


def _repo_path(project_dir: Path, file: str) -> str:
    """A project file's path from the job's working folder, as annotations want it."""
    return Path(os.path.normpath(project_dir / file)).as_posix()
