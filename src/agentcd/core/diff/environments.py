"""What comparing two environments adds to the artifact diff: binding values, and live state.

Bindings are expected to differ per environment, so they are compared apart from the
artifacts. Each side also says whether what runs is what its ledger recorded. No I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from agentcd.core.definition.canonical import canonical_bytes, normalize_numbers
from agentcd.core.deploy.drift import AgentDrift, DriftState

NOT_PROVEN_IN_SYNC = (DriftState.DRIFTED, DriftState.UNKNOWN)


@dataclass(frozen=True, slots=True)
class BindingChange:
    """One binding whose value differs; None on a side where it is unset (a value never is)."""

    name: str
    base: Any
    head: Any


@dataclass(frozen=True, slots=True)
class AgentBindings:
    """The differing bindings of one agent deployed in both environments, by name."""

    agent: str
    changes: tuple[BindingChange, ...]


@dataclass(frozen=True, slots=True)
class LiveNote:
    """One agent's live state in an environment against its recorded release."""

    agent: str
    state: DriftState
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EnvironmentSide:
    """One environment as compared: its name and what runs there, agent by agent."""

    environment: str
    live: tuple[LiveNote, ...]

    def with_state(self, *states: DriftState) -> tuple[LiveNote, ...]:
        return tuple(n for n in self.live if n.state in states)


@dataclass(frozen=True, slots=True)
class EnvironmentComparison:
    """The part of an environment diff that is not the artifacts."""

    base: EnvironmentSide
    head: EnvironmentSide
    bindings: tuple[AgentBindings, ...]  # only agents with a differing binding
    compared: tuple[str, ...] = ()  # the agents deployed in both, whose bindings were compared

    @property
    def live_in_sync(self) -> bool:
        """No agent on either side is drifted or unknown (unknown is never in sync)."""
        return not any(side.with_state(*NOT_PROVEN_IN_SYNC) for side in (self.base, self.head))


def compare_environments(
    base: EnvironmentSide,
    head: EnvironmentSide,
    *,
    base_bindings: Mapping[str, Mapping[str, Any]],
    head_bindings: Mapping[str, Mapping[str, Any]],
) -> EnvironmentComparison:
    """Two environments' live state, and the bindings of each agent deployed in both."""
    return EnvironmentComparison(
        base=base,
        head=head,
        bindings=compare_bindings(base_bindings, head_bindings),
        compared=tuple(sorted(base_bindings.keys() & head_bindings.keys())),
    )


def compare_bindings(
    base: Mapping[str, Mapping[str, Any]], head: Mapping[str, Mapping[str, Any]]
) -> tuple[AgentBindings, ...]:
    """Per agent deployed on both sides (by name), the bindings whose values differ.

    Values are compared as the deployment digest hashes them: `1` and `1.0` are equal.
    """
    out = []
    for agent in sorted(base.keys() & head.keys()):
        changes = _binding_changes(base[agent], head[agent])
        if changes:
            out.append(AgentBindings(agent, changes))
    return tuple(out)


def _binding_changes(base: Mapping[str, Any], head: Mapping[str, Any]) -> tuple[BindingChange, ...]:
    return tuple(
        BindingChange(name, base.get(name), head.get(name))
        for name in sorted(base.keys() | head.keys())
        if _hashed(base.get(name)) != _hashed(head.get(name))
    )


def _hashed(value: Any) -> bytes | None:
    return None if value is None else canonical_bytes(normalize_numbers(value))


def live_notes(found: Iterable[AgentDrift]) -> tuple[LiveNote, ...]:
    """Drift assessments as notes, sorted by agent."""
    return tuple(
        LiveNote(d.agent, d.state, d.reasons) for d in sorted(found, key=lambda d: d.agent)
    )
