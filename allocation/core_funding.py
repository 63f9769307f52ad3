"""Core funding for voluntary and community (VCS) groups by a published formula.

A round shares a pot (several funders' money combined) between groups without making them bid.
Each group's award per year is

    award_o = clamp(base_o + λ · Reach_o · D_o, lower_o, upper_o)

where ``base_o`` is the base amount of the group's income band; ``Reach_o`` the people it reaches;
``D_o = Σ_n s_{o,n} · m_n`` the need multiplier of where they live (``s_{o,n}`` the share of its
reach in neighbourhood ``n``, ``m_n = (N_n / N̄)^α`` that neighbourhood's need relative to the
mean); ``upper_o = min(cap, c · income_o, (1 + δ) · previous_o)`` and
``lower_o = (1 − δ) · previous_o`` (0 for a new group; a cap below the floor wins). The price
``λ ≥ 0`` of one need-weighted person is the one that makes the awards add up to the pot.

The total ``Σ_o clamp(...)`` is piecewise linear and non-decreasing in ``λ``, with a breakpoint
wherever a group reaches one of its bounds, so ``λ`` is found exactly: sort the breakpoints, walk
them with exact rational arithmetic (:class:`fractions.Fraction`) and solve the one linear piece
that crosses the pot. No float ever decides an award.

Awards are whole pounds per year, by largest remainder. Groups with the same exact entitlement
always get the same award; when the last pounds cannot be shared equally between such groups they
are held back and disclosed as ``unallocated`` rather than given to some of them and not others.
``docs/core-funding.md`` explains the formula, the rounding and the command line.

Public API: :func:`compute_core_awards`, the input dataclasses :class:`Round`,
:class:`RoundParameters`, :class:`SizeBand`, :class:`Neighbourhood`, :class:`Group`, the output
dataclasses :class:`CoreFundingResult` and :class:`Award`, and :class:`CoreFundingError`.
"""

from __future__ import annotations

import decimal
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

__all__ = [
    "Award",
    "CoreFundingError",
    "CoreFundingResult",
    "Group",
    "Neighbourhood",
    "Round",
    "RoundParameters",
    "SizeBand",
    "compute_core_awards",
]

#: A number as a caller may give it. Floats are read as the decimal they print as
#: (``0.1`` is one tenth), so a figure typed into a form means what it says.
Number = int | Fraction | Decimal | float

#: Names of the bounds an award can sit at, as reported in :attr:`Award.bound`.
UPPER_BOUNDS = ("cap", "income", "stability-up")
LOWER_BOUND = "stability-down"

#: Most yearly incomes a profile keeps (the last three years).
MAX_INCOME_YEARS = 3

# Need multipliers with a fractional exponent are irrational; they are computed once per
# neighbourhood in decimal arithmetic with a fixed context (software arithmetic, so the same on
# every machine) and then used exactly. 30 significant digits is far below a penny on any pot.
_NEED_CONTEXT = decimal.Context(prec=30, rounding=decimal.ROUND_HALF_EVEN)


class CoreFundingError(ValueError):
    """A round that cannot be computed, said in words a funder or group understands.

    Raised for invalid inputs (``field`` names the input, ``group`` the group it belongs to) and
    for infeasible rounds, where ``numbers`` holds the totals that show why (for example
    ``{"pot": 50000, "floors_total": 61200}``). ``str(error)`` is one line.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        group: str | None = None,
        numbers: Mapping[str, int | Fraction] | None = None,
    ) -> None:
        super().__init__(message)
        self.field = field
        self.group = group
        self.numbers: dict[str, int | Fraction] = {
            name: value.numerator
            if isinstance(value, Fraction) and value.denominator == 1
            else value
            for name, value in (numbers or {}).items()
        }


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
class RoundParameters:
    """The published formula of a round.

    ``bands`` in order (a group takes the first whose ``max_income`` its income does not exceed);
    ``alpha`` the need exponent α ≥ 0 (0 ignores need, 1 is proportional to need); ``cap`` the
    absolute cap per year (``None``: none); ``cap_income_fraction`` the most an award may be as a
    fraction of the group's average income (``None``: none); ``delta`` the stability band δ in
    [0, 1]: an award moves at most this fraction from the group's previous award.
    """

    bands: Sequence[SizeBand]
    alpha: Number
    cap: Number | None
    cap_income_fraction: Number | None
    delta: Number


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
    ``reach``: people reached by neighbourhood id. ``previous``: its award per year in the previous
    round, or ``None`` for a group new to core funding (no stability band).
    """

    id: str
    income: Number | Sequence[Number]
    reach: Mapping[str, Number]
    previous: Number | None = None


