"""Wilson interval and exact McNemar against values computed by hand."""

from __future__ import annotations

import pytest

from agentcd.core.evals.stats import mcnemar_exact, wilson_interval


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # p = .5, z² = 3.8415: centre .5, half = 1.96·√(.025 + .0096)/1.3841 = .2634
        (5, 10, 0.2366, 0.7634),
        # p = 0: high = z²/n / (1 + z²/n) = .38415/1.38415
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        # p = .75, n = 4: centre (.75 + .4802)/1.9604 = .6275, half .3247
        (3, 4, 0.3006, 0.9544),
    ],
)
def test_wilson_interval(successes: int, n: int, low: float, high: float) -> None:
    interval = wilson_interval(successes, n)
    assert interval is not None
    assert interval == pytest.approx((low, high), abs=5e-4)


def test_wilson_needs_trials() -> None:
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


@pytest.mark.parametrize(
    ("regressed", "improved", "p"),
    [
        (0, 0, 1.0),  # no discordant pair: no evidence
        (1, 0, 1.0),  # 2 · C(1,0)/2 = 1
        (3, 0, 0.25),  # 2 · 1/8
        (5, 1, 0.21875),  # 2 · (C(6,0) + C(6,1))/64 = 14/64
        (0, 5, 0.0625),  # symmetric: 2 · 1/32
        (10, 0, 0.001953125),  # 2/1024
        (1, 1, 1.0),  # 2 · 3/4 capped at 1
        (8, 2, 0.109375),  # 2 · (1 + 10 + 45)/1024 = 112/1024
    ],
)
def test_mcnemar_exact(regressed: int, improved: int, p: float) -> None:
    assert mcnemar_exact(regressed, improved) == pytest.approx(p, rel=1e-12)


def test_mcnemar_handles_many_pairs_without_overflow() -> None:
    assert mcnemar_exact(600, 600) == 1.0
    assert 0 < mcnemar_exact(700, 500) < 1e-7
