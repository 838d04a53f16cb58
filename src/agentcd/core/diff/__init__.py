"""Semantic diff: what changed between two artifacts (or two environments), rated by risk.
No I/O."""
