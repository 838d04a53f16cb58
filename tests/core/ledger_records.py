"""Builders for ledger records in tests: short digests from one letter, fixed times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from agentcd.core.deploy.ledger import CheckResult, Deployment, Kind, Outcome, Status

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def digest(letter: str) -> str:
    return "sha256:" + letter * 64


def dep(seq: int, letter: str, status: Status = Status.SUCCEEDED, **extra: Any) -> Deployment:
    """Deployment #seq of agent `a` in `prod`, artifact `letter`, deployment `letter.upper()`."""
    fields: dict[str, Any] = {
        "agent": "a",
        "environment": "prod",
        "seq": seq,
        "status": status,
        "artifact_digest": digest(letter),
        "deployment_digest": digest(letter.upper() if letter.isalpha() else letter),
        "actor": "ana",
        "started_at": T0 + timedelta(hours=seq),
        "finished_at": T0 + timedelta(hours=seq, minutes=1),
        "gate": (CheckResult(name="digest", outcome=Outcome.PASS, reason="ok"),),
    }
    fields.update(extra)
    return Deployment(**fields)


def rollback(seq: int, letter: str, to: int) -> Deployment:
    return dep(seq, letter, kind=Kind.ROLLBACK, rollback_to=to)


def failed_gate() -> tuple[CheckResult, ...]:
    return (CheckResult(name="eval", outcome=Outcome.FAIL, reason="recorded by an old version"),)