# ----------------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class Award:
    """One group's award per year, with every figure an award statement needs.

    ``amount`` (whole pounds per year) = ``exact`` rounded to a whole pound, where ``exact`` =
    ``formula_amount`` (= ``base`` + ``reach_part``) moved to the bound named in ``bound`` if one
    applies. ``reach_part`` = λ · ``reach`` · ``need_multiplier``; ``need_multiplier`` is D_o
    (``None`` for a group that reaches nobody). ``lower``/``upper`` are the whole-pound bounds
    (``upper`` ``None`` when nothing caps the group). ``capped`` is true when the award sits at its
    upper bound because that bound applies.
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

    @property
    def round_total(self) -> int:
        """The award over the whole round: ``amount`` × ``years``."""
        return self.amount * self.years

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: money in pounds (pence where not whole), ratios to 6 places."""
        return {
            "group": self.group,
            "amount": self.amount,
            "base": _pounds(self.base),
            "reach_part": _pounds(self.reach_part),
            "capped": self.capped,
            "bound": self.bound,
            "band": self.band,
            "income": _pounds(self.income),
            "reach": _plain(self.reach),
            "need_multiplier": (
                None if self.need_multiplier is None else round(float(self.need_multiplier), 6)
            ),
            "formula_amount": _pounds(self.formula_amount),
            "exact": _pounds(self.exact),
            "lower": self.lower,
            "upper": self.upper,
            "years": self.years,
            "round_total": self.round_total,
        }


@dataclass(frozen=True)
class CoreFundingResult:
    """The awards of a round, in the order the groups were given.

    ``total`` is what was awarded per year: ``pot`` minus ``unallocated``, the pounds held back
    because they could not be shared equally between groups with equal entitlements (always
    fewer than the number of such groups; 0 whenever no such tie straddles the last pound).
    ``reach_price`` is λ, pounds per need-weighted person reached; ``need_multipliers`` is m_n.
    """

    awards: tuple[Award, ...]
    pot: int
    total: int
    unallocated: int
    years: int
    reach_price: Fraction
    need_multipliers: Mapping[str, Fraction] = field(default_factory=dict)

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
        }


# ----------------------------------------------------------------------------- computation


@dataclass(frozen=True)
class _Terms:
    """A group reduced to the formula: award = clamp(base + λ·weight, lower, upper)."""

    base: Fraction
    band: int
    income: Fraction
    reach: Fraction
    weight: Fraction  # Reach_o · D_o = Σ_n people_{o,n} · m_n
    lower: int
    upper: int | None
    upper_name: str | None
    floor_cut_by_cap: bool

    def value(self, price: Fraction) -> Fraction:
        return _clamp(self.base + price * self.weight, self.lower, self.upper)


def compute_core_awards(funding_round: Round, groups: Sequence[Group]) -> CoreFundingResult:
    """Compute every group's core-funding award per year for a round.

    Parameters
    ----------
    funding_round
        The pot (whole pounds per year), the years, the formula parameters and the need index.
    groups
        The groups funded in the round; their order changes nothing but the order of the result.

    Returns
    -------
    CoreFundingResult
        Awards in whole pounds per year, in the order of ``groups``, with their breakdown;
        ``total + unallocated == pot``.

    Raises
    ------
    CoreFundingError
        An input is invalid (a negative amount, an unknown neighbourhood, duplicate id,
        income above every band, ...): ``field`` and ``group`` say where. Or the round is
        infeasible (the stability floors alone exceed the pot, the base amounts alone exceed
        it, or the caps alone fall short of it): ``numbers`` holds the totals that show why.
    """
    pot = _whole_pounds(funding_round.pot, "pot")
    years = funding_round.years
    if isinstance(years, bool) or not isinstance(years, numbers.Integral) or years < 1:
        raise CoreFundingError(
            f"years must be a whole number of at least 1, not {years!r}", field="years"
        )
    years = int(years)
    params = funding_round.parameters
    multipliers = _need_multipliers(funding_round.neighbourhoods, params.alpha)
    terms = _group_terms(groups, params, multipliers)

    price = _solve_price(terms, pot)
    exact = [t.value(price) for t in terms]
    if sum(exact, Fraction(0)) != pot:  # pragma: no cover - the solver guarantees it
        raise AssertionError("core funding: exact awards do not add up to the pot")
    amounts, unallocated = _whole_pound_awards(exact, pot)

    awards = []
    for group, t, x, amount in zip(groups, terms, exact, amounts, strict=True):
        formula = t.base + price * t.weight
        bound = _binding_bound(t, formula)
        awards.append(
            Award(
                group=group.id,
                amount=amount,
                base=t.base,
                band=t.band,
                income=t.income,
                reach=t.reach,
                need_multiplier=(t.weight / t.reach) if t.reach else None,
                reach_part=price * t.weight,
                formula_amount=formula,
                exact=x,
                lower=t.lower,
                upper=t.upper,
                bound=bound,
                capped=bound in UPPER_BOUNDS,
                years=years,
            )
        )
    return CoreFundingResult(
        awards=tuple(awards),
        pot=pot,
        total=pot - unallocated,
        unallocated=unallocated,
        years=years,
        reach_price=price,
        need_multipliers=multipliers,
    )


