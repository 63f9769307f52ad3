"""Needs-weighted shares of a budget (proportionate universalism), with floors, ceilings and
pace of change, in whole pounds that add up exactly.

For neighbourhoods ``i`` with population ``P_i`` and need ``N_i`` (``N̄`` the population-weighted
mean need), budget ``B``, universal fraction ``u`` and gradient ``α``::

    share_i = u · P_i / ΣP  +  (1 − u) · P_i (N_i/N̄)^α / Σ_j P_j (N_j/N̄)^α

* **Floor** ``f``: nobody gets less than ``f · B · P_i/ΣP``. Those the formula puts below it
  are fixed at the floor and the rest of the budget is shared among the others by the same
  formula, repeatedly, until nobody else falls below. A **ceiling** ``c`` works the same way
  from above (floors are settled first in each round).
* **Pace of change**: with last year's amounts, each neighbourhood's change is held within a
  band (e.g. −5%…+10%); everyone gets ``clip(s · target_i, low_i, high_i)`` with one common
  factor ``s`` chosen so the amounts add up to ``B``: as close to target as the budget allows.
* **Rounding**: largest remainder (see ``rounding``), so whole pounds add up to ``B`` exactly.

Every line keeps the figures it was computed from, and ``ShareLine.explanation`` says so in
words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from .errors import NeedDataError
from .rounding import largest_remainder

# How a line's amount was settled (``ShareLine.basis``).
FORMULA = "formula"
FLOOR = "floor"
CEILING = "ceiling"
PACE_LOW = "pace: most decrease allowed"
PACE_HIGH = "pace: most increase allowed"
PACE_SCALED = "pace: target scaled to the budget"
PACE_UNMET = "pace: band cannot be met with this budget"


@dataclass(frozen=True, slots=True)
class Neighbourhood:
    """One neighbourhood to share a budget among.

    ``previous_amount`` (whole pounds, last year) is needed only for pace of change; a
    neighbourhood without one (new, or ``None``) has no band.
    """

    id: str
    population: float
    need: float
    previous_amount: int | None = None

    def to_dict(self) -> dict:
        # Plain Python numbers, so NumPy inputs can still be stored as JSON.
        return {
            "id": self.id,
            "population": float(self.population),
            "need": float(self.need),
            "previous_amount": None if self.previous_amount is None else int(self.previous_amount),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Neighbourhood:
        return cls(
            str(data["id"]),
            float(data["population"]),
            float(data["need"]),
            data.get("previous_amount"),
        )


@dataclass(frozen=True, slots=True)
class ShareRules:
    """The parameters of a needs-weighted sharing (a funder's scenario).

    ``floor`` and ``ceiling`` are multiples of a neighbourhood's per-capita amount
    (``0.8`` = at least 80% of it); ``max_decrease``/``max_increase`` are fractions of last
    year's amount (``0.05`` = 5%). ``None`` means no such limit.
    """

    budget: int
    universal: float = 0.0
    alpha: float = 1.0
    floor: float | None = None
    ceiling: float | None = None
    max_decrease: float | None = None
    max_increase: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ShareRules:
        return cls(**data)


# Not frozen: a frozen dataclass takes three times as long to build, which matters for 33,755
# LSOAs; treat lines as read-only all the same.
@dataclass(slots=True)
class ShareLine:
    """A neighbourhood's amount and the figures it was computed from.

    ``per_capita`` is ``B·P_i/ΣP``; ``formula`` the first-round formula amount; ``bounded`` the
    amount after floors and ceilings; ``unrounded`` after pace of change; ``amount`` the whole
    pounds paid. ``basis`` says which step settled it.
    """

    id: str
    population: float
    need: float
    amount: int
    per_capita: float
    need_ratio: float
    formula: float
    bounded: float
    unrounded: float
    basis: str
    previous_amount: int | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["explanation"] = self.explanation
        return data

    @property
    def explanation(self) -> str:
        """How the amount was computed, in words."""
        parts = [
            f"{self.population:,.0f} residents give a per-capita share of £{self.per_capita:,.2f}",
            f"need {self.need:g} is {self.need_ratio:.3f} × the average, so the formula gives "
            f"£{self.formula:,.2f}",
        ]
        if self.basis == FLOOR:
            parts.append(f"that is below the floor, so it is held at £{self.bounded:,.2f}")
        elif self.basis == CEILING:
            parts.append(f"that is above the ceiling, so it is held at £{self.bounded:,.2f}")
        elif abs(self.bounded - self.formula) > 0.005:
            parts.append(
                f"after other neighbourhoods were held at floors or ceilings, the "
                f"same formula on the rest gives £{self.bounded:,.2f}"
            )
        if self.basis.startswith("pace"):
            last = f"last year £{self.previous_amount:,}" if self.previous_amount else ""
            parts.append(
                f"{last}; {self.basis.removeprefix('pace: ')}: £{self.unrounded:,.2f}".lstrip("; ")
            )
        parts.append(f"rounded to £{self.amount:,}")
        return "; ".join(parts) + "."


@dataclass(frozen=True)
class SharesResult:
    """The outcome of ``needs_weighted_shares``: one line per neighbourhood, in input order.

    ``rounds`` counts the formula rounds of the floor/ceiling procedure; ``bounds_method`` is
    ``"formula"`` (the procedure above) or ``"scaled"`` (the rare fallback when floors and
    ceilings together leave nobody to take the rest: every target scaled by one factor, then
    held within its floor and ceiling). ``pace_met`` is ``None`` without pace of change,
    ``False`` when the budget cannot keep every neighbourhood within its band.
    """

    rules: ShareRules
    lines: list[ShareLine]
    mean_need: float
    rounds: int
    bounds_method: str = "formula"
    pace_met: bool | None = None
    neighbourhoods: list[Neighbourhood] = field(default_factory=list, repr=False)

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    def amounts(self) -> dict[str, int]:
        """Neighbourhood id -> whole pounds."""
        return {line.id: line.amount for line in self.lines}

    def to_dict(self) -> dict:
        return {
            "rules": self.rules.to_dict(),
            "neighbourhoods": [n.to_dict() for n in self.neighbourhoods],
            "mean_need": self.mean_need,
            "rounds": self.rounds,
            "bounds_method": self.bounds_method,
            "pace_met": self.pace_met,
            "total": self.total,
            "lines": [line.to_dict() for line in self.lines],
        }


def _fsum(x: np.ndarray) -> float:
    # Exactly rounded, hence independent of the order of the neighbourhoods.
    return math.fsum(x.tolist())


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
    total_p = _fsum(population)
    top = float(log_weight.max())
    if top == -math.inf:
        # Nobody left has any need: the need part can only be shared per capita.
        weight, total_w = population, total_p
    else:
        weight = np.exp(log_weight - top)
        total_w = _fsum(weight)
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
        rest = budget - _fsum(amount[~free])
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
            leftover = budget - _fsum(amount)
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
    scaled = _scale_within(target, low, high, budget, population)
    basis = np.where(scaled <= low + tolerance, 1, np.where(scaled >= high - tolerance, 2, 0))
    return scaled, basis.astype(np.int8), rounds, "scaled"


def _scale_within(
    target: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    budget: float,
    population: np.ndarray | None = None,
) -> np.ndarray:
    """``clip(s·target, low, high)`` with the one ``s ≥ 0`` making it add up to ``budget``.

    The caller guarantees ``Σlow ≤ budget ≤ Σhigh``.
    """
    # A zero (or vanishing) target could never take more than its low bound, however large s
    # grows; a tiny positive one lets it absorb money only when nobody else can. With
    # ``population`` the tiny target is per resident, so that two areas of (almost) no need
    # get the same per resident, and more need never means less per resident.
    size = np.ones_like(target) if population is None else population
    largest = float((target / size).max()) if target.size else 0.0
    target = np.maximum(target, 1e-12 * (largest if largest > 0 else 1.0) * size)

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
        s = (budget - _fsum(low[at_low]) - _fsum(high[at_high])) / _fsum(target[free])
    return np.clip(s * target, low, high)


def _pace(
    target: np.ndarray,
    previous: np.ndarray,
    has_previous: np.ndarray,
    budget: float,
    max_decrease: float | None,
    max_increase: float | None,
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Hold each change from last year within its band, as near target as the budget allows.

    Returns (amounts, basis codes 3 low / 4 high / 5 scaled / 6 unmet / 0 untouched, met).
    """
    low = np.where(
        has_previous & (max_decrease is not None), previous * (1.0 - (max_decrease or 0.0)), 0.0
    )
    high = np.where(
        has_previous & (max_increase is not None), previous * (1.0 + (max_increase or 0.0)), np.inf
    )
    total_low, total_high = _fsum(low), float(high.sum())
    n = target.size
    if total_low > budget or total_high < budget:
        # No amounts within every band add up to the budget: everyone moves past the band's
        # edge by the same proportion, and the result says so.
        edge = low if total_low > budget else high
        total_edge = _fsum(edge)
        # (Every band can be empty only if last year was all zeros: then share as targeted.)
        amounts = edge * (budget / total_edge) if total_edge > 0 else target
        return amounts, np.full(n, 6, dtype=np.int8), False
    amounts = _scale_within(target, low, high, budget)
    tolerance = 1e-9 * max(budget, 1.0) / n
    code = np.where(
        amounts <= low + tolerance,
        3,
        np.where(
            amounts >= high - tolerance, 4, np.where(np.abs(amounts - target) > tolerance, 5, 0)
        ),
    )
    code = np.where(has_previous, code, np.where(np.abs(amounts - target) > tolerance, 5, 0))
    return amounts, code.astype(np.int8), True


_PACE_BASIS = {3: PACE_LOW, 4: PACE_HIGH, 5: PACE_SCALED, 6: PACE_UNMET}
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
        ``previous_amount``, as fractions (0.05 = 5%).

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
    rules = ShareRules(budget, universal, alpha, floor, ceiling, max_decrease, max_increase)
    _check_rules(rules)
    rules = replace(rules, budget=int(budget))  # a NumPy integer would not go into JSON
    _check_neighbourhoods(neighbourhoods)
    ids = [n.id for n in neighbourhoods]
    population = np.array([n.population for n in neighbourhoods], dtype=float)
    need = np.array([n.need for n in neighbourhoods], dtype=float)
    amounts, details = _compute(
        population, need, rules, [n.previous_amount for n in neighbourhoods], ids
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
    return SharesResult(
        rules,
        lines,
        details["mean_need"],
        details["rounds"],
        details["bounds_method"],
        details["pace_met"],
        list(neighbourhoods),
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
    rules = ShareRules(budget, universal, alpha, floor, ceiling, max_decrease, max_increase)
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
) -> tuple[np.ndarray, dict]:
    budget = float(rules.budget)
    total_p = _fsum(population)
    mean_need = _fsum(population * need) / total_p
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
    unrounded, pace_met = bounded, None
    if (
        previous is not None
        and any(p is not None for p in previous)
        and (rules.max_decrease is not None or rules.max_increase is not None)
    ):
        has = np.array([p is not None for p in previous])
        prev = np.array([p if p is not None else 0 for p in previous], dtype=float)
        unrounded, pace_codes, pace_met = _pace(
            bounded, prev, has, budget, rules.max_decrease, rules.max_increase
        )
        basis = [_PACE_BASIS.get(c, b) for c, b in zip(pace_codes.tolist(), basis, strict=True)]
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
    }
