"""AC110: state that does not outlive a CI job.

A hosted runner's checkout is thrown away when the job ends. A `file` target or a `sqlite`
ledger inside it deploys and records into that checkout, so the next job (drift, the next
environment, a rollback) finds nothing deployed and nothing recorded: the symptom is "promote
it to dev first" right after dev succeeded. In CI this is a warning from `validate`; a deploy
job makes it a refusal with `validate --error-on AC110`.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentcd.core.definition.load import PROJECT_FILE
from agentcd.core.definition.model import FileTarget, Project, SqliteLedger
from agentcd.core.policy.rules import Finding, Rule, Severity, sort_findings


def ephemeral_findings(project: Project, *, in_ci: bool) -> tuple[Finding, ...]:
    """Each used `file` target and a `sqlite` ledger whose path is inside the checkout, in CI."""
    return sort_findings(_findings(project)) if in_ci else ()


def _findings(project: Project) -> Iterator[Finding]:
    used = sorted({e.target for e in project.environments})
    for name in used:
        target = project.targets.get(name)
        if isinstance(target, FileTarget) and _in_checkout(target.path):
            yield Finding(
                Rule.EPHEMERAL_STATE,
                Severity.WARNING,
                PROJECT_FILE,
                f"targets.{name}.path",
                f"target {name!r} deploys into {target.path}, inside the job's checkout, which "
                "is gone after the job: drift and the next environment will find nothing "
                "deployed; deploy to a platform (platform: bedrock, ...), or set path to a "
                "folder the runner keeps",
            )
    ledger = project.ledger
    if isinstance(ledger, SqliteLedger) and _in_checkout(ledger.path):
        yield Finding(
            Rule.EPHEMERAL_STATE,
            Severity.WARNING,
            PROJECT_FILE,
            "ledger",
            f"the sqlite ledger {ledger.path} is inside the job's checkout, which is gone after "
            "the job: every record is lost with it; use `ledger: {backend: git}` (records on a "
            "branch of the repository), or a path the runner keeps",
        )


def _in_checkout(path: str) -> bool:
    """A relative path that stays below the project folder (an absolute one may be a disk the
    runner keeps: a self-hosted runner's, or a mounted volume)."""
    posix = path.replace("\\", "/")
    absolute = posix.startswith("/") or (len(posix) > 1 and posix[1] == ":")  # C:/...
    return not absolute and ".." not in posix.split("/")
