"""The git ledger's lease files: `leases/<env>.json` holds who has the environment (`{}` when
nobody does), taken and given back by compare-and-set like every other edit. No I/O."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from agentcd.adapters.ledger.jsonl import file_component
from agentcd.adapters.ledger.protocol import LeaseHeld, LedgerError
from agentcd.core.deploy.lease import Lease

FREE = b"{}\n"


def lease_path(environment: str) -> str:
    return f"leases/{file_component(environment)}.json"


def read_lease(data: bytes | None, where: str) -> Lease | None:
    if not data or data.strip() == b"{}":
        return None
    try:
        return Lease.model_validate_json(data)
    except ValidationError as e:
        raise LedgerError(f"reading the ledger {where}: a corrupt lease: {e}") from e


@dataclass(frozen=True, slots=True)
class TakeLease:
    """Hold (or renew) an environment's lease unless another run holds it unexpired."""

    lease: Lease
    now: datetime
    dead: str | None = None  # the token of a holder known to have died

    @property
    def path(self) -> str:
        return lease_path(self.lease.environment)

    def describe(self) -> str:
        return f"lease {self.lease.environment} to {self.lease.holder}"

    def apply(self, current: bytes | None) -> bytes:
        held = read_lease(current, self.path)
        if held is not None and held.blocks(self.lease.token, self.now, dead=self.dead):
            raise LeaseHeld(held)
        return (json.dumps(json.loads(self.lease.model_dump_json())) + "\n").encode()


@dataclass(frozen=True, slots=True)
class ReleaseLease:
    """Give an environment's lease back, if this run still holds it."""

    environment: str
    token: str

    @property
    def path(self) -> str:
        return lease_path(self.environment)

    def describe(self) -> str:
        return f"release the lease of {self.environment}"

    def apply(self, current: bytes | None) -> bytes | None:
        held = read_lease(current, self.path)
        return FREE if held is not None and held.token == self.token else None


LeaseEdit = TakeLease | ReleaseLease
