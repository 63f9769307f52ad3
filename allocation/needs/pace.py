"""Pace of change: from last year's amounts towards this year's targets.

**NHS-style** (``pace="nhs"``, as NHS England moves allocations towards its fair-shares
targets). With last year's amounts ``L_i``, this year's targets ``T_i`` (adding up to the budget
``B``) and the overall growth ``G = B/ΣL − 1``:

* **A growth year** (``G ≥ 0``): every area first gets the **minimum growth** ``g`` (a parameter,
  default the lower of 0% and ``G``; it may not exceed ``G``): ``L_i (1 + g)``. The rest is
  **convergence money** for areas below target, either *furthest first* (areas are lifted to a
  common fraction ``r`` of their target, the furthest below first: ``max(L_i(1+g), r·T_i)``) or
  *by a common proportion* ``λ`` of each gap (``L_i(1+g) + λ·(T_i − L_i(1+g))``). No area is lifted
  above its target while another is below it (the rest can never exceed the gaps, since
  ``ΣT = B``).
* **A cut year** (``G < 0``): areas above target give first, the furthest above first, down to
  their target or the **largest cut allowed** (``max_decrease``), whichever is higher. If that
  is not enough, what remains is taken from everyone as a common percentage ``q`` (an area that
  has already given more keeps its larger cut; nobody beyond the largest cut allowed), so an
  area below target never loses a larger percentage than one above it. When even the largest
  cut from everyone is not enough, the cuts go past it (``met`` is ``False``).
* **No area more than X% below target** (``max_below_target``, optional): in a growth year the
  convergence money first lifts every area to ``(1 − X)·T_i``; in a cut year an area below target
  is cut no further than that. When the budget cannot do it, the rule is dropped for the year
  and ``met`` is ``False``.

An area without last year's amount (new) gets its target. The **glide path** repeats the same
rules year after year, with the budget growing (or shrinking) by the same percentage and targets
keeping their shares, and counts the years until each area is within ``AT_TARGET`` (1%) of its
target.

**Band** (``pace="band"``, the earlier method, kept so published scenarios recompute): each
change from last year is held within ``[L_i(1 − max_decrease), L_i(1 + max_increase)]`` and
everyone gets ``clip(s·T_i, low_i, high_i)`` with one common ``s``; its glide path repeats the
band.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import NeedDataError
from .scaling import fsum, scale_within

NHS = "nhs"
BAND = "band"
PACE_METHODS = (NHS, BAND)
FURTHEST = "furthest"
PROPORTIONAL = "proportional"
CONVERGENCE = (FURTHEST, PROPORTIONAL)

#: An area within this fraction of its target counts as at target (for the glide path).
AT_TARGET = 0.01
#: The glide path looks this many years ahead at most.
GLIDE_YEARS = 50

# How a line was settled by pace of change (codes; ``shares`` turns them into words).
BAND_LOW, BAND_HIGH, BAND_SCALED, BAND_UNMET = 3, 4, 5, 6
MINIMUM, TOWARDS, REACHED, GAVE, SHARED_CUT, KEPT, NEW = 7, 8, 9, 10, 11, 12, 13


@dataclass(frozen=True)
class PaceOutcome:
    """Unrounded amounts after pace of change, how each was settled, and whether every limit
    (largest cut, no area more than X% below target, the band) held.

    ``growth`` is the overall growth of the areas that had an amount last year;
    ``minimum_growth`` the minimum growth used (``None`` in a cut year, or for the band).
    """

    amounts: np.ndarray
    codes: np.ndarray
    met: bool
    growth: float
    minimum_growth: float | None


def band_pace(
    target: np.ndarray,
    previous: np.ndarray,
    has_previous: np.ndarray,
    budget: float,
    max_decrease: float | None,
    max_increase: float | None,
) -> PaceOutcome:
    """Hold each change from last year within its band, as near target as the budget allows."""
    low = np.where(
        has_previous & (max_decrease is not None), previous * (1.0 - (max_decrease or 0.0)), 0.0
    )
    high = np.where(
        has_previous & (max_increase is not None), previous * (1.0 + (max_increase or 0.0)), np.inf
    )
    total_low, total_high = fsum(low), float(high.sum())
    n = target.size
    growth = _growth(previous, has_previous, budget - fsum(target[~has_previous]))
    if total_low > budget or total_high < budget:
        # No amounts within every band add up to the budget: everyone moves past the band's
        # edge by the same proportion, and the result says so.
        edge = low if total_low > budget else high
        total_edge = fsum(edge)
        # (Every band can be empty only if last year was all zeros: then share as targeted.)
        amounts = edge * (budget / total_edge) if total_edge > 0 else target
        return PaceOutcome(amounts, np.full(n, BAND_UNMET, dtype=np.int8), False, growth, None)
    amounts = scale_within(target, low, high, budget)
    tolerance = 1e-9 * max(budget, 1.0) / n
    code = np.where(
        amounts <= low + tolerance,
        BAND_LOW,
        np.where(
            amounts >= high - tolerance,
            BAND_HIGH,
            np.where(np.abs(amounts - target) > tolerance, BAND_SCALED, 0),
        ),
    )
    code = np.where(
        has_previous, code, np.where(np.abs(amounts - target) > tolerance, BAND_SCALED, 0)
    )
    return PaceOutcome(amounts, code.astype(np.int8), True, growth, None)


def _growth(previous: np.ndarray, has_previous: np.ndarray, budget_of_old: float) -> float:
    last = fsum(previous[has_previous])
    return budget_of_old / last - 1.0 if last > 0 else 0.0


def nhs_pace(
    target: np.ndarray,
    previous: np.ndarray,
    has_previous: np.ndarray,
    budget: float,
    *,
    minimum_growth: float | None = None,
    convergence: str = FURTHEST,
    max_decrease: float | None = None,
    max_below_target: float | None = None,
) -> PaceOutcome:
    """NHS-style pace of change (see the module docstring); ``target`` adds up to ``budget``.

    Raises
    ------
    NeedDataError
        ``minimum_growth`` is more than the overall growth (``column="minimum_growth"``).
    """
    n = target.size
    amounts = target.astype(float).copy()
    codes = np.full(n, NEW, dtype=np.int8)
    old = has_previous
    budget_old = max(budget - fsum(target[~old]), 0.0)
    last = fsum(previous[old])
    if not old.any() or last <= 0:
        # Nobody had any money last year: this year's targets are this year's amounts.
        codes[old] = TOWARDS
        return PaceOutcome(amounts, codes, True, 0.0, None)
    growth = budget_old / last - 1.0
    t, prev = target[old], previous[old]
    tolerance = 1e-9 * max(budget, 1.0) / n
    if growth >= 0:
        g = 0.0 if minimum_growth is None else float(minimum_growth)
        if g > growth + 1e-12:
            raise NeedDataError(
                f"the minimum growth ({g:.2%}) is more than the budget grows ({growth:.2%})",
                column="minimum_growth",
            )
        new, met = _growth_year(t, prev, budget_old, g, convergence, max_below_target)
        base = prev * (1.0 + g)
        code = np.where(
            base >= t - tolerance,
            MINIMUM,
            np.where(
                new >= t - tolerance, REACHED, np.where(new > base + tolerance, TOWARDS, MINIMUM)
            ),
        )
        used: float | None = g
    else:
        new, met = _cut_year(t, prev, budget_old, max_decrease, max_below_target)
        code = np.where(prev > t, GAVE, np.where(new < prev - tolerance, SHARED_CUT, KEPT))
        used = None
    amounts[old] = new
    codes[old] = code
    return PaceOutcome(amounts, codes, met, growth, used)


def _growth_year(
    t: np.ndarray, prev: np.ndarray, budget: float, g: float, convergence: str, x: float | None
) -> tuple[np.ndarray, bool]:
    base = prev * (1.0 + g)
    # Lift towards a common fraction of target, furthest below first, never above target.
    furthest = scale_within(t, base, np.maximum(base, t), budget)
    met = True
    if x is not None:
        floor = np.maximum(base, (1.0 - x) * t)
        if fsum(floor) > budget:
            return furthest, False  # nobody can be lifted further: the rule is out of reach
    else:
        floor = base
    if convergence == FURTHEST:
        return furthest, met
    gap = np.maximum(t - floor, 0.0)
    total_gap = fsum(gap)
    rest = budget - fsum(floor)
    if total_gap <= 0:
        return floor, met
    return floor + gap * min(rest / total_gap, 1.0), met


def _cut_year(
    t: np.ndarray, prev: np.ndarray, budget: float, d: float | None, x: float | None
) -> tuple[np.ndarray, bool]:
    cut = fsum(prev) - budget
    above = prev > t
    largest = 1.0 if d is None else d
    for limit, rule in ((largest, x), (largest, None), (1.0, None)):
        # First the areas above target give, the furthest above first, down to their target
        # or the largest cut, whichever is higher.
        low = np.where(above, np.maximum(t, prev * (1.0 - limit)), prev)
        if fsum(prev - low) >= cut:
            new = prev.copy()
            new[above] = scale_within(t[above], low[above], prev[above], fsum(prev[above]) - cut)
            return new, limit == largest
        # Then everyone loses at least a common percentage q of last year's amount (those who
        # gave more keep their larger cut), within the largest cut and the X% rule.
        cap = np.full(prev.size, limit)
        if rule is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                protect = np.where(prev > 0, 1.0 - (1.0 - rule) * t / prev, 1.0)
            cap = np.where(above, cap, np.minimum(cap, np.maximum(protect, 0.0)))
        floor = prev * (1.0 - cap)
        if fsum(floor) <= budget:
            return scale_within(prev, floor, low, budget), limit == largest and rule is x
    raise AssertionError("a cut of up to 100% from everyone always fits")  # pragma: no cover


def glide_path(
    target: np.ndarray,
    amounts: np.ndarray,
    growth: float,
    *,
    minimum_growth: float | None,
    convergence: str,
    max_decrease: float | None,
    max_below_target: float | None,
    years: int = GLIDE_YEARS,
) -> list[int | None]:
    """Years to target at this pace: 0 for an area already within 1% of its target, else the
    number of further years, repeating this year's rules with the budget changing by
    ``growth`` each year and targets keeping their shares; ``None`` beyond ``years``.
    """
    g = minimum_growth
    if growth >= 0 and g is not None:
        g = min(g, growth)
    everyone = np.ones(target.size, dtype=bool)
    return _years_to_target(
        target,
        amounts,
        growth,
        lambda t, current, budget: (
            nhs_pace(
                t,
                current,
                everyone,
                budget,
                minimum_growth=g if growth >= 0 else None,
                convergence=convergence,
                max_decrease=max_decrease,
                max_below_target=max_below_target,
            ).amounts
        ),
        years,
    )


def band_glide_path(
    target: np.ndarray,
    amounts: np.ndarray,
    growth: float,
    *,
    max_decrease: float | None,
    max_increase: float | None,
    years: int = GLIDE_YEARS,
) -> list[int | None]:
    """``glide_path`` for the band: the same band year after year."""
    everyone = np.ones(target.size, dtype=bool)
    return _years_to_target(
        target,
        amounts,
        growth,
        lambda t, current, budget: (
            band_pace(t, current, everyone, budget, max_decrease, max_increase).amounts
        ),
        years,
    )


def _years_to_target(target, amounts, growth, step, years: int) -> list[int | None]:
    """Repeat ``step(targets, last year's amounts, budget) -> amounts`` year after year."""
    t = target.astype(float)
    current = amounts.astype(float)
    result: list[int | None] = [None] * t.size
    for year in range(years + 1):
        near = np.abs(current - t) <= np.maximum(AT_TARGET * t, 1.0)
        for i in np.flatnonzero(near).tolist():
            if result[i] is None:
                result[i] = year
        if all(r is not None for r in result) or year == years:
            break
        t = t * (1.0 + growth)
        current = step(t, current, fsum(t))
    return result
