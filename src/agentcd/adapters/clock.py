"""The one place that reads the clock; commands pass the time on to the core."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Now, in UTC, to the second (ledger timestamps need no more)."""
    return datetime.now(UTC).replace(microsecond=0)
