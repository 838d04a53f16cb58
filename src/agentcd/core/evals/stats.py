"""The statistics the gate reports: a Wilson score interval and an exact McNemar test. No I/O.

Both work on counts of cases (the task is the unit of inference; a case's repeated trials are
first reduced to one outcome by its pass policy, never pooled as independent samples).
"""

from __future__ import annotations

import math

Z_95 = 1.959963984540054  # two-sided 95%


def wilson_interval(successes: int, n: int, *, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval for a binomial proportion; None when there is no trial."""
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be within 0..{n}, got {successes}")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def mcnemar_exact(regressed: int, improved: int) -> float:
    """Two-sided exact McNemar p-value from the discordant pairs.

    `regressed` = passed on the base and fails on the head; `improved` = the reverse. Under the
    null hypothesis each discordant pair is a fair coin, so p = 2·P(X ≤ min(b, c)) for
    X ~ Binomial(b + c, ½), capped at 1. No discordant pair: p = 1.
    """
    if regressed < 0 or improved < 0:
        raise ValueError("counts must not be negative")
    n = regressed + improved
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(regressed, improved) + 1))
    return min(1.0, tail / (1 << (n - 1)))
