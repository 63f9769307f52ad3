"""The inputs, rules and result lines of a needs-weighted sharing (see ``shares``).

Plain data with ``to_dict``/``from_dict`` for storing, and each line's explanation in words.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .pace import BAND, FURTHEST

# How a line's amount was settled (``ShareLine.basis``).
FORMULA = "formula"
FLOOR = "floor"
CEILING = "ceiling"
PACE_LOW = "pace: most decrease allowed"
PACE_HIGH = "pace: most increase allowed"
PACE_SCALED = "pace: target scaled to the budget"
PACE_UNMET = "pace: band cannot be met with this budget"
PACE_MINIMUM = "pace: at or above target, minimum growth only"
PACE_TOWARDS = "pace: convergence money towards target"
PACE_REACHED = "pace: reached target"
PACE_GAVE = "pace: above target, gave first in a cut"
PACE_SHARED_CUT = "pace: below target, shared what remained of the cut"
PACE_KEPT = "pace: below target, kept last year's amount"
PACE_NEW = "pace: new area, paid its target"


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

    ``pace`` is ``"nhs"`` (minimum growth ``minimum_growth``, convergence ``"furthest"`` first or
    ``"proportional"``, largest cut ``max_decrease``, no area more than ``max_below_target``
    below target), ``"band"`` (the earlier −``max_decrease``…+``max_increase`` band), or ``None``:
    the band when a band is given (rules stored before ``pace`` existed), else no pace of change.
    """

    budget: int
    universal: float = 0.0
    alpha: float = 1.0
    floor: float | None = None
    ceiling: float | None = None
    max_decrease: float | None = None
    max_increase: float | None = None
    pace: str | None = None
    minimum_growth: float | None = None
    convergence: str = FURTHEST
    max_below_target: float | None = None

    @property
    def pace_method(self) -> str | None:
        """The pace of change in force: ``"nhs"``, ``"band"`` or ``None``."""
        if self.pace is not None:
            return self.pace
        return BAND if self.max_decrease is not None or self.max_increase is not None else None

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
    years_to_target: int | None = None

    @property
    def target(self) -> float:
        """This year's target: the formula's amount after floors and ceilings."""
        return self.bounded

    @property
    def distance(self) -> float:
        """Pounds above (+) or below (−) target, of the whole-pound amount."""
        return self.amount - self.bounded

    @property
    def distance_share(self) -> float | None:
        """``distance`` as a fraction of the target (``None`` for a target of £0)."""
        return self.distance / self.bounded if self.bounded > 0 else None

    @property
    def move(self) -> int | None:
        """This year's change from last year, in pounds (``None`` without last year's)."""
        return None if self.previous_amount is None else self.amount - self.previous_amount

    def to_dict(self) -> dict:
        data = asdict(self)
        data["explanation"] = self.explanation
        data["target"] = self.target
        data["distance"] = self.distance
        data["distance_share"] = self.distance_share
        data["move"] = self.move
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
        if self.basis.startswith("pace") and self.distance_share is not None:
            where = (
                "at target"
                if abs(self.distance_share) < 0.0005
                else f"{abs(self.distance_share):.1%} {'above' if self.distance > 0 else 'below'} "
                f"its target of £{self.bounded:,.0f}"
            )
            if self.years_to_target == 0:
                pace = "within 1% of target now"
            elif self.years_to_target is None:
                pace = "not within 1% of target in 50 years at this pace"
            else:
                plural = "s" if self.years_to_target > 1 else ""
                pace = (
                    f"within 1% of target in {self.years_to_target} more year{plural} at this pace"
                )
            parts.append(f"{where}; {pace}")
        return "; ".join(parts) + "."


@dataclass(frozen=True)
class SharesResult:
    """The outcome of ``needs_weighted_shares``: one line per neighbourhood, in input order.

    ``rounds`` counts the formula rounds of the floor/ceiling procedure; ``bounds_method`` is
    ``"formula"`` (the procedure above) or ``"scaled"`` (the rare fallback when floors and
    ceilings together leave nobody to take the rest: every target scaled by one factor, then
    held within its floor and ceiling). ``pace_met`` is ``None`` without pace of change,
    ``False`` when the budget cannot keep every limit (the band; the largest cut; no area more
    than X% below target). ``growth`` is the budget's growth over last year's amounts and
    ``minimum_growth`` the minimum growth given to all (NHS-style, growth years only).
    """

    rules: ShareRules
    lines: list[ShareLine]
    mean_need: float
    rounds: int
    bounds_method: str = "formula"
    pace_met: bool | None = None
    neighbourhoods: list[Neighbourhood] = field(default_factory=list, repr=False)
    growth: float | None = None
    minimum_growth: float | None = None

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
            "growth": self.growth,
            "minimum_growth": self.minimum_growth,
            "total": self.total,
            "lines": [line.to_dict() for line in self.lines],
        }