def _need_multipliers(
    neighbourhoods: Sequence[Neighbourhood], alpha_in: Number
) -> dict[str, Fraction]:
    """m_n = (N_n / N̄)^α for every neighbourhood, as exact fractions."""
    alpha = _non_negative(alpha_in, "alpha")
    needs: dict[str, Fraction] = {}
    for nb in neighbourhoods:
        nid = _identifier(nb.id, "neighbourhoods.id")
        if nid in needs:
            raise CoreFundingError(
                f"neighbourhood {nid!r} is listed twice", field="neighbourhoods.id"
            )
        needs[nid] = _non_negative(nb.need, f"need of neighbourhood {nid!r}")
    if alpha == 0:
        # Need ignored: every neighbourhood weighs 1, even one whose need is 0 (0^0 = 1 here).
        return {nid: Fraction(1) for nid in needs}
    if not needs:
        return {}
    mean = sum(needs.values(), Fraction(0)) / len(needs)
    if mean == 0:
        raise CoreFundingError(
            "need: every neighbourhood has need 0, so need cannot weight reach (set alpha to 0 "
            "to ignore need)",
            field="neighbourhoods.need",
        )
    if alpha.denominator == 1:
        return {nid: (n / mean) ** alpha.numerator for nid, n in needs.items()}
    exponent = Decimal(alpha.numerator) / Decimal(alpha.denominator)
    return {nid: _decimal_power(n / mean, exponent) for nid, n in needs.items()}


def _decimal_power(ratio: Fraction, exponent: Decimal) -> Fraction:
    if ratio == 0:
        return Fraction(0)
    base = _NEED_CONTEXT.divide(Decimal(ratio.numerator), Decimal(ratio.denominator))
    return Fraction(_NEED_CONTEXT.power(base, exponent))


def _group_terms(
    groups: Sequence[Group], params: RoundParameters, multipliers: Mapping[str, Fraction]
) -> list[_Terms]:
    bands = _bands(params.bands)
    cap = None if params.cap is None else _non_negative(params.cap, "cap")
    fraction = (
        None
        if params.cap_income_fraction is None
        else _non_negative(params.cap_income_fraction, "cap_income_fraction")
    )
    delta = _non_negative(params.delta, "delta")
    if delta > 1:
        raise CoreFundingError(
            f"delta must be between 0 and 1, not {float(delta):g}", field="delta"
        )

    seen: set[str] = set()
    terms = []
    for group in groups:
        gid = _identifier(group.id, "groups.id")
        if gid in seen:
            raise CoreFundingError(f"group {gid!r} is listed twice", field="id", group=gid)
        seen.add(gid)
        income = _average_income(group.income, gid)
        band = next(
            (i for i, (limit, _) in enumerate(bands) if limit is None or income <= limit), None
        )
        if band is None:
            raise CoreFundingError(
                f"group {gid!r}: income {float(income):,.2f} is above every band's max_income",
                field="income",
                group=gid,
            )
        reach = Fraction(0)
        weight = Fraction(0)
        for nid, people_in in group.reach.items():
            if nid not in multipliers:
                raise CoreFundingError(
                    f"group {gid!r}: reach names unknown neighbourhood {nid!r}",
                    field="reach",
                    group=gid,
                )
            people = _non_negative(people_in, f"reach in {nid!r}", gid)
            reach += people
            weight += people * multipliers[nid]
        previous = (
            None if group.previous is None else _non_negative(group.previous, "previous", gid)
        )

        uppers: list[tuple[Fraction, str]] = []
        if cap is not None:
            uppers.append((cap, "cap"))
        if fraction is not None:
            uppers.append((fraction * income, "income"))
        # A previous award of 0 gives no band: (1 + δ) · 0 would shut the group out for good.
        if previous:
            uppers.append(((1 + delta) * previous, "stability-up"))
        # The tightest bound names itself; on a tie the first listed (cap, income, stability).
        upper_exact, upper_name = min(uppers, key=lambda u: u[0]) if uppers else (None, None)
        # Whole-pound bounds, rounded inwards so that no whole-pound award can break them.
        upper = None if upper_exact is None else math.floor(upper_exact)
        lower = math.ceil((1 - delta) * previous) if previous else 0
        floor_cut = upper is not None and lower > upper
        if floor_cut:
            lower = upper  # where a cap falls below the stability floor, the cap wins
        terms.append(
            _Terms(
                base=bands[band][1],
                band=band,
                income=income,
                reach=reach,
                weight=weight,
                lower=lower,
                upper=upper,
                upper_name=upper_name,
                floor_cut_by_cap=floor_cut,
            )
        )
    return terms


