"""The status matrix: every agent by every environment, from the ledger and live states. No I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from agentcd.core.deploy.drift import DriftState
from agentcd.core.deploy.ledger import Deployment, Slot


@dataclass(frozen=True, slots=True)
class Cell:
    """One agent in one environment."""

    current: Deployment | None
    pending: int | None  # seq of an unfinished deployment
    live: DriftState
    age: timedelta | None  # since the current deployment finished


@dataclass(frozen=True, slots=True)
class StatusRow:
    agent: str
    cells: tuple[Cell, ...]  # in environment order


@dataclass(frozen=True, slots=True)
class StatusView:
    environments: tuple[str, ...]
    rows: tuple[StatusRow, ...]
    now: datetime


def build_status(
    *,
    environments: Sequence[str],
    slots: Mapping[tuple[str, str], Slot],
    live: Mapping[tuple[str, str], DriftState],
    now: datetime,
) -> StatusView:
    """A row per agent that was ever deployed or runs anywhere, a cell per environment."""
    agents = sorted({a for a, _ in slots} | {a for a, _ in live})
    rows = tuple(
        StatusRow(
            agent,
            tuple(_cell(slots.get((agent, e)), live.get((agent, e)), now) for e in environments),
        )
        for agent in agents
    )
    return StatusView(environments=tuple(environments), rows=rows, now=now)


def _cell(slot: Slot | None, live: DriftState | None, now: datetime) -> Cell:
    current = slot.current if slot else None
    finished = current.finished_at or current.started_at if current else None
    return Cell(
        current=current,
        pending=slot.pending.seq if slot and slot.pending else None,
        live=live or DriftState.NOT_DEPLOYED,
        age=now - finished if finished else None,
    )


def age_text(age: timedelta | None) -> str:
    """`45s`, `12m`, `5h`, `3d`: the largest whole unit."""
    if age is None:
        return "-"
    seconds = max(0, int(age.total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
