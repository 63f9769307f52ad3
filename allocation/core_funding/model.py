"""The inputs and outputs of a core-funding round (frozen dataclasses)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from allocation.core_funding.values import plain, pounds

__all__ = [
    "DEFAULT_MFA_THRESHOLD",
    "LOWER_BOUND",
    "MAX_INCOME_YEARS",
    "UPPER_BOUNDS",
    "Award",
    "CoreFundingResult",
    "Group",
    "Neighbourhood",
    "Number",
    "Reach",
    "Round",
    "RoundParameters",
    "SizeBand",
]

#: A number as a caller may give it. Floats are read as the decimal they print as
#: (``0.1`` is one tenth), so a figure typed into a form means what it says.
Number = int | Fraction | Decimal | float

#: Names of the bounds an award can sit at, as reported in :attr:`Award.bound`.
UPPER_BOUNDS = ("cap", "income", "stability-up")
LOWER_BOUND = "stability-down"

#: Most yearly incomes a profile keeps (the last three years).
MAX_INCOME_YEARS = 3

#: Minimal Financial Assistance threshold of the Subsidy Control Act 2022, s.36 (as amended):
#: £315,000 over the current and the two previous financial years. A round may set another.
DEFAULT_MFA_THRESHOLD = 315_000


# ----------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class SizeBand:
    """An income band and its base amount per year; ``max_income=None`` means no upper limit."""

    max_income: Number | None
    base: Number


@dataclass(frozen=True)
class Neighbourhood:
    """A neighbourhood of the need index: its id and need score ``N_n`` (higher is more need)."""

    id: str
    need: Number


@dataclass(frozen=True)
class Reach:
    """Unique people reached in a stated period: ``light`` and ``intensive`` support.

    The round defines intensive support (for example, ten or more hours of contact); each person
    is counted once, in one of the two.
    """

    light: Number = 0
    intensive: Number = 0


@dataclass(frozen=True)
class RoundParameters:
    """The published formula of a round.

    The first five are the original formula; the rest have defaults that reproduce it exactly,
    so a round written before them computes the same awards.

    ``bands`` in order (a group takes the first whose ``max_income`` its income does not exceed);
    ``alpha`` the need exponent α ≥ 0; ``cap`` the absolute cap per year (``None``: none);
    ``cap_income_fraction`` c, the most an award may be as a fraction of the group's average
    income (``None``: none); ``delta`` the stability band δ in [0, 1].

    ``base_taper``: the base grows in a straight line from each band's base at the band's lower
    edge to the next band's base at the next edge, instead of jumping at the edges (no cliffs).
    ``reach_exponent`` β in (0, 1]: the reach term is (need-weighted reach)^β; 1/2 is a square
    root, so inflating a count buys little. ``intensive_weight`` k ≥ 1: a person given intensive
    support counts k times. ``unchecked_reach_cap``: the most people a reach figure not yet checked
    by an officer counts for (``None``: no such cap). ``equality_share`` in [0, 1): the share of
    the pot for groups serving communities of identity or people without a fixed address, shared
    on city-wide reach. ``cap_income_allowance``: added to ``c · income`` so that the income cap
    does not hold small groups to a fraction of a small income. ``mfa_threshold``: the Minimal
    Financial Assistance threshold checked for groups that trade (``None``: not checked).
    """

    bands: Sequence[SizeBand]
    alpha: Number
    cap: Number | None
    cap_income_fraction: Number | None
    delta: Number
    base_taper: bool = False
    reach_exponent: Number = 1
    intensive_weight: Number = 1
    unchecked_reach_cap: Number | None = None
    equality_share: Number = 0
    cap_income_allowance: Number = 0
    mfa_threshold: Number | None = DEFAULT_MFA_THRESHOLD


@dataclass(frozen=True)
class Round:
    """A core-funding round: the pot in whole pounds per year, for ``years`` years."""

    pot: Number
    parameters: RoundParameters
    neighbourhoods: Sequence[Neighbourhood]
    years: int = 1


@dataclass(frozen=True)
class Group:
    """A VCS group's profile as the formula sees it.

    ``income``: one yearly income, or up to three (the profile's last three years), averaged.
    ``reach``: unique people reached by neighbourhood id, each a :class:`Reach` or a number (all
    light support). ``previous``: its award per year in the previous round, or ``None`` for a group
    new to core funding. ``equality_reach``: unique people it serves across the city as a
    community of identity or without a fixed address (``None``: it does not claim the equality
    share). ``reach_checked``: an officer's sample check confirmed the figures. ``trades``: the
    group carries on economic activity, so its award is a subsidy; ``mfa_received``: Minimal
    Financial Assistance it has had in this and the two previous financial years, from anyone.
    """

    id: str
    income: Number | Sequence[Number]
    reach: Mapping[str, Number | Reach]
    previous: Number | None = None
    equality_reach: Number | Reach | None = None
    reach_checked: bool = True
    trades: bool = False
    mfa_received: Number = 0


# ----------------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class Award:
    """One group's award per year, with every figure an award statement needs.

    ``amount`` (whole pounds per year) = ``exact`` rounded to a whole pound, where ``exact`` =
    ``formula_amount`` (= ``base`` + ``equality_part`` + ``reach_part``) moved to the bound named
    in ``bound`` if one applies. ``reach`` is the unique people counted (light + intensive, after
    any cap on unchecked figures), ``weighted_reach`` = Σ_n (light + k·intensive)·m_n,
    ``reach_term`` = ``weighted_reach``^β and ``reach_part`` = λ · ``reach_term``.
    ``need_multiplier`` is D_o, the average m_n of the weighted people (``None`` for a group that
    reaches nobody). ``lower``/``upper`` are the whole-pound bounds (``upper`` ``None`` when
    nothing caps the group). ``capped`` is true when the award sits at its upper bound because that
    bound applies. ``reach_limited``: the figures were unchecked and held to the round's cap.
    """

    group: str
    amount: int
    base: Fraction
    band: int
    income: Fraction
    reach: Fraction
    need_multiplier: Fraction | None
    reach_part: Fraction
    formula_amount: Fraction
    exact: Fraction
    lower: int
    upper: int | None
    bound: str | None
    capped: bool
    years: int
    reach_light: Fraction = Fraction(0)
    reach_intensive: Fraction = Fraction(0)
    weighted_reach: Fraction = Fraction(0)
    reach_term: Fraction = Fraction(0)
    reach_limited: bool = False
    equality_reach: Fraction = Fraction(0)
    equality_part: Fraction = Fraction(0)
    trades: bool = False
    mfa_received: Fraction = Fraction(0)

    @property
    def round_total(self) -> int:
        """The award over the whole round: ``amount`` × ``years``."""
        return self.amount * self.years

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: money in pounds (pence where not whole), ratios to 6 places."""
        return {
            "group": self.group,
            "amount": self.amount,
            "base": pounds(self.base),
            "reach_part": pounds(self.reach_part),
            "capped": self.capped,
            "bound": self.bound,
            "band": self.band,
            "income": pounds(self.income),
            "reach": plain(self.reach),
            "need_multiplier": (
                None if self.need_multiplier is None else round(float(self.need_multiplier), 6)
            ),
            "formula_amount": pounds(self.formula_amount),
            "exact": pounds(self.exact),
            "lower": self.lower,
            "upper": self.upper,
            "years": self.years,
            "round_total": self.round_total,
            "reach_light": plain(self.reach_light),
            "reach_intensive": plain(self.reach_intensive),
            "weighted_reach": round(float(self.weighted_reach), 6),
            "reach_term": round(float(self.reach_term), 6),
            "reach_limited": self.reach_limited,
            "equality_reach": plain(self.equality_reach),
            "equality_part": pounds(self.equality_part),
            "trades": self.trades,
            "mfa_received": pounds(self.mfa_received),
        }


@dataclass(frozen=True)
class CoreFundingResult:
    """The awards of a round, in the order the groups were given.

    ``total`` is what was awarded per year: ``pot`` minus ``unallocated``, the pounds held back
    because they could not be shared equally between groups with equal entitlements (always
    fewer than the number of such groups; 0 whenever no such tie straddles the last pound).
    ``reach_price`` is λ, pounds per unit of reach term; ``need_multipliers`` is m_n;
    ``equality_pot`` the pounds set aside for the equality share (0 when no group claims it) and
    ``equality_price`` μ, pounds per unit of city-wide reach term.
    """

    awards: tuple[Award, ...]
    pot: int
    total: int
    unallocated: int
    years: int
    reach_price: Fraction
    need_multipliers: Mapping[str, Fraction] = field(default_factory=dict)
    equality_pot: Fraction = Fraction(0)
    equality_price: Fraction = Fraction(0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; ``awards`` and ``total`` are the command line's stable contract."""
        return {
            "awards": [award.to_dict() for award in self.awards],
            "total": self.total,
            "pot": self.pot,
            "unallocated": self.unallocated,
            "years": self.years,
            "reach_price": float(self.reach_price),
            "need_multipliers": {
                nid: round(float(m), 6) for nid, m in self.need_multipliers.items()
            },
            "equality_pot": pounds(self.equality_pot),
            "equality_price": float(self.equality_price),
        }
