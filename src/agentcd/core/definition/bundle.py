"""Bundles: one agent's artifact with its digest and source, self-contained for deployment.

A bundle is trusted only after `read_bundle` recomputes the digest from the artifact. No I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agentcd.core.definition.canonical import CANONICAL_VERSION, canonicalize
from agentcd.core.definition.digest import DIGEST_RE, artifact_digest
from agentcd.errors import DefinitionError, TamperedBundle

BUNDLE_VERSION = 1


@dataclass(frozen=True, slots=True)
class Bundle:
    name: str
    digest: str
    artifact: Mapping[str, Any]
    commit: str | None
    path: str


def make_bundle(*, name: str, artifact: Mapping[str, Any], commit: str | None, path: str) -> Bundle:
    return Bundle(
        name=name, digest=artifact_digest(artifact), artifact=artifact, commit=commit, path=path
    )


def bundle_to_json(bundle: Bundle) -> str:
    data = {
        "bundle_version": BUNDLE_VERSION,
        "name": bundle.name,
        "digest": bundle.digest,
        "source": {"commit": bundle.commit, "path": bundle.path},
        "artifact": bundle.artifact,
    }
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def read_bundle(text: str, *, path: str) -> Bundle:
    """Parse a bundle file and verify it: the recomputed digest must equal the recorded one.

    The artifact comes back in canonical form whatever order the file lists it in.
    """
    data = _load_json(text, path=path)
    artifact, digest = data.get("artifact"), data.get("digest")
    if not isinstance(artifact, dict) or not isinstance(digest, str) or not DIGEST_RE.match(digest):
        raise DefinitionError(path, "digest", "missing or malformed artifact or digest")
    if artifact.get("canonical_version") != CANONICAL_VERSION:
        raise DefinitionError(
            path, "artifact.canonical_version", f"expected {CANONICAL_VERSION} (rebuild the bundle)"
        )
    try:
        canonical = canonicalize(artifact)
        actual = artifact_digest(canonical)
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise DefinitionError(path, "artifact", f"not a canonical artifact: {e!r}") from e
    if actual != digest:
        raise TamperedBundle(path, digest, actual)
    metadata, source = canonical.get("metadata"), data.get("source") or {}
    name = data.get("name")
    if not isinstance(metadata, dict) or name != metadata.get("name"):
        raise DefinitionError(path, "name", f"{name!r} is not the artifact's metadata.name")
    if not isinstance(source, dict):
        raise DefinitionError(path, "source", "must be a mapping with commit and path")
    return Bundle(
        name=str(name),
        digest=digest,
        artifact=canonical,
        commit=source.get("commit"),
        path=str(source.get("path", "")),
    )


def _load_json(text: str, *, path: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        message = f"not a bundle: invalid JSON ({e.msg}, line {e.lineno})"
        raise DefinitionError(path, "", message) from e
    if not isinstance(data, dict) or data.get("bundle_version") != BUNDLE_VERSION:
        found = data.get("bundle_version") if isinstance(data, dict) else None
        raise DefinitionError(
            path, "bundle_version", f"expected {BUNDLE_VERSION}, found {found!r} (not a bundle?)"
        )
    return data
