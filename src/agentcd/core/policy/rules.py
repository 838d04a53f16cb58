"""Policy checks over a loaded workspace: findings with a stable rule id, severity, file and field.

No I/O. Line numbers of fields in YAML files are added by the caller (`parse.field_lines`);
findings inside inlined text files (instructions, tool specs, skill files) carry their line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from agentcd.core.definition.load import PROJECT_FILE, LoadedAgent, Workspace
from agentcd.core.definition.model import Requirement
from agentcd.core.definition.pinning import is_pinned
from agentcd.core.policy.secret_scan import scan_workspace


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Rule(StrEnum):
    """Stable rule ids: documented in docs/validate.md, never reused for another meaning."""

    FLOATING_MODEL = "AC101"
    SECRET_SHAPE = "AC102"
    SECRET_RANDOM = "AC103"
    UNAPPROVED_SIDE_EFFECTS = "AC104"
    NO_OWNER = "AC105"
    NO_EVALS = "AC106"
    MISSING_BINDING = "AC107"
    UNUSED_BINDING = "AC108"
    UNEXPRESSIBLE = "AC109"
    EPHEMERAL_STATE = "AC110"


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's complaint about one field; `line` is 1-based, None until located."""

    rule: Rule
    severity: Severity
    file: str
    field: str
    message: str
    line: int | None = None


def check_workspace(workspace: Workspace) -> tuple[Finding, ...]:
    """Every finding of every rule, sorted by file, line and field."""
    findings = [
        *_check_models(workspace),
        *_check_secrets(workspace),
        *(f for agent in workspace.agents for f in _check_agent(agent, workspace)),
        *_check_bindings(workspace),
    ]
    return sort_findings(findings)


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: (f.file, f.line or 0, f.field, f.rule.value)))


def _strict_environments(workspace: Workspace) -> list[str]:
    envs = workspace.project.environments
    return [e.name for e in envs if e.gate.pinned_models is Requirement.REQUIRED]


def _check_models(workspace: Workspace) -> Iterator[Finding]:
    strict = _strict_environments(workspace)
    severity = Severity.ERROR if strict else Severity.WARNING
    because = f"; environments {', '.join(strict)} require pinned models" if strict else ""
    for agent in workspace.agents:
        model = agent.definition.model
        ids = [("model.id", model.id)]
        ids += [(f"model.overrides.{key}", value) for key, value in model.overrides.items()]
        for field, model_id in ids:
            if not is_pinned(model_id):
                yield Finding(
                    Rule.FLOATING_MODEL,
                    severity,
                    agent.path,
                    field,
                    f"model id {model_id!r} is a floating alias, not a dated snapshot: "
                    f"the provider can change the model under the same digest{because}",
                )


def _check_secrets(workspace: Workspace) -> Iterator[Finding]:
    for hit in scan_workspace(workspace):
        rule = Rule.SECRET_RANDOM if hit.kind is None else Rule.SECRET_SHAPE
        what = _article(hit.kind) if hit.kind else "a random-looking value (a credential?)"
        where = f" ({hit.note})" if hit.note else ""
        yield Finding(
            rule,
            Severity.ERROR,
            hit.file,
            hit.field,
            f"{what} is written inline{where}: {hit.masked}; credentials do not belong in the "
            "repository, keep them in the CI secret store or the platform's connection settings",
            hit.line,
        )


def _article(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "AEIOU" else f"a {noun}"


def _check_agent(agent: LoadedAgent, workspace: Workspace) -> Iterator[Finding]:
    definition = agent.definition
    for i, tool in enumerate(definition.tools):
        if tool.side_effects and tool.approval is None:
            yield Finding(
                Rule.UNAPPROVED_SIDE_EFFECTS,
                Severity.WARNING,
                agent.path,
                f"tools[{i}].approval",
                f"tool {tool.name!r} has side effects and no approval setting: say 'always' "
                "(a person approves each call) or 'never' (it runs unattended)",
            )
    if not definition.metadata.owners:
        yield Finding(
            Rule.NO_OWNER,
            Severity.WARNING,
            agent.path,
            "metadata.owners",
            f"agent {agent.name!r} has no owner: name the team that answers for it",
        )
    if not definition.evals:
        yield _no_evals(agent, workspace)


def _no_evals(agent: LoadedAgent, workspace: Workspace) -> Finding:
    gated = [e.name for e in workspace.project.environments if e.gate.eval is Requirement.REQUIRED]
    because = f"; environments {', '.join(gated)} require an eval verdict" if gated else ""
    return Finding(
        Rule.NO_EVALS,
        Severity.WARNING,
        agent.path,
        "evals",
        f"agent {agent.name!r} has no eval suite{because}",
    )


def declared_bindings(agent: LoadedAgent) -> dict[str, str]:
    """Each binding name the agent declares -> the first field declaring it."""
    definition = agent.definition
    fields = [
        *((f"tools[{i}].binding", item.binding) for i, item in enumerate(definition.tools)),
        *((f"knowledge[{i}].binding", item.binding) for i, item in enumerate(definition.knowledge)),
        *(
            (f"guardrails[{i}].binding", item.binding)
            for i, item in enumerate(definition.guardrails)
        ),
    ]
    out: dict[str, str] = {}
    for field, name in fields:
        if name is not None:
            out.setdefault(name, field)
    return out


def _check_bindings(workspace: Workspace) -> Iterator[Finding]:
    users: dict[str, list[str]] = {}
    for agent in workspace.agents:
        for name, field in declared_bindings(agent).items():
            users.setdefault(name, []).append(f"{agent.name} ({agent.path}: {field})")
    for i, env in enumerate(workspace.project.environments):
        for name in sorted(set(users) - set(env.bindings)):
            yield Finding(
                Rule.MISSING_BINDING,
                Severity.ERROR,
                PROJECT_FILE,
                f"environments[{i}].bindings.{name}",
                f"environment {env.name!r} has no value for binding {name!r}, "
                f"declared by {', '.join(users[name])}",
            )
        for name in env.bindings:
            if name not in users:
                yield Finding(
                    Rule.UNUSED_BINDING,
                    Severity.WARNING,
                    PROJECT_FILE,
                    f"environments[{i}].bindings.{name}",
                    f"environment {env.name!r} gives binding {name!r} a value no agent uses",
                )
