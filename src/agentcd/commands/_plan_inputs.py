"""Gathering what `agentcd plan` needs: the two revisions, the ledger and live states, eval reports.

The ledger and the platforms are read through their protocols. Neither failing stops the plan:
a ledger that cannot be read, or a platform that cannot be opened, becomes a reason the
plan shows, and those states are `unknown`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from agentcd.adapters.ledger.protocol import Ledger
from agentcd.adapters.protocol import CiContext, Edges, Repository
from agentcd.commands._live import assess_agent
from agentcd.core.definition.model import Project, SqliteLedger
from agentcd.core.deploy.drift import AgentDrift
from agentcd.core.deploy.ledger import Slot, fold
from agentcd.core.review.environment import LedgerState, SlotKey
from agentcd.core.review.evals import EvalResult, read_eval_report
from agentcd.errors import AgentcdError, ConfigError, DefinitionError


@dataclass(frozen=True, slots=True)
class Revisions:
    """The base and head to compare; `head` None is the working tree."""

    base: str
    base_label: str
    head: str | None


def choose_revisions(
    repository: Repository, ci: CiContext, *, base: str | None, head: str | None
) -> Revisions:
    """`--base`/`--head` as given; else the change's head and the merge base with its base.

    Outside a change (a push, a local run) the head is the working tree and the base the
    merge base with the default branch, as for `agentcd diff`.
    """
    in_change = ci.change_number is not None or ci.event_name == "workflow_run"
    if head is None and ci.head_sha and in_change:
        head = ci.head_sha
    if base is not None:
        return Revisions(base, f"revision {base}", head)
    if repository.head_commit() is None:
        raise ConfigError(
            f"planning: {repository.root} has no git history to take a base from; pass --base"
        )
    if ci.base_sha:
        found = repository.merge_base(ci.base_sha, head or "HEAD")
        return Revisions(found, "merge base", head)
    branch = repository.default_branch()
    base = repository.merge_base(branch, head or "HEAD")
    return Revisions(base, f"merge base with {branch}", head)


def read_eval_reports(paths: Iterable[Path]) -> tuple[EvalResult, ...]:
    results: list[EvalResult] = []
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as e:
            raise DefinitionError(str(path), "", f"reading the eval report: {e}") from e
        results.extend(read_eval_report(data, source=path.name))
    return tuple(results)


def read_ledger_state(
    edges: Edges, project: Project, agents: Sequence[str], environments: Sequence[str]
) -> LedgerState:
    """The slots of every agent and the live state of `agents` in each of `environments`."""
    label = _label(project)
    try:
        ledger = edges.open_ledger(project.ledger, edges.detect_ci())
        records = ledger.history()
    except AgentcdError as e:
        return LedgerState(label=label, problem=str(e))
    slots = fold(records)
    live: dict[SlotKey, AgentDrift] = {}
    unreadable: dict[str, str] = {}
    for env in environments:
        if project.environment(env) is None:
            continue  # new in this change: nothing was ever deployed there
        try:
            live.update(_live(edges, project, ledger, env, agents, slots))
        except AgentcdError as e:
            unreadable[env] = str(e)
    return LedgerState(
        label=label, slots=slots, live=live, records=len(records), unreadable=unreadable
    )


def _live(
    edges: Edges,
    project: Project,
    ledger: Ledger,
    env: str,
    agents: Sequence[str],
    slots: dict[SlotKey, Slot],
) -> dict[SlotKey, AgentDrift]:
    platform = edges.open_platform(project, env)
    return {
        (agent, env): assess_agent(
            project, ledger, platform, agent, env, slots.get((agent, env)), detail=True
        )
        for agent in agents
    }


def _label(project: Project) -> str:
    config = project.ledger
    if isinstance(config, SqliteLedger):
        return config.path
    return f"git branch {config.branch}"
