"""`agentcd rollback`: restore an earlier deployment from the ledger's record of it.

The platform's pointer goes back to the version that deployment made when the platform still
has it (checked by its stamp); otherwise the stored bundle, with its recorded bindings, is
applied again. Either way the new deployment is a forward entry ("rollback to #N"); history
only grows.
"""

from __future__ import annotations

from pathlib import Path

import click

from agentcd.commands._common import edges as command_edges
from agentcd.commands._common import write_output
from agentcd.commands._deploy import execute, exit_code, holding
from agentcd.commands._services import (
    Services,
    deployment_options,
    identity,
    open_services,
    stored_bundle,
)
from agentcd.core.definition.load import load_project
from agentcd.core.deploy.gate import Decision, GateResult
from agentcd.core.deploy.ledger import CheckResult, Outcome, Slot, choose_rollback, fold
from agentcd.core.deploy.promotion import AgentOutcome, Proposal, Result
from agentcd.core.deploy.release import Release, make_release
from agentcd.errors import ConfigError
from agentcd.render.deploy.report import render_json, render_text


@click.command("rollback")
@click.option("--env", "environment", required=True, help="The environment to roll back.")
@click.option("--agent", "agents", multiple=True, help="Only this agent (repeatable).")
@click.option("--to", "to", default=None, help="Restore this artifact digest (7+ hex digits).")
@click.option("--steps", type=click.IntRange(min=1), default=1, show_default=True,
              help="Go back this many good deployments.")  # fmt: skip
@deployment_options("rolls back")
@click.pass_context
def command(
    ctx: click.Context,
    environment: str,
    agents: tuple[str, ...],
    to: str | None,
    steps: int,
    dry_run: bool,
    actor: str | None,
    approvers: tuple[str, ...],
    mirror: bool | None,
    lock_timeout: float,
    fmt: str,
    output: Path | None,
) -> int:
    """Restore the last good deployment (or --to a digest) of agents in an environment."""
    if to is not None and len(agents) != 1:
        raise ConfigError("rolling back: --to needs exactly one --agent")
    edges = command_edges(ctx)
    with edges.repository.tree(None) as work:
        project = load_project(work)
    svc = open_services(edges, project, environment, mirror=mirror)
    who = identity(svc, actor, approvers)
    with holding(svc, who, dry_run=dry_run, wait=lock_timeout) as held:
        proposals: list[Proposal] = []
        refused: list[AgentOutcome] = []
        for slot in chosen_slots(svc, agents):  # read under the lease: nothing moves meanwhile
            choice = choose_rollback(slot, to=to, steps=steps)
            if choice.target is None:
                refused.append(_nothing_to_restore(slot, choice.reason))
            else:
                proposals.append(restore(svc, slot, choice.target.seq))
        report = execute(
            svc, proposals, who, command="rollback", dry_run=dry_run, refused=refused, held=held
        )
    write_output(render_json(report) if fmt == "json" else render_text(report), output)
    return exit_code(report)


def chosen_slots(svc: Services, agents: tuple[str, ...]) -> list[Slot]:
    env = svc.environment.name
    slots = {a: s for (a, _), s in fold(svc.ledger.history(environment=env)).items()}
    unknown = sorted(set(agents) - set(slots))
    if unknown:
        raise ConfigError(f"rolling back: {', '.join(unknown)} never deployed to {env}")
    chosen = [s for a, s in sorted(slots.items()) if not agents or a in agents]
    if not chosen:
        raise ConfigError(f"rolling back: nothing was ever deployed to {env}")
    return chosen


def restore(svc: Services, slot: Slot, seq: int) -> Proposal:
    """The proposal re-applying deployment #seq exactly: its bundle with its recorded bindings."""
    target = next(r for r in slot.history if r.seq == seq)
    bundle = stored_bundle(svc.ledger, target.artifact_digest, slot.agent)
    release = make_release(
        svc.environment,
        artifact=bundle.artifact,
        artifact_digest=bundle.digest,
        commit=target.commit,
        bindings=target.bindings,
    )
    problem = None
    if release.deployment_digest != target.deployment_digest:
        problem = f"#{seq}'s stored bundle and bindings no longer hash to its deployment digest"
    return Proposal(
        release=release,
        bundle=bundle,
        expected_digest=target.artifact_digest,
        integrity_problem=problem,
        rollback_of=seq,
        restore_version=target.platform_versions.get("version"),
    )


def _nothing_to_restore(slot: Slot, reason: str) -> AgentOutcome:
    current = slot.current
    release = Release(
        agent=slot.agent,
        environment=slot.environment,
        artifact={},
        artifact_digest=current.artifact_digest if current else "",
        bindings={},
        deployment_digest=current.deployment_digest if current else "",
        commit=current.commit if current else None,
    )
    check = CheckResult(name="rollback", outcome=Outcome.FAIL, reason=reason)
    return AgentOutcome(release, GateResult(Decision.REFUSED, (check,), None), Result.REFUSED)
