"""Drift: what a platform runs against what the ledger says was approved. No I/O.

Two detectors. Provenance: the live deployment digest or platform version is one the ledger
never recorded (or not the current one). Content: the normalized live configuration differs
from the rendered approved one, reported field by field. State is tri-valued; a live state that
could not be read is `unknown`, never `in_sync`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from agentcd.core.definition.canonical import canonical_bytes
from agentcd.core.definition.digest import digest_bytes, short
from agentcd.core.deploy.ledger import Deployment

MAX_DIFFERENCES = 50  # per agent; the count is kept, the rest is elided
_NAME_KEYS = ("name", "ref")


class Presence(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    UNREADABLE = "unreadable"


class DriftState(StrEnum):
    IN_SYNC = "in_sync"
    DRIFTED = "drifted"
    UNKNOWN = "unknown"
    NOT_DEPLOYED = "not_deployed"  # nothing recorded and nothing live


class DriftKind(StrEnum):
    PROVENANCE = "provenance"
    CONTENT = "content"


@dataclass(frozen=True)
class LiveState:
    """What a platform reports for one agent in one environment.

    `config` holds the managed fields as read, shaped like `render` output; `normalize` (the
    adapter's) maps it to the rendered form, e.g. canonical list order. It runs only when the
    config as read does not already hash to the recorded one.
    """

    presence: Presence
    config: Mapping[str, Any] | None = None
    deployment_digest: str | None = None
    version: str | None = None
    detail: str = ""
    normalize: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = field(
        default=None, compare=False, repr=False
    )

    @cached_property
    def normalized(self) -> Mapping[str, Any] | None:
        if self.config is None or self.normalize is None:
            return self.config
        return self.normalize(self.config)


@dataclass(frozen=True, slots=True)
class Difference:
    path: str
    approved: Any
    live: Any
    at: int = 0  # for two texts: where they first differ, so a report can show that part


@dataclass(frozen=True, slots=True)
class AgentDrift:
    agent: str
    environment: str
    state: DriftState
    kinds: tuple[DriftKind, ...]
    reasons: tuple[str, ...]
    differences: tuple[Difference, ...]
    more_differences: int
    expected: Deployment | None
    live_digest: str | None
    live_version: str | None


def config_digest(config: Mapping[str, Any]) -> str:
    """The digest of a rendered or normalized live configuration."""
    return digest_bytes(canonical_bytes(config))


def content_matches(expected: Deployment, live: LiveState) -> bool:
    """The live config, as read or else normalized, hashes to the recorded config digest."""
    if live.config is None:
        return False
    if config_digest(live.config) == expected.config_digest:
        return True
    normalized = live.normalized
    return normalized is not live.config and config_digest(normalized or {}) == (
        expected.config_digest
    )


def assess(
    *,
    agent: str,
    environment: str,
    expected: Deployment | None,
    live: LiveState,
    recorded: Sequence[Deployment],
    approved: Mapping[str, Any] | None,
) -> AgentDrift:
    """Compare one live state with the ledger. `approved` is the rendered config of `expected`
    (needed only when the content differs, to list the differences)."""
    kinds: list[DriftKind] = []
    reasons: list[str] = []
    differences: list[Difference] = []
    if live.presence is Presence.UNREADABLE:
        reasons.append(live.detail or "the live state could not be read")
    else:
        kinds, reasons = _provenance(expected, live, recorded)
    content = _content(expected, live, approved)
    if content is not None:
        kinds.append(DriftKind.CONTENT)
        differences = content
        reasons.append(_content_reason(differences))
    return AgentDrift(
        agent=agent,
        environment=environment,
        state=_state(expected, live, kinds),
        kinds=tuple(dict.fromkeys(kinds)),
        reasons=tuple(reasons),
        differences=tuple(differences[:MAX_DIFFERENCES]),
        more_differences=max(0, len(differences) - MAX_DIFFERENCES),
        expected=expected,
        live_digest=live.deployment_digest,
        live_version=live.version,
    )


def _content(
    expected: Deployment | None, live: LiveState, approved: Mapping[str, Any] | None
) -> list[Difference] | None:
    """None when the content matches (or there is nothing to compare), else the differences."""
    if expected is None or live.presence is not Presence.PRESENT:
        return None
    if content_matches(expected, live):
        return None
    return diff_configs(approved, live.normalized or {}) if approved else []


def _state(expected: Deployment | None, live: LiveState, kinds: list[DriftKind]) -> DriftState:
    if live.presence is Presence.UNREADABLE:
        return DriftState.UNKNOWN
    if kinds:
        return DriftState.DRIFTED
    if expected is None and live.presence is Presence.ABSENT:
        return DriftState.NOT_DEPLOYED
    return DriftState.IN_SYNC


def _content_reason(differences: list[Difference]) -> str:
    if not differences:
        return "the live configuration differs from the approved one"
    paths = ", ".join(d.path for d in differences[:3])
    more = f" and {len(differences) - 3} more" if len(differences) > 3 else ""
    return f"changed on the platform: {paths}{more}"


def _provenance(
    expected: Deployment | None, live: LiveState, recorded: Sequence[Deployment]
) -> tuple[list[DriftKind], list[str]]:
    if live.presence is Presence.ABSENT:
        if expected is None:
            return [], []
        return [DriftKind.PROVENANCE], [f"nothing runs, the ledger says #{expected.seq} should"]
    digest, version = live.deployment_digest, live.version
    if expected is None:
        return [DriftKind.PROVENANCE], ["runs something the ledger never recorded here"]
    if digest == expected.deployment_digest and _version_ok(expected, version):
        return [], []
    known = {r.deployment_digest: r for r in recorded}
    if digest is None or digest not in known:
        shown = short(digest) if digest else "no digest"
        return [DriftKind.PROVENANCE], [f"runs {shown}, which the ledger never recorded"]
    if digest != expected.deployment_digest:
        return [DriftKind.PROVENANCE], [
            f"runs #{known[digest].seq}'s deployment, the ledger says #{expected.seq}"
        ]
    return [DriftKind.PROVENANCE], [f"runs version {version}, which the ledger never recorded"]


def _version_ok(expected: Deployment, version: str | None) -> bool:
    recorded = expected.platform_versions.get("version")
    return recorded is None or version == recorded


def diff_configs(approved: Mapping[str, Any], live: Mapping[str, Any]) -> list[Difference]:
    """Field-by-field differences; name-keyed lists are compared by name, not position."""
    out: list[Difference] = []
    _diff("", approved, live, out)
    return out


def _diff(path: str, a: Any, b: Any, out: list[Difference]) -> None:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        for key in sorted(set(a) | set(b), key=str):
            sub = f"{path}.{key}" if path else str(key)
            _diff(sub, a.get(key, _MISSING), b.get(key, _MISSING), out)
    elif isinstance(a, list) and isinstance(b, list) and _keyed(a + b):
        _diff_keyed(path, a, b, out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _diff(f"{path}[{i}]", x, y, out)
    elif a != b or type(a) is not type(b):
        at = _first_difference(a, b) if isinstance(a, str) and isinstance(b, str) else 0
        out.append(Difference(path, None if a is _MISSING else a, None if b is _MISSING else b, at))


def _diff_keyed(path: str, a: list[Any], b: list[Any], out: list[Difference]) -> None:
    left, right = _by_name(a), _by_name(b)
    for key in sorted(set(left) | set(right)):
        _diff(f"{path}[{key}]", left.get(key, _MISSING), right.get(key, _MISSING), out)


def _first_difference(a: str, b: str) -> int:
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


def _keyed(items: list[Any]) -> bool:
    return bool(items) and all(
        isinstance(i, Mapping) and any(isinstance(i.get(k), str) for k in _NAME_KEYS) for i in items
    )


def _by_name(items: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key = next(str(item[k]) for k in _NAME_KEYS if isinstance(item.get(k), str))
        out[key] = item
    return out


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _Missing()
