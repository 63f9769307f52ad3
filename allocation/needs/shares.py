"""Needs-weighted shares of a budget (proportionate universalism), with floors, ceilings and
pace of change, in whole pounds that add up exactly.

For neighbourhoods ``i`` with population ``P_i`` and need ``N_i`` (``N̄`` the population-weighted
mean need), budget ``B``, universal fraction ``u`` and gradient ``α``::

    share_i = u · P_i / ΣP  +  (1 − u) · P_i (N_i/N̄)^α / Σ_j P_j (N_j/N̄)^α

* **Floor** ``f``: nobody gets less than ``f · B · P_i/ΣP``. Those the formula puts below it
  are fixed at the floor and the rest of the budget is shared among the others by the same
  formula, repeatedly, until nobody else falls below. A **ceiling** ``c`` works the same way
  from above (floors are settled first in each round).
* The amounts after floors and ceilings are the **targets**. With last year's amounts, **pace
  of change** moves from them towards the targets (see ``pace``: NHS-style minimum growth and
  convergence, or the earlier band).
* **Rounding**: largest remainder (see ``rounding``), so whole pounds add up to ``B`` exactly.

Every line keeps the figures it was computed from, and ``ShareLine.explanation`` says so in
words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from .errors import NeedDataError
from .lines import (
    CEILING,
    FLOOR,
    FORMULA,
    PACE_GAVE,
    PACE_HIGH,
    PACE_KEPT,
    PACE_LOW,
    PACE_MINIMUM,
    PACE_NEW,
    PACE_REACHED,
    PACE_SCALED,
    PACE_SHARED_CUT,
    PACE_TOWARDS,
    PACE_UNMET,
    Neighbourhood,
    ShareLine,
    ShareRules,
    SharesResult,
)
from .pace import (
    BAND,
    BAND_HIGH,
    BAND_LOW,
    BAND_SCALED,
    BAND_UNMET,
    CONVERGENCE,
    FURTHEST,
    GAVE,
    KEPT,
    MINIMUM,
    NEW,
    NHS,
    PACE_METHODS,
    REACHED,
    SHARED_CUT,
    TOWARDS,
    band_glide_path,
    band_pace,
    glide_path,
    nhs_pace,
)
from .rounding import largest_remainder
from .scaling import fsum, scale_within


def _check_rules(rules: ShareRules) -> None:
    budget = rules.budget
    if isinstance(budget, bool) or not isinstance(budget, int | np.integer) or budget < 0:
        raise NeedDataError(
            "the budget must be a whole number of pounds, 0 or more", column="budget"
        )

    def number(name: str, low: float, high: float, what: str) -> None:
        value = getattr(rules, name)
        if value is None:
            return
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float | np.number)
            or not math.isfinite(value)
            or not low <= value <= high
        ):
            raise NeedDataError(f"{name.replace('_', ' ')} must be {what}", column=name)

    number("universal", 0.0, 1.0, "between 0 and 1")
    number("alpha", 0.0, math.inf, "a number of 0 or more")
    number("floor", 0.0, 1.0, "between 0 and 1 (a multiple of the per-capita amount)")
    number("ceiling", 1.0, math.inf, "1 or more (a multiple of the per-capita amount)")
    number("max_decrease", 0.0, 1.0, "between 0 and 1 (0.05 = 5%)")
    number("max_increase", 0.0, math.inf, "0 or more (0.10 = 10%)")
    number("minimum_growth", -1.0, 10.0, "between -1 and 10 (0.01 = 1%)")
    number("max_below_target", 0.0, 1.0, "between 0 and 1 (0.05 = 5%)")
    if rules.pace is not None and rules.pace not in PACE_METHODS:
        raise NeedDataError(f"pace must be one of {', '.join(PACE_METHODS)}", column="pace")
    if rules.convergence not in CONVERGENCE:
        raise NeedDataError(
            f"convergence must be one of {', '.join(CONVERGENCE)}", column="convergence"
        )
    if rules.pace == NHS and rules.max_increase is not None:
        raise NeedDataError(
            "NHS-style pace of change puts no limit on rises (convergence money goes to the "
            "areas furthest below target); leave max increase empty or choose the band",
            column="max_increase",
        )
    nhs_only = ("minimum_growth", "max_below_target")
    for name in nhs_only:
        if rules.pace_method != NHS and getattr(rules, name) is not None:
            raise NeedDataError(
                f"{name.replace('_', ' ')} is a rule of NHS-style pace of change (pace='nhs')",
                column=name,
            )


def _check_neighbourhoods(neighbourhoods: Sequence[Neighbourhood]) -> None:
    if not neighbourhoods:
        raise NeedDataError("there are no neighbourhoods to share the budget among")
    ids = [n.id for n in neighbourhoods]
    numbers = (int, float, np.integer, np.floating)
    fast = (
        len(set(ids)) == len(ids)
        and all(isinstance(i, str) and i.strip() for i in ids)
        and all(
            isinstance(n.population, numbers)
            and isinstance(n.need, numbers)
            and not isinstance(n.population, bool)
            for n in neighbourhoods
        )
        and all(n.previous_amount is None for n in neighbourhoods)
    )
    if fast:
        population = np.array([n.population for n in neighbourhoods], dtype=float)
        need = np.array([n.need for n in neighbourhoods], dtype=float)
        if np.all(np.isfinite(population) & (population > 0)) and np.all(
            np.isfinite(need) & (need >= 0)
        ):
            return
    # Something is wrong (or there are last year's amounts to check): find the first fault,
    # one neighbourhood at a time, to name it.
    seen: set[str] = set()
    for row, n in enumerate(neighbourhoods, start=1):
        if not isinstance(n.id, str) or not n.id.strip():
            raise NeedDataError("the neighbourhood id is missing", row=row, column="id")
        if n.id in seen:
            raise NeedDataError(f"neighbourhood {n.id} appears twice", row=row, column="id")
        seen.add(n.id)
        if isinstance(n.population, bool) or not (
            isinstance(n.population, numbers) and math.isfinite(n.population) and n.population > 0
        ):
            raise NeedDataError(
                f"the population of {n.id} must be a number above 0", row=row, column="population"
            )
        if isinstance(n.need, bool) or not (
            isinstance(n.need, numbers) and math.isfinite(n.need) and n.need >= 0
        ):
            raise NeedDataError(
                f"the need of {n.id} must be a number of 0 or more", row=row, column="need"
            )
        p = n.previous_amount
        if p is not None and (isinstance(p, bool) or not isinstance(p, int | np.integer) or p < 0):
            raise NeedDataError(
                f"last year's amount of {n.id} must be whole pounds, 0 or more",
                row=row,
                column="previous_amount",
            )


def _formula(budget: float, population: np.ndarray, log_weight: np.ndarray, u: float) -> np.ndarray:
    """The share formula over one set of neighbourhoods, for ``budget``.

    Need weights ``P_i (N_i/N̄)^α`` come as logarithms and are scaled so the largest is 1: with
    a steep α they can be far below the smallest normal float (1e-308), where they would lose
    their precision and the amounts would no longer add up.
    """
    total_p = fsum(population)
    top = float(log_weight.max())
    if top == -math.inf:
        # Nobody left has any need: the need part can only be shared per capita.
        weight, total_w = population, total_p
    else:
        weight = np.exp(log_weight - top)
        total_w = fsum(weight)
    return budget * (u * (population / total_p) + (1.0 - u) * (weight / total_w))


def _bounded(
    budget: float,
    population: np.ndarray,
    log_weight: np.ndarray,
    u: float,
    low: np.ndarray,
    high: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, int, str]:
    """Floors and ceilings by the fix-and-reshare procedure.

    Returns (amounts, basis code: 0 formula / 1 floor / 2 ceiling, rounds, method).
    """
    n = population.size
    amount = np.zeros(n)
    basis = np.zeros(n, dtype=np.int8)
    free = np.ones(n, dtype=bool)
    tolerance = 1e-9 * max(budget, 1.0) / n
    rounds = releases = 0
    while True:
        rounds += 1
        rest = budget - fsum(amount[~free])
        amount[free] = _formula(rest, population[free], log_weight[free], u)
        below = free & (amount < low - tolerance)
        above = free & (amount > high + tolerance)
        if not below.any() and not above.any():
            return amount, basis, rounds, "formula"
        # One side per round, floors first: with a floor alone this is exactly the procedure
        # described above, and each fix is justified by the amounts of the current round.
        fix, bound, code = (below, low, 1) if below.any() else (above, high, 2)
        amount[fix] = bound[fix]
        basis[fix] = code
        free &= ~fix
        if not free.any():
            leftover = budget - fsum(amount)
            if abs(leftover) <= n * max(1e-9, 1e-14 * budget):  # floating-point noise only
                return amount, basis, rounds, "formula"  # e.g. floor 1: all per capita
            # Everyone is held, yet money is left (or missing): those held at the other bound
            # must take it, so they are shared among again (e.g. tight floors and ceilings:
            # the low-need areas, held at the floor, get what the capped ones cannot).
            side = 1 if leftover > 0 else 2
            if releases >= 3 or not (basis == side).any():
                break
            releases += 1
            free = basis == side
            basis[free] = 0
        if rounds > 4 * n:
            break
    # Floors and ceilings together left nobody to take the rest of the budget (possible only
    # when both are set): fall back to one common scale of the first-round formula amounts.
    target = _formula(budget, population, log_weight, u)
    scaled = scale_within(target, low, high, budget, population)
    basis = np.where(scaled <= low + tolerance, 1, np.where(scaled >= high - tolerance, 2, 0))
    return scaled, basis.astype(np.int8), rounds, "scaled"


_PACE_BASIS = {
    BAND_LOW: PACE_LOW,
    BAND_HIGH: PACE_HIGH,
    BAND_SCALED: PACE_SCALED,
    BAND_UNMET: PACE_UNMET,
    MINIMUM: PACE_MINIMUM,
    TOWARDS: PACE_TOWARDS,
    REACHED: PACE_REACHED,
    GAVE: PACE_GAVE,
    SHARED_CUT: PACE_SHARED_CUT,
    KEPT: PACE_KEPT,
    NEW: PACE_NEW,
}
_BOUND_BASIS = {0: FORMULA, 1: FLOOR, 2: CEILING}


def needs_weighted_shares(
    neighbourhoods: Sequence[Neighbourhood],
    budget: int,
    *,
    universal: float = 0.0,
    alpha: float = 1.0,
    floor: float | None = None,
    ceiling: float | None = None,
    max_decrease: float | None = None,
    max_increase: float | None = None,
    pace: str | None = None,
    minimum_growth: float | None = None,
    convergence: str = FURTHEST,
    max_below_target: float | None = None,
) -> SharesResult:
    """Share ``budget`` among neighbourhoods by population and need (see the module docstring).

    Parameters
    ----------
    neighbourhoods:
        Ids must be unique; population above 0; need 0 or more (any scale: only ratios to the
        mean matter).
    budget:
        Whole pounds.
    universal:
        ``u``, the fraction shared per capita (1 = per capita; 0 = all by need).
    alpha:
        ``α``, how steeply need counts (0 = not at all, 1 = in proportion, 2 = squared).
    floor, ceiling:
        Multiples of the per-capita amount nobody goes below / above (e.g. 0.8, 1.5).
    max_decrease, max_increase:
        Pace of change: the most a neighbourhood's amount may fall / rise from its
        ``previous_amount``, as fractions (0.05 = 5%); NHS-style, only the largest cut.
    pace, minimum_growth, convergence, max_below_target:
        Pace of change from ``previous_amount`` towards the targets (see ``ShareRules`` and the
        ``pace`` module); ``pace="nhs"`` for NHS England's method.

    Returns
    -------
    SharesResult whose whole-pound amounts add up to ``budget`` exactly; the same inputs in any
    order give each neighbourhood the same amount.

    Raises
    ------
    NeedDataError
        A parameter is out of range (``column`` names it) or a neighbourhood is invalid (``row``
        is its 1-based position in ``neighbourhoods``, ``column`` the field).
    """
    rules = ShareRules(
        budget,
        universal,
        alpha,
        floor,
        ceiling,
        max_decrease,
        max_increase,
        pace,
        minimum_growth,
        convergence,
        max_below_target,
    )
    _check_rules(rules)
    rules = replace(rules, budget=int(budget))  # a NumPy integer would not go into JSON
    _check_neighbourhoods(neighbourhoods)
    ids = [n.id for n in neighbourhoods]
    population = np.array([n.population for n in neighbourhoods], dtype=float)
    need = np.array([n.need for n in neighbourhoods], dtype=float)
    amounts, details = _compute(
        population, need, rules, [n.previous_amount for n in neighbourhoods], ids, glide=True
    )
    lines = [
        ShareLine(
            n.id,
            p,
            x_need,
            a,
            pc,
            ratio,
            f,
            b,
            x,
            basis,
            None if n.previous_amount is None else int(n.previous_amount),
        )
        for n, p, x_need, a, pc, ratio, f, b, x, basis in zip(
            neighbourhoods,
            population.tolist(),
            need.tolist(),
            amounts.tolist(),
            details["per_capita"].tolist(),
            details["need_ratio"].tolist(),
            details["formula"].tolist(),
            details["bounded"].tolist(),
            details["unrounded"].tolist(),
            details["basis"],
            strict=True,
        )
    ]
    for line, years in zip(lines, details["years_to_target"], strict=True):
        line.years_to_target = years
    return SharesResult(
        rules,
        lines,
        details["mean_need"],
        details["rounds"],
        details["bounds_method"],
        details["pace_met"],
        list(neighbourhoods),
        details["growth"],
        details["minimum_growth"],
    )


def needs_weighted_amounts(
    population: Sequence[float] | np.ndarray,
    need: Sequence[float] | np.ndarray,
    budget: int,
    *,
    ids: Sequence[str] | None = None,
    universal: float = 0.0,
    alpha: float = 1.0,
    floor: float | None = None,
    ceiling: float | None = None,
    previous: Sequence[int | None] | None = None,
    max_decrease: float | None = None,
    max_increase: float | None = None,
    pace: str | None = None,
    minimum_growth: float | None = None,
    convergence: str = FURTHEST,
    max_below_target: float | None = None,
) -> np.ndarray:
    """``needs_weighted_shares`` on plain arrays, returning just the whole-pound amounts.

    For tens of thousands of areas (every LSOA in England) where per-line explanations are not
    wanted. ``ids`` break rounding ties (default: the positions as text).

    Returns
    -------
    numpy.ndarray of int64 adding up to ``budget``.

    Raises
    ------
    NeedDataError
        As ``needs_weighted_shares``.
    """
    rules = ShareRules(
        budget,
        universal,
        alpha,
        floor,
        ceiling,
        max_decrease,
        max_increase,
        pace,
        minimum_growth,
        convergence,
        max_below_target,
    )
    _check_rules(rules)
    p = np.asarray(population, dtype=float)
    n = np.asarray(need, dtype=float)
    if p.shape != n.shape or p.ndim != 1 or p.size == 0:
        raise NeedDataError("population and need must be lists of the same, non-zero length")
    bad = ~np.isfinite(p) | (p <= 0)
    if bad.any():
        raise NeedDataError(
            "population must be above 0", row=int(np.argmax(bad)) + 1, column="population"
        )
    bad = ~np.isfinite(n) | (n < 0)
    if bad.any():
        raise NeedDataError("need must be 0 or more", row=int(np.argmax(bad)) + 1, column="need")
    if previous is not None:
        if len(previous) != p.size:
            raise NeedDataError("give one previous amount per area", column="previous_amount")
        for row, amount in enumerate(previous, start=1):
            if amount is not None and (
                isinstance(amount, bool) or not isinstance(amount, int | np.integer) or amount < 0
            ):
                raise NeedDataError(
                    "last year's amount must be whole pounds, 0 or more",
                    row=row,
                    column="previous_amount",
                )
    keys = list(ids) if ids is not None else [str(i) for i in range(p.size)]
    if len(keys) != p.size or len(set(keys)) != p.size:
        raise NeedDataError("give one distinct id per area", column="id")
    amounts, _ = _compute(p, n, rules, list(previous) if previous is not None else None, keys)
    return amounts


def _compute(
    population: np.ndarray,
    need: np.ndarray,
    rules: ShareRules,
    previous: list[int | None] | None,
    ids: Sequence[str],
    *,
    glide: bool = False,
) -> tuple[np.ndarray, dict]:
    budget = float(rules.budget)
    total_p = fsum(population)
    mean_need = fsum(population * need) / total_p
    # The ratio to the mean cancels in the formula; it is kept because it is what a reader
    # can interpret ("1.3 × the average need"). With no need anywhere, all needs are equal.
    ratio = need / mean_need if mean_need > 0 else np.ones_like(need)
    with np.errstate(divide="ignore"):  # need 0 has weight 0: log -inf
        log_weight = np.log(population) + (rules.alpha * np.log(ratio) if rules.alpha else 0.0)
    per_capita = budget * population / total_p
    first = _formula(budget, population, log_weight, rules.universal)
    low = per_capita * rules.floor if rules.floor is not None else np.zeros_like(population)
    high = (
        per_capita * rules.ceiling
        if rules.ceiling is not None
        else np.full_like(population, np.inf)
    )
    if rules.floor is None and rules.ceiling is None:
        bounded, codes, rounds, method = first, np.zeros(population.size, np.int8), 1, "formula"
    else:
        bounded, codes, rounds, method = _bounded(
            budget, population, log_weight, rules.universal, low, high
        )
    basis = [_BOUND_BASIS[c] for c in codes.tolist()]
    unrounded, pace_met, growth, minimum_growth = bounded, None, None, None
    years: list[int | None] = [None] * population.size
    method = rules.pace_method
    if previous is not None and any(p is not None for p in previous) and method is not None:
        has = np.array([p is not None for p in previous])
        prev = np.array([p if p is not None else 0 for p in previous], dtype=float)
        if method == BAND:
            outcome = band_pace(bounded, prev, has, budget, rules.max_decrease, rules.max_increase)
            if glide:
                years = band_glide_path(
                    bounded,
                    outcome.amounts,
                    outcome.growth,
                    max_decrease=rules.max_decrease,
                    max_increase=rules.max_increase,
                )
        else:
            nhs = {
                "convergence": rules.convergence,
                "max_decrease": rules.max_decrease,
                "max_below_target": rules.max_below_target,
            }
            outcome = nhs_pace(
                bounded, prev, has, budget, minimum_growth=rules.minimum_growth, **nhs
            )
            if glide:
                years = glide_path(
                    bounded,
                    outcome.amounts,
                    outcome.growth,
                    minimum_growth=outcome.minimum_growth,
                    **nhs,
                )
        unrounded, pace_met = outcome.amounts, outcome.met
        growth, minimum_growth = outcome.growth, outcome.minimum_growth
        basis = [_PACE_BASIS.get(c, b) for c, b in zip(outcome.codes.tolist(), basis, strict=True)]
    amounts = largest_remainder(unrounded, rules.budget, ids)
    return amounts, {
        "per_capita": per_capita,
        "need_ratio": ratio,
        "formula": first,
        "bounded": bounded,
        "unrounded": unrounded,
        "basis": basis,
        "mean_need": mean_need,
        "rounds": rounds,
        "bounds_method": method,
        "pace_met": pace_met,
        "growth": growth,
        "minimum_growth": minimum_growth,
        "years_to_target": years,
    }
