"""How an environment diff's bindings and live state are worded, shared by the text renderers.

A `Style` says how names, prose and commands are marked up, so the terminal and Markdown
renderings say the same sentences.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agentcd.core.deploy.drift import DriftState
from agentcd.core.diff.environments import EnvironmentComparison, EnvironmentSide, LiveNote
from agentcd.render.values import show_value

BINDINGS_TITLE = "Bindings (expected to differ per environment)"
LIVE_TITLE = "Live state"
UNSET = "(unset)"


@dataclass(frozen=True, slots=True)
class Style:
    name: Callable[[str], str]  # an agent or environment name
    text: Callable[[str], str]  # prose taken from data (reasons)
    command: Callable[[str], str]  # a command to run


def binding_value(value: Any) -> str:
    """A binding value as JSON (so `1` and `"1"` differ), or `(unset)` where there is none."""
    return UNSET if value is None else show_value(value)


def same_bindings(envs: EnvironmentComparison, style: Style) -> str:
    """What to say when no binding differs: that they are equal, or that nothing is shared."""
    names = f"{style.name(envs.base.environment)} and {style.name(envs.head.environment)}"
    if not envs.compared:
        return f"No agent is deployed in both {names}."
    return f"Every agent deployed in both has the same binding values in {names}."


def live_lines(side: EnvironmentSide, style: Style) -> list[str]:
    return [*alarm_lines(side, style), *calm_lines(side, style)]


def alarm_lines(side: EnvironmentSide, style: Style) -> list[str]:
    """One sentence per agent not proven to run its recorded release."""
    return [
        _not_in_sync(side.environment, note, style)
        for note in side.with_state(DriftState.DRIFTED, DriftState.UNKNOWN)
    ]


def calm_lines(side: EnvironmentSide, style: Style) -> list[str]:
    """The other agents, one line per state; or that nothing is there at all."""
    env = style.name(side.environment)
    if not side.live:
        return [f"{env}: no agent is deployed or running"]
    lines = []
    for state, words in (
        (DriftState.IN_SYNC, "in sync"),
        (DriftState.NOT_DEPLOYED, "not deployed"),
    ):
        group = side.with_state(state)
        if group:
            lines.append(f"{env}: {words}: " + ", ".join(style.name(n.agent) for n in group))
    return lines


def _not_in_sync(environment: str, note: LiveNote, style: Style) -> str:
    env, agent = style.name(environment), style.name(note.agent)
    why = style.text("; ".join(note.reasons)) if note.reasons else ""
    run = f"run {style.command(f'agentcd drift --env {environment}')}"
    if note.state is DriftState.UNKNOWN:
        because = f" ({why})" if why else ""
        return (
            f"{env}: {agent} is unknown — its live state could not be read{because}, "
            f"so it is not known to run its recorded release; {run}"
        )
    because = f" ({why})" if why else ""
    return f"{env}: {agent} is drifted — what runs is not its recorded release{because}; {run}"
