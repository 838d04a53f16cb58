"""The pure core: models, canonical form, digests, diffs and decisions. No I/O."""
