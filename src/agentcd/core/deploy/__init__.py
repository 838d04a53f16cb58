"""Deploying: the ledger's records, the promotion gate, outcomes, drift, status and the
approval brief. No I/O."""
