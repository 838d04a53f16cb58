"""Render what `agentcd verify` found in a ledger: a text summary and JSON (version 1)."""

from __future__ import annotations

import json
from typing import Any

from agentcd.core.definition.digest import short
from agentcd.core.deploy.verify import LedgerCheck
from agentcd.render.inert import log

JSON_VERSION = 1


def render_text(check: LedgerCheck) -> str:
    bad = len(check.bad_bundles)
    lines = [
        f"{check.ledger}: {'intact' if check.intact else 'NOT intact'}",
        f"  records: {check.deployments} deployment(s), {check.evals} eval verdict(s)",
        f"  chain:   {_chain(check)}",
        f"  bundles: {len(check.bundles) - bad} ok, {bad} bad",
        *(f"    {bundle.digest}: {bundle.problem}" for bundle in check.bad_bundles),
    ]
    return log("\n".join(lines) + "\n")


def _chain(check: LedgerCheck) -> str:
    chain = check.chain
    unchained = f", {chain.unchained} unchained (written before the chain)"
    counts = f"{chain.linked} linked entr{'y' if chain.linked == 1 else 'ies'}"
    counts += unchained if chain.unchained else ""
    if chain.broken is not None:
        return f"BROKEN at {chain.broken.where}: {chain.broken.problem} (before it: {counts})"
    head = f", head #{chain.head.n} {short(chain.head.link)}" if chain.head.n else ""
    return f"intact, {counts}{head}"


def render_json(check: LedgerCheck) -> str:
    chain = check.chain
    broken = chain.broken
    data: dict[str, Any] = {
        "version": JSON_VERSION,
        "ledger": check.ledger,
        "intact": check.intact,
        "records": {"deployments": check.deployments, "evals": check.evals},
        "chain": {
            "intact": broken is None,
            "linked": chain.linked,
            "unchained": chain.unchained,
            "head": {"n": chain.head.n, "link": chain.head.link} if chain.head.n else None,
            "broken": {"at": broken.where, "problem": broken.problem} if broken else None,
        },
        "bundles": {
            "checked": len(check.bundles),
            "ok": len(check.bundles) - len(check.bad_bundles),
            "bad": [{"digest": b.digest, "problem": b.problem} for b in check.bad_bundles],
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
