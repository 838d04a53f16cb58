"""The `Ledger` protocol: the few operations promotion, rollback, status, drift and eval use.

Backend-neutral: a SQLite file, a git branch of JSON lines, or anything that can append a record
with compare-and-set on its (agent, environment) sequence number.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from agentcd.core.definition.bundle import Bundle
from agentcd.core.deploy.lease import Lease, describe
from agentcd.core.deploy.ledger import Deployment, EvalRecord, Status
from agentcd.core.deploy.verify import LedgerCheck
from agentcd.errors import LedgerError

__all__ = ["LeaseHeld", "Ledger", "LedgerError", "SequenceTaken"]


class LeaseHeld(Exception):
    """Another run holds the environment's lease (`core.deploy.lease`), and it has not expired.

    Not an `AgentcdError`: waiting for another run is a decision (exit 2), not a fault.
    """

    def __init__(self, lease: Lease) -> None:
        self.lease = lease
        super().__init__(describe(lease))


class SequenceTaken(Exception):
    """Another writer recorded this (agent, environment, seq) first: the append lost the race.

    Not an `AgentcdError`: losing a race is a decision (exit 2), not a fault.
    """

    def __init__(self, agent: str, environment: str, seq: int, holder: Deployment | None) -> None:
        self.agent, self.environment, self.seq, self.holder = agent, environment, seq, holder
        who = f" ({holder.actor}, {holder.status.value})" if holder else ""
        super().__init__(f"#{seq} of {agent} in {environment} was taken by another run{who}")


class Ledger(Protocol):
    """The record of what was deployed where, with the bundles to redeploy it."""

    def append(self, record: Deployment) -> None:
        """Add `record` if its seq is the next one for its (agent, environment); else raise
        `SequenceTaken`. Two concurrent appends of the same seq: exactly one succeeds."""
        ...

    def finish(
        self,
        agent: str,
        environment: str,
        seq: int,
        *,
        status: Status,
        finished_at: datetime,
        platform_versions: Mapping[str, str],
        note: str,
    ) -> Deployment:
        """Move an `in_progress` record to its final status, once; `SequenceTaken` if it is no
        longer in progress (another run finished it)."""
        ...

    def history(
        self, *, agent: str | None = None, environment: str | None = None
    ) -> tuple[Deployment, ...]:
        """Every record, optionally for one agent and/or environment, as stored (by seq)."""
        ...

    def put_bundle(self, bundle: Bundle) -> None:
        """Keep a bundle by its digest (idempotent), so rollback never rebuilds."""
        ...

    def get_bundle(self, digest: str) -> Bundle | None:
        """The stored bundle, verified (its digest recomputed), or None."""
        ...

    def record_eval(self, record: EvalRecord) -> None:
        """Keep an eval verdict for an artifact digest (append-only)."""
        ...

    def evals(self, *, agent: str | None = None) -> tuple[EvalRecord, ...]:
        """Recorded eval verdicts, oldest first."""
        ...

    def take_lease(self, lease: Lease, *, now: datetime, dead: str | None = None) -> None:
        """Hold `lease.environment` for `lease.token`, or renew it; `LeaseHeld` when another run
        holds it and its lease has not expired at `now` (a holder whose token is `dead` is
        taken over). Two runs taking it at once: exactly one succeeds."""
        ...

    def release_lease(self, environment: str, token: str) -> None:
        """Give the lease back, if `token` still holds it."""
        ...

    def batch(self) -> AbstractContextManager[None]:
        """Group the writes of a block: a backend may make them one write at the block's end
        (the git branch: one commit, one push), so `SequenceTaken` may come from there too, and
        then none of the block's writes is recorded. Writes made without it stand alone."""
        ...

    def verify(self) -> LedgerCheck:
        """Check the whole ledger: its hash chain (`core.deploy.chain`) and every stored bundle.
        A break is reported here, not raised; every other read raises `LedgerError` on one."""
        ...
