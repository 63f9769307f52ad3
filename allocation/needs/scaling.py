"""Exactly rounded sums and one common scale of targets within bounds.

Shared by the floor-and-ceiling procedure (``shares``) and pace of change (``pace``).
"""

from __future__ import annotations

import math

import numpy as np


def fsum(x: np.ndarray) -> float:
    """Exactly rounded sum, hence independent of the order of the neighbourhoods."""
    return math.fsum(x.tolist())


def scale_within(
    target: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    budget: float,
    population: np.ndarray | None = None,
) -> np.ndarray:
    """``clip(s·target, low, high)`` with the one ``s ≥ 0`` making it add up to ``budget``.

    The caller guarantees ``Σlow ≤ budget ≤ Σhigh``. Raising ``s`` from 0 lifts the amounts
    furthest below ``s·target`` (in proportion to their target) first; lowering it from a large
    value takes first from the amounts furthest above: a common level of amount-to-target.
    """
    # A zero (or vanishing) target could never take more than its low bound, however large s
    # grows; a tiny positive one lets it absorb money only when nobody else can. With
    # ``population`` the tiny target is per resident, so that two areas of (almost) no need
    # get the same per resident, and more need never means less per resident.
    # Targets are first divided by the largest (per resident), which changes only s: targets
    # far below the amounts (1e-280 of a pound) would otherwise need an s beyond any float.
    size = np.ones_like(target) if population is None else population
    largest = float((target / size).max()) if target.size else 0.0
    if largest > 0:
        target = target / largest
    target = np.maximum(target, 1e-12 * size)

    def total(s: float) -> float:
        return float(np.clip(s * target, low, high).sum())

    # Σhigh may fall short of the budget by a rounding error (a ceiling of exactly 1): reaching
    # the budget to within that is enough, and s must stay finite.
    reach = budget - 1e-13 * max(budget, 1.0)
    lo_s, hi_s = 0.0, 1.0
    while total(hi_s) < reach and hi_s < 1e200:
        lo_s, hi_s = hi_s, hi_s * 2.0
    for _ in range(200):
        mid = 0.5 * (lo_s + hi_s)
        if total(mid) < budget:
            lo_s = mid
        else:
            hi_s = mid
        if hi_s - lo_s <= 1e-15 * hi_s:
            break
    s = hi_s
    # Solve the final linear piece exactly, so the amounts add up to the budget.
    at_low = s * target <= low
    at_high = ~at_low & (s * target >= high)
    free = ~at_low & ~at_high
    if free.any():
        s = (budget - fsum(low[at_low]) - fsum(high[at_high])) / fsum(target[free])
    return np.clip(s * target, low, high)
