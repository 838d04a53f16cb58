"""Digests: `sha256:<hex>` of canonical bytes, for artifacts and per-environment deployments.

No I/O.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from agentcd.core.definition.canonical import (
    CANONICAL_VERSION,
    binding_names,
    canonical_bytes,
    normalize_numbers,
)

DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")


def digest_bytes(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def artifact_digest(artifact: Mapping[str, Any]) -> str:
    """The digest of a canonical artifact (`canonical_version` is inside it)."""
    return digest_bytes(canonical_bytes(artifact))


def agent_bindings(artifact: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """The binding values an artifact uses, out of an environment's bindings (missing: absent)."""
    return {name: values[name] for name in binding_names(artifact) if name in values}


def deployment_digest(artifact_digest: str, bindings: Mapping[str, Any]) -> str:
    """H(artifact digest, the environment's canonical binding values for this agent)."""
    return digest_bytes(
        canonical_bytes(
            {
                "artifact": artifact_digest,
                "bindings": normalize_numbers(dict(bindings)),
                "canonical_version": CANONICAL_VERSION,
            }
        )
    )


def short(digest: str, length: int = 12) -> str:
    """`sha256:abcdef...` -> `abcdef123456`, for people to read."""
    return digest.split(":", 1)[-1][:length]