def _solve_price(terms: Sequence[_Terms], pot: int) -> Fraction:
    """The least λ ≥ 0 with Σ clamp(base + λ·w, lower, upper) = pot, found exactly.

    Raises CoreFundingError with the totals when no λ ≥ 0 reaches the pot.
    """
    floors_total = sum(t.lower for t in terms)
    if floors_total > pot:
        raise CoreFundingError(
            f"round refused: the stability floors alone come to £{floors_total:,} a year, "
            f"£{floors_total - pot:,} more than the pot of £{pot:,}",
            field="pot",
            numbers={"pot": pot, "floors_total": floors_total},
        )

    # f(λ) = constant + slope·λ between breakpoints; start at λ = 0 and collect the breakpoints
    # where a group starts rising (leaves its floor) or stops (reaches its ceiling).
    constant = Fraction(0)
    slope = Fraction(0)
    events: dict[Fraction, list[tuple[Fraction, Fraction]]] = {}
    ceiling_total: Fraction | None = Fraction(0)
    for t in terms:
        if t.weight == 0:
            fixed = _clamp(t.base, t.lower, t.upper)
            constant += fixed
            if ceiling_total is not None:
                ceiling_total += fixed
            continue
        if t.upper is None:
            ceiling_total = None
        elif ceiling_total is not None:
            ceiling_total += t.upper
        start = (t.lower - t.base) / t.weight
        stop = None if t.upper is None else (t.upper - t.base) / t.weight
        if stop is not None and stop <= 0:
            constant += t.upper  # already at its ceiling at λ = 0
            continue
        if start > 0:
            constant += t.lower
            # Leaving the floor at λ = start: value L becomes base + λ·w.
            events.setdefault(start, []).append((t.base - t.lower, t.weight))
        else:
            constant += t.base
            slope += t.weight
        if stop is not None:
            events.setdefault(stop, []).append((t.upper - t.base, -t.weight))

    if constant > pot:
        raise CoreFundingError(
            f"round refused: the base amounts (within caps and floors) come to "
            f"£{_pounds(constant):,} a year, more than the pot of £{pot:,}, leaving nothing "
            f"to share by need-weighted reach",
            field="pot",
            numbers={"pot": pot, "base_total": constant},
        )
    if ceiling_total is not None and ceiling_total < pot:
        raise CoreFundingError(
            f"round refused: the caps allow at most £{_pounds(ceiling_total):,} a year in "
            f"total, £{_pounds(pot - ceiling_total):,} short of the pot of £{pot:,}",
            field="pot",
            numbers={"pot": pot, "ceiling_total": ceiling_total},
        )
    if constant == pot:
        return Fraction(0)

    for point in sorted(events):
        if constant + slope * point >= pot:
            break  # the pot is crossed on the linear piece ending here
        for d_constant, d_slope in events[point]:
            constant += d_constant
            slope += d_slope
    # f is below the pot at the piece's start and reaches it by its end, so slope > 0.
    return (pot - constant) / slope


