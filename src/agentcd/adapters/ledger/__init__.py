"""Ledger backends: where deployments, eval verdicts and bundles are recorded."""
