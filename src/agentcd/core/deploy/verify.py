"""What `agentcd verify` finds in a ledger: its hash chain (`chain`) and every stored bundle,
each bundle's digest recomputed from its artifact. No I/O."""

from __future__ import annotations

from dataclasses import dataclass

from agentcd.core.definition.bundle import read_bundle
from agentcd.core.deploy.chain import ChainCheck
from agentcd.errors import DefinitionError


@dataclass(frozen=True, slots=True)
class BundleCheck:
    """One stored bundle: the digest it is kept under, and what is wrong (None: nothing)."""

    digest: str
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class LedgerCheck:
    """A whole ledger, checked: its records, its chain and its bundles."""

    ledger: str  # the backend and place, for people
    deployments: int
    evals: int
    chain: ChainCheck
    bundles: tuple[BundleCheck, ...]

    @property
    def bad_bundles(self) -> tuple[BundleCheck, ...]:
        return tuple(b for b in self.bundles if b.problem is not None)

    @property
    def intact(self) -> bool:
        return self.chain.broken is None and not self.bad_bundles


def check_bundle(digest: str, text: str, *, where: str) -> BundleCheck:
    """A stored bundle read as `get_bundle` reads it, and kept under its own digest."""
    try:
        bundle = read_bundle(text, path=where)
    except DefinitionError as e:
        return BundleCheck(digest, str(e))
    if bundle.digest != digest:
        return BundleCheck(digest, f"{where}: it holds the bundle {bundle.digest}")
    return BundleCheck(digest)
