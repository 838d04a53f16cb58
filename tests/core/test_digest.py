"""`core.digest`: artifact digests and per-environment deployment digests."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from agentcd.core.definition.canonical import canonical_bytes
from agentcd.core.definition.digest import (
    DIGEST_RE,
    agent_bindings,
    artifact_digest,
    deployment_digest,
    digest_bytes,
    short,
)

ART: dict[str, Any] = {
    "canonical_version": 1,
    "tools": [{"name": "t", "binding": "crm"}],
    "knowledge": [{"name": "k", "binding": "kb"}],
}
A = "sha256:" + "a" * 64


def test_digest_bytes_is_sha256_with_a_prefix() -> None:
    assert digest_bytes(b"") == "sha256:" + hashlib.sha256(b"").hexdigest()
    assert DIGEST_RE.match(digest_bytes(b"x"))


def test_artifact_digest_hashes_the_canonical_bytes() -> None:
    assert artifact_digest(ART) == digest_bytes(canonical_bytes(ART))
    assert artifact_digest(ART) == artifact_digest(dict(reversed(list(ART.items()))))


def test_agent_bindings_takes_only_what_the_artifact_uses() -> None:
    values = {"crm": "https://crm", "kb": "kb-1", "other": "x"}
    assert agent_bindings(ART, values) == {"crm": "https://crm", "kb": "kb-1"}
    assert agent_bindings(ART, {"crm": "https://crm"}) == {"crm": "https://crm"}


@pytest.mark.parametrize(
    ("left", "right", "equal"),
    [
        ({"crm": "x", "kb": "y"}, {"kb": "y", "crm": "x"}, True),
        ({"n": 1}, {"n": 1.0}, True),
        ({"crm": {"url": "x", "timeout": 3}}, {"crm": {"timeout": 3, "url": "x"}}, True),
        ({"crm": "x"}, {"crm": "y"}, False),
        ({"crm": "x"}, {}, False),
        ({"n": 1}, {"n": "1"}, False),
        ({"b": True}, {"b": 1}, False),
    ],
)
def test_deployment_digest(left: dict[str, Any], right: dict[str, Any], equal: bool) -> None:
    assert (deployment_digest(A, left) == deployment_digest(A, right)) is equal


def test_deployment_digest_depends_on_the_artifact() -> None:
    b = "sha256:" + "b" * 64
    assert deployment_digest(A, {}) != deployment_digest(b, {})
    assert deployment_digest(A, {}) != A
    assert deployment_digest(A, {}) == digest_bytes(
        b'{"artifact":"' + A.encode() + b'","bindings":{},"canonical_version":1}'
    )


def test_short() -> None:
    assert short(A) == "a" * 12
    assert short(A, 7) == "a" * 7
