"""`agentcd validate`: load the project, run the policy checks, print findings with their lines.

The checks include whether each environment's platform can carry each agent (AC109): the
platform renders every release, which is pure, so no account or network is needed.

Exit 0 when no finding is an error (warnings do not fail), 1 otherwise; a project that does not
load is an error with the loader's message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import click

from agentcd.adapters.platforms.protocol import Platform
from agentcd.adapters.protocol import Host, Repository
from agentcd.commands._common import (
    edges,
    format_option,
    output_option,
    write_output,
)
from agentcd.core.definition.load import load_workspace
from agentcd.core.definition.model import Project
from agentcd.core.policy.hosted import ephemeral_findings
from agentcd.core.policy.locate import locate_findings
from agentcd.core.policy.platform_fit import Render, platform_findings
from agentcd.core.policy.rules import Finding, Rule, Severity, check_workspace
from agentcd.errors import ConfigError
from agentcd.exit_codes import ExitCode
from agentcd.render.findings import finding_json
from agentcd.render.inert import log

JSON_VERSION = 1


@dataclass(frozen=True, slots=True)
class Report:
    """What one validation found, in the snapshot it looked at."""

    rev: str | None
    commit: str | None
    label: str
    agents: tuple[str, ...]
    findings: tuple[Finding, ...]

    def count(self, severity: Severity) -> int:
        return sum(f.severity is severity for f in self.findings)

    def raised(self, rules: set[Rule]) -> Report:
        """The same report with these rules' warnings as errors."""
        findings = tuple(
            replace(f, severity=Severity.ERROR) if f.rule in rules else f for f in self.findings
        )
        return replace(self, findings=findings)


@click.command("validate")
@click.option("--rev", default=None, help="Check this git revision instead of the working tree.")
@click.option(
    "--error-on",
    "error_on",
    multiple=True,
    metavar="RULE",
    help="Count this rule's warnings as errors (repeatable): AC110 in a deploy job.",
)
@format_option("text", "json")
@output_option
@click.pass_context
def command(
    ctx: click.Context, rev: str | None, error_on: tuple[str, ...], fmt: str, output: Path | None
) -> int:
    """Check definitions and policies; exit 1 when a finding is an error."""
    rules = {r.value: r for r in Rule}
    unknown = sorted(set(error_on) - set(rules))
    if unknown:
        raise ConfigError(f"--error-on: no rule {', '.join(unknown)} (docs/validate.md lists them)")
    found = edges(ctx)
    in_ci = found.detect_ci().host is not Host.LOCAL
    report = validate(found.repository, rev=rev, platforms=found.open_platform, in_ci=in_ci)
    report = report.raised({rules[r] for r in error_on})
    write_output(render_json(report) if fmt == "json" else render_text(report), output)
    return ExitCode.ERROR if report.count(Severity.ERROR) else ExitCode.OK


def validate(
    repository: Repository,
    *,
    rev: str | None,
    platforms: Callable[[Project, str], Platform] | None = None,
    in_ci: bool = False,
) -> Report:
    """Load the project at `rev` (working tree when None) and check it; with `platforms`, also
    that every environment's platform can carry every agent (rendering only, no call to it)."""
    with repository.tree(rev) as tree:
        workspace = load_workspace(tree)
        found = check_workspace(workspace)
        if platforms is not None:

            def renderer(environment: str) -> Render:
                return platforms(workspace.project, environment).render

            found = (*found, *platform_findings(workspace, renderer))
        found = (*found, *ephemeral_findings(workspace.project, in_ci=in_ci))
        findings = locate_findings(tree, found)
    return Report(
        rev=rev,
        commit=workspace.commit,
        label=workspace.label,
        agents=tuple(a.name for a in workspace.agents),
        findings=findings,
    )


def render_text(report: Report) -> str:
    """One `file:line: field: severity rule: message` line per finding, then a summary."""
    rows = [_text_row(f) for f in report.findings]
    return log("".join(row + "\n" for row in [*rows, _summary(report)]))


def _text_row(finding: Finding) -> str:
    where = finding.file if finding.line is None else f"{finding.file}:{finding.line}"
    field = f" {finding.field}:" if finding.field else ""
    return f"{where}:{field} {finding.severity.value} {finding.rule.value}: {finding.message}"


def _summary(report: Report) -> str:
    errors, warnings = report.count(Severity.ERROR), report.count(Severity.WARNING)
    counts = [_plural(errors, "error"), _plural(warnings, "warning")]
    found = ", ".join(counts) if errors or warnings else "no findings"
    return f"{_plural(len(report.agents), 'agent')} checked in the {report.label}: {found}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def render_json(report: Report) -> str:
    """The versioned JSON report documented in docs/validate.md."""
    data = {
        "version": JSON_VERSION,
        "rev": report.rev,
        "commit": report.commit,
        "agents": list(report.agents),
        "ok": report.count(Severity.ERROR) == 0,
        "errors": report.count(Severity.ERROR),
        "warnings": report.count(Severity.WARNING),
        "findings": [finding_json(f) for f in report.findings],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
