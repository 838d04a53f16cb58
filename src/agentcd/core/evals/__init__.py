"""Evals: suites, targets' wire formats, scoring, and the paired verdict the gate reads. No I/O."""
