"""A release: one artifact with one environment's binding values. No I/O.

Its deployment digest is what that environment will run. The gate judges a release, the ledger
records it, a platform renders it: the same value all the way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agentcd.core.definition.canonical import binding_names
from agentcd.core.definition.digest import agent_bindings, deployment_digest
from agentcd.core.definition.model import Environment


@dataclass(frozen=True, slots=True)
class Release:
    """One artifact with one environment's binding values: what a deployment makes run."""

    agent: str
    environment: str
    artifact: Mapping[str, Any]
    artifact_digest: str
    bindings: Mapping[str, Any]
    deployment_digest: str
    commit: str | None = None
    missing_bindings: tuple[str, ...] = ()  # bindings the artifact uses that have no value here


def make_release(
    environment: Environment,
    *,
    artifact: Mapping[str, Any],
    artifact_digest: str,
    commit: str | None,
    bindings: Mapping[str, Any] | None = None,
) -> Release:
    """The release of an artifact in an environment, with the bindings it lacks a value for.

    `bindings` replaces the environment's values (a rollback restores the recorded ones).
    """
    values = environment.bindings if bindings is None else bindings
    used = agent_bindings(artifact, values)
    return Release(
        agent=str(artifact["metadata"]["name"]),
        environment=environment.name,
        artifact=artifact,
        artifact_digest=artifact_digest,
        bindings=used,
        deployment_digest=deployment_digest(artifact_digest, used),
        commit=commit,
        missing_bindings=tuple(name for name in binding_names(artifact) if name not in values),
    )
