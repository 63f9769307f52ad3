"""Compute a round's awards; the effect of more reach on one award; the subsidy-control check."""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from allocation.core_funding.errors import CoreFundingError
from allocation.core_funding.model import (
    LOWER_BOUND,
    UPPER_BOUNDS,
    Award,
    CoreFundingResult,
    Group,
    Reach,
    Round,
)
from allocation.core_funding.solver import solve_price, whole_pound_awards
from allocation.core_funding.terms import Terms, equality_pot_of, group_terms, need_multipliers
from allocation.core_funding.values import exact as exact_number
from allocation.core_funding.values import non_negative, whole_pounds

__all__ = ["ReachEffect", "compute_core_awards", "reach_effect"]


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
        ``code`` says what is wrong (see :data:`~allocation.core_funding.ERROR_CODES`): an invalid
        input (``field`` and ``group`` say where), a round no price can meet, or an award that
        would take a trading group over the subsidy-control threshold (``numbers`` holds the
        figures that show why).
    """
    pot = whole_pounds(funding_round.pot, "pot")
    years = funding_round.years
    if isinstance(years, bool) or not isinstance(years, numbers.Integral) or years < 1:
        raise CoreFundingError(
            f"years must be a whole number of at least 1, not {years!r}",
            code="out_of_range" if isinstance(years, numbers.Integral) else "wrong_type",
            field="years",
        )
    years = int(years)
    params = funding_round.parameters
    multipliers = need_multipliers(funding_round.neighbourhoods, params.alpha)
    terms = group_terms(groups, params, multipliers, pot)

    price = solve_price(terms, pot)
    exact = [t.value(price) for t in terms]
    if sum(exact, Fraction(0)) != pot:  # pragma: no cover - the solver guarantees it
        raise AssertionError("core funding: exact awards do not add up to the pot")
    amounts, unallocated = whole_pound_awards(exact, pot)

    awards = [
        _award(group, t, x, amount, price, years)
        for group, t, x, amount in zip(groups, terms, exact, amounts, strict=True)
    ]
    _check_subsidy_control(awards, params.mfa_threshold)
    equality_pot = equality_pot_of(params, pot, terms)
    return CoreFundingResult(
        awards=tuple(awards),
        pot=pot,
        total=pot - unallocated,
        unallocated=unallocated,
        years=years,
        reach_price=price,
        need_multipliers=multipliers,
        equality_pot=equality_pot,
        equality_price=_equality_price(terms),
    )


def _award(group: Group, t: Terms, x: Fraction, amount: int, price: Fraction, years: int) -> Award:
    formula = t.fixed + price * t.weight
    bound = _binding_bound(t, formula)
    return Award(
        group=group.id,
        amount=amount,
        base=t.base,
        band=t.band,
        income=t.income,
        reach=t.reach,
        need_multiplier=t.need_multiplier,
        reach_part=price * t.weight,
        formula_amount=formula,
        exact=x,
        lower=t.lower,
        upper=t.upper,
        bound=bound,
        capped=bound in UPPER_BOUNDS,
        years=years,
        reach_light=t.light,
        reach_intensive=t.intensive,
        weighted_reach=t.weighted,
        reach_term=t.weight,
        reach_limited=t.limited,
        equality_reach=t.equality_reach,
        equality_part=t.equality,
        trades=bool(group.trades),
        mfa_received=non_negative(group.mfa_received, "mfa_received", group.id),
    )


def _equality_price(terms: Sequence[Terms]) -> Fraction:
    # μ = equality part / city-wide reach term, the same for every claiming group.
    return next((t.equality / t.equality_term for t in terms if t.equality), Fraction(0))


def _binding_bound(t: Terms, formula: Fraction) -> str | None:
    if t.upper is not None and formula > t.upper:
        return t.upper_name
    if formula < t.lower:
        return t.upper_name if t.floor_cut_by_cap else LOWER_BOUND
    return None


def _check_subsidy_control(awards: Sequence[Award], threshold_in: object) -> None:
    """Refuse an award that takes a trading group over the Minimal Financial Assistance threshold.

    The whole award (``amount × years``) counts when it is given, with the MFA the group has had
    in this and the two previous financial years.
    """
    if threshold_in is None:
        return
    threshold = non_negative(threshold_in, "mfa_threshold")
    for award in awards:
        if not award.trades:
            continue
        total = award.mfa_received + award.round_total
        if total > threshold:
            raise CoreFundingError(
                f"round refused: group {award.group!r} trades, and its award of "
                f"£{award.round_total:,} with £{float(award.mfa_received):,.0f} of Minimal "
                f"Financial Assistance already received comes to £{float(total):,.0f}, over the "
                f"threshold of £{float(threshold):,.0f}",
                code="subsidy_limit",
                field="mfa_received",
                group=award.group,
                numbers={
                    "threshold": threshold,
                    "received": award.mfa_received,
                    "award_total": award.round_total,
                    "total": total,
                },
            )


@dataclass(frozen=True)
class ReachEffect:
    """One group's award as computed, and as it would be with its reach figures scaled."""

    group: str
    factor: Fraction
    amount: int
    amount_with_more: int
    exact: Fraction
    exact_with_more: Fraction

    @property
    def change(self) -> int:
        return self.amount_with_more - self.amount


def reach_effect(
    funding_round: Round,
    groups: Sequence[Group],
    group_id: str,
    factor: Fraction = Fraction(11, 10),
) -> ReachEffect:
    """What the award of ``group_id`` would be had it reported ``factor`` times its reach.

    Every count (each neighbourhood's light and intensive people, and city-wide reach) is scaled;
    every other group is unchanged and the round is solved again.
    """
    before = compute_core_awards(funding_round, groups)
    scaled = [_scaled(g, factor) if g.id == group_id else g for g in groups]
    after = compute_core_awards(funding_round, scaled)
    index = next(i for i, g in enumerate(groups) if g.id == group_id)
    return ReachEffect(
        group=group_id,
        factor=factor,
        amount=before.awards[index].amount,
        amount_with_more=after.awards[index].amount,
        exact=before.awards[index].exact,
        exact_with_more=after.awards[index].exact,
    )


def _scaled(group: Group, factor: Fraction) -> Group:
    def scale(value):
        if isinstance(value, Reach):
            return Reach(
                exact_number(value.light, "reach") * factor,
                exact_number(value.intensive, "reach") * factor,
            )
        return exact_number(value, "reach") * factor

    return dataclasses.replace(
        group,
        reach={nid: scale(v) for nid, v in group.reach.items()},
        equality_reach=None if group.equality_reach is None else scale(group.equality_reach),
    )
