"""The environment lease: one promote or rollback of an environment at a time. No I/O.

A run takes the lease before it reads what the gate needs and gives it back after its last
record, so no other run can record in that environment between one's gate and its claim
(what Terraform's state lock and Atlantis's project lock do for a plan and its apply). A lease
whose holder died is taken over once it expires, or at once when the holder ran on the same
machine and its process is gone; its holder renews it while it works.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

# As long as an unfinished deployment is given before it is taken over (`PENDING_LEASE`).
LEASE_TTL = timedelta(minutes=10)


class Lease(BaseModel):
    """Who holds an environment, since when, and until when unless renewed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    environment: str
    token: str  # unique per run: only its holder renews or releases it
    holder: str  # who, for messages: the actor and where the run is
    host: str  # the machine the holder runs on, and its process: a dead holder is seen at once
    pid: int
    acquired_at: datetime
    expires_at: datetime

    def blocks(self, token: str, now: datetime, *, dead: str | None = None) -> bool:
        """Another run holds it, it has not expired, and it is not the run known to be `dead`."""
        return self.token not in (token, dead) and now < self.expires_at

    def renewed(self, now: datetime) -> Lease:
        return self.model_copy(update={"expires_at": now + LEASE_TTL})


def new_lease(
    environment: str, *, token: str, holder: str, now: datetime, host: str = "", pid: int = 0
) -> Lease:
    return Lease(
        environment=environment,
        token=token,
        holder=holder,
        host=host,
        pid=pid,
        acquired_at=now,
        expires_at=now + LEASE_TTL,
    )


def describe(lease: Lease) -> str:
    started = f"{lease.acquired_at:%Y-%m-%dT%H:%M:%SZ}"
    return f"{lease.holder} holds {lease.environment} since {started}"