def _whole_pound_awards(exact: Sequence[Fraction], pot: int) -> tuple[list[int], int]:
    """Whole pounds by largest remainder, identical entitlements treated identically.

    Each award is first rounded down; the pounds left go one each to the largest remainders
    (equal remainders: the smaller entitlement first). All groups with the same exact entitlement
    move together: if the pounds left cannot reach all of them, none of them gets one and those
    pounds are returned as unallocated (fewer than the number of such groups).
    """
    amounts = [math.floor(x) for x in exact]
    left = pot - sum(amounts)
    classes: dict[Fraction, list[int]] = {}
    for i, x in enumerate(exact):
        if x != amounts[i]:
            classes.setdefault(x, []).append(i)
    for x in sorted(classes, key=lambda x: (-(x - math.floor(x)), x)):
        members = classes[x]
        if len(members) > left:
            break
        for i in members:
            amounts[i] += 1
        left -= len(members)
    return amounts, left


def _binding_bound(t: _Terms, formula: Fraction) -> str | None:
    if t.upper is not None and formula > t.upper:
        return t.upper_name
    if formula < t.lower:
        return t.upper_name if t.floor_cut_by_cap else LOWER_BOUND
    return None


# ----------------------------------------------------------------------------- validation


def _bands(bands: Sequence[SizeBand]) -> list[tuple[Fraction | None, Fraction]]:
    if not bands:
        raise CoreFundingError("bands: at least one size band is needed", field="bands")
    return [
        (
            None
            if band.max_income is None
            else _non_negative(band.max_income, f"bands[{i}].max_income"),
            _non_negative(band.base, f"bands[{i}].base"),
        )
        for i, band in enumerate(bands)
    ]


def _average_income(income: Number | Sequence[Number], gid: str) -> Fraction:
    # Any iterable of yearly figures (a list, a tuple, a NumPy array or pandas row) is a history.
    if isinstance(income, Iterable) and not isinstance(income, str | bytes):
        income = list(income)
        if not 1 <= len(income) <= MAX_INCOME_YEARS:
            raise CoreFundingError(
                f"group {gid!r}: income must be one number or a list of 1 to "
                f"{MAX_INCOME_YEARS} yearly incomes, not {len(income)}",
                field="income",
                group=gid,
            )
        values = [_non_negative(v, "income", gid) for v in income]
        return sum(values, Fraction(0)) / len(values)
    return _non_negative(income, "income", gid)


def _identifier(value: object, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise CoreFundingError(f"{name} must be a non-empty text id, not {value!r}", field=name)
    return value


def _exact(value: object, name: str, gid: str | None = None) -> Fraction:
    """A number as an exact fraction; floats by their shortest decimal form.

    Any real number type is accepted (NumPy's and pandas' too, for analysts in a notebook).
    """
    where = f"group {gid!r}: " if gid is not None else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Real | Decimal):
        raise CoreFundingError(
            f"{where}{name} must be a number, not {value!r}", field=name, group=gid
        )
    if isinstance(value, Decimal):
        if value.is_finite():
            return Fraction(value)
    elif isinstance(value, numbers.Rational):
        return Fraction(int(value.numerator), int(value.denominator))
    elif math.isfinite(float(value)):
        return Fraction(repr(float(value)))
    raise CoreFundingError(
        f"{where}{name} must be a finite number, not {value}", field=name, group=gid
    )


def _non_negative(value: object, name: str, gid: str | None = None) -> Fraction:
    number = _exact(value, name, gid)
    if number < 0:
        where = f"group {gid!r}: " if gid is not None else ""
        raise CoreFundingError(
            f"{where}{name} must not be negative, not {_plain(number)}", field=name, group=gid
        )
    return number


def _whole_pounds(value: object, name: str) -> int:
    number = _non_negative(value, name)
    if number.denominator != 1:
        raise CoreFundingError(
            f"{name} must be a whole number of pounds, not {float(number)}", field=name
        )
    return number.numerator


# ----------------------------------------------------------------------------- formatting


def _clamp(x: Fraction, lower: int, upper: int | None) -> Fraction:
    if upper is not None and x > upper:
        return Fraction(upper)
    return Fraction(lower) if x < lower else x


def _pounds(x: Fraction | int) -> int | float:
    """Money for display: whole pounds as an int, otherwise pounds and pence."""
    x = Fraction(x)
    return x.numerator if x.denominator == 1 else float(round(x, 2))


def _plain(x: Fraction) -> int | float:
    return x.numerator if x.denominator == 1 else float(x)
