"""How artifact values and comparison sides are shown inline, shared by the text renderers."""

from __future__ import annotations

import json
from typing import Any

from agentcd.core.diff.changes import Change, ChangeKind, Side

VALUE_LIMIT = 120  # characters of one value shown inline; the JSON output keeps it whole


def show_value(value: Any, *, limit: int = VALUE_LIMIT) -> str:
    """Compact JSON (so `1` and `"1"` look different), cut with an ellipsis past `limit`."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def show_side(side: Side) -> str:
    return f"{side.label} ({side.commit[:12]})" if side.commit else side.label


def shown_value(change: Change) -> Any:
    """The value worth showing for an added or removed item (the item itself)."""
    return change.after if change.kind is ChangeKind.ADDED else change.before


def line_counts(change: Change) -> str:
    diff = change.text_diff
    return f"+{diff.added} −{diff.removed} lines" if diff is not None else ""
