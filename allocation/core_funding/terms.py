"""A group reduced to the formula: ``award = clamp(base + equality + λ·weight, lower, upper)``.

This module turns the inputs into those terms: need multipliers, the base for an income (stepped
or tapered), reach counted once with intensive support weighted and held to the round's cap
while unchecked, the concave reach term, the equality part and the bounds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from allocation.core_funding.errors import CoreFundingError
from allocation.core_funding.model import (
    MAX_INCOME_YEARS,
    Group,
    Neighbourhood,
    Number,
    Reach,
    RoundParameters,
)
from allocation.core_funding.values import clamp, decimal_power, identifier, non_negative

__all__ = ["Terms", "base_for_income", "group_terms", "need_multipliers"]


@dataclass(frozen=True)
class Terms:
    """One group's figures: award(λ) = clamp(base + equality + λ·weight, lower, upper)."""

    base: Fraction
    band: int
    income: Fraction
    reach: Fraction
    light: Fraction
    intensive: Fraction
    weighted: Fraction  # Σ_n (light + k·intensive)_n · m_n
    weight: Fraction  # weighted^β, the reach term
    need_multiplier: Fraction | None
    limited: bool
    equality_reach: Fraction
    equality_term: Fraction  # (city-wide light + k·intensive)^β
    equality: Fraction  # μ · equality_term
    lower: int
    upper: int | None
    upper_name: str | None
    floor_cut_by_cap: bool

    @property
    def fixed(self) -> Fraction:
        """The part of the formula amount that does not depend on λ."""
        return self.base + self.equality

    def value(self, price: Fraction) -> Fraction:
        return clamp(self.fixed + price * self.weight, self.lower, self.upper)


@dataclass(frozen=True)
class _Parameters:
    bands: list[tuple[Fraction | None, Fraction]]
    taper: bool
    cap: Fraction | None
    fraction: Fraction | None
    allowance: Fraction
    delta: Fraction
    beta: Fraction
    k: Fraction
    unchecked_cap: Fraction | None
    equality_share: Fraction


def need_multipliers(
    neighbourhoods: Sequence[Neighbourhood], alpha_in: Number
) -> dict[str, Fraction]:
    """m_n = (N_n / N̄)^α for every neighbourhood, as exact fractions."""
    alpha = non_negative(alpha_in, "alpha")
    needs: dict[str, Fraction] = {}
    for nb in neighbourhoods:
        nid = identifier(nb.id, "neighbourhoods.id")
        if nid in needs:
            raise CoreFundingError(
                f"neighbourhood {nid!r} is listed twice",
                code="duplicate",
                field="neighbourhoods.id",
            )
        needs[nid] = non_negative(nb.need, f"need of neighbourhood {nid!r}")
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
            code="need_all_zero",
            field="neighbourhoods.need",
        )
    return {nid: decimal_power(n / mean, alpha) for nid, n in needs.items()}


def base_for_income(
    bands: Sequence[tuple[Fraction | None, Fraction]], income: Fraction, taper: bool, gid: str
) -> tuple[int, Fraction]:
    """The band an income falls in and its base: stepped, or tapered between band edges.

    Tapered: band b's base is paid at its lower edge (0 for the first band) and the base rises
    (or falls) in a straight line to band b+1's base at band b+1's lower edge; the last band's
    base is paid from its lower edge up.
    """
    band = next((i for i, (limit, _) in enumerate(bands) if limit is None or income <= limit), None)
    if band is None:
        raise CoreFundingError(
            f"group {gid!r}: income {float(income):,.2f} is above every band's max_income",
            code="above_bands",
            field="income",
            group=gid,
        )
    if not taper or band == len(bands) - 1:
        return band, bands[band][1]
    low = Fraction(0) if band == 0 else bands[band - 1][0]
    high = bands[band][0]
    assert low is not None and high is not None  # checked by _parameters
    start, end = bands[band][1], bands[band + 1][1]
    return band, start + (end - start) * (income - low) / (high - low)


def group_terms(
    groups: Sequence[Group],
    params_in: RoundParameters,
    multipliers: Mapping[str, Fraction],
    pot: int,
) -> list[Terms]:
    params = _parameters(params_in)
    seen: set[str] = set()
    rows = []
    for group in groups:
        gid = identifier(group.id, "groups.id")
        if gid in seen:
            raise CoreFundingError(
                f"group {gid!r} is listed twice", code="duplicate", field="id", group=gid
            )
        seen.add(gid)
        rows.append(_group_row(group, gid, params, multipliers))

    equality_pot = params.equality_share * pot
    equality_terms = [row["equality_term"] for row in rows]
    equality_total = sum(equality_terms, Fraction(0))
    price = equality_pot / equality_total if equality_total else Fraction(0)
    return [
        _bounded(row, params, price * term) for row, term in zip(rows, equality_terms, strict=True)
    ]


def equality_pot_of(params_in: RoundParameters, pot: int, terms: Sequence[Terms]) -> Fraction:
    """The pounds set aside for the equality share: 0 when no group claims it."""
    if not any(t.equality for t in terms):
        return Fraction(0)
    return non_negative(params_in.equality_share, "equality_share") * pot


def _group_row(
    group: Group, gid: str, params: _Parameters, multipliers: Mapping[str, Fraction]
) -> dict:
    income = _average_income(group.income, gid)
    band, base = base_for_income(params.bands, income, params.taper, gid)
    counts: list[tuple[str, Fraction, Fraction]] = []
    for nid, people_in in group.reach.items():
        if nid not in multipliers:
            raise CoreFundingError(
                f"group {gid!r}: reach names unknown neighbourhood {nid!r}",
                code="unknown_neighbourhood",
                field="reach",
                group=gid,
            )
        light, intensive = _reach(people_in, f"reach in {nid!r}", gid)
        counts.append((nid, light, intensive))
    scale, limited = _unchecked_scale(
        sum((lt + it for _, lt, it in counts), Fraction(0)), group, params
    )
    light = intensive = weighted = people_weighted = Fraction(0)
    for nid, lt, it in counts:
        lt, it = lt * scale, it * scale
        light += lt
        intensive += it
        people = lt + params.k * it
        people_weighted += people
        weighted += people * multipliers[nid]

    equality_reach = Fraction(0)
    equality_term = Fraction(0)
    if group.equality_reach is not None:
        e_light, e_intensive = _reach(group.equality_reach, "equality_reach", gid)
        e_scale, e_limited = _unchecked_scale(e_light + e_intensive, group, params)
        limited = limited or e_limited
        equality_reach = (e_light + e_intensive) * e_scale
        equality_term = decimal_power((e_light + params.k * e_intensive) * e_scale, params.beta)

    previous = None if group.previous is None else non_negative(group.previous, "previous", gid)
    return {
        "base": base,
        "band": band,
        "income": income,
        "reach": light + intensive,
        "light": light,
        "intensive": intensive,
        "weighted": weighted,
        "weight": decimal_power(weighted, params.beta),
        "need_multiplier": weighted / people_weighted if people_weighted else None,
        "limited": limited,
        "equality_reach": equality_reach,
        "equality_term": equality_term,
        "previous": previous,
    }


def _bounded(row: dict, params: _Parameters, equality: Fraction) -> Terms:
    income, previous = row["income"], row["previous"]
    uppers: list[tuple[Fraction, str]] = []
    if params.cap is not None:
        uppers.append((params.cap, "cap"))
    if params.fraction is not None:
        uppers.append((params.fraction * income + params.allowance, "income"))
    # A previous award of 0 gives no band: (1 + δ) · 0 would shut the group out for good.
    if previous:
        uppers.append(((1 + params.delta) * previous, "stability-up"))
    # The tightest bound names itself; on a tie the first listed (cap, income, stability).
    upper_exact, upper_name = min(uppers, key=lambda u: u[0]) if uppers else (None, None)
    # Whole-pound bounds, rounded inwards so that no whole-pound award can break them.
    upper = None if upper_exact is None else math.floor(upper_exact)
    lower = math.ceil((1 - params.delta) * previous) if previous else 0
    floor_cut = upper is not None and lower > upper
    if floor_cut:
        lower = upper  # where a cap falls below the stability floor, the cap wins
    return Terms(
        base=row["base"],
        band=row["band"],
        income=income,
        reach=row["reach"],
        light=row["light"],
        intensive=row["intensive"],
        weighted=row["weighted"],
        weight=row["weight"],
        need_multiplier=row["need_multiplier"],
        limited=row["limited"],
        equality_reach=row["equality_reach"],
        equality_term=row["equality_term"],
        equality=equality,
        lower=lower,
        upper=upper,
        upper_name=upper_name,
        floor_cut_by_cap=floor_cut,
    )


def _unchecked_scale(people: Fraction, group: Group, params: _Parameters) -> tuple[Fraction, bool]:
    """The factor an unchecked reach figure is scaled by to meet the round's cap, and whether it was."""
    cap = params.unchecked_cap
    if group.reach_checked or cap is None or people <= cap:
        return Fraction(1), False
    return cap / people, True


def _reach(value: Number | Reach, name: str, gid: str) -> tuple[Fraction, Fraction]:
    if isinstance(value, Reach):
        return (
            non_negative(value.light, f"{name} (light)", gid),
            non_negative(value.intensive, f"{name} (intensive)", gid),
        )
    return non_negative(value, name, gid), Fraction(0)


def _parameters(params: RoundParameters) -> _Parameters:
    if not params.bands:
        raise CoreFundingError(
            "bands: at least one size band is needed", code="no_bands", field="bands"
        )
    bands = [
        (
            None
            if band.max_income is None
            else non_negative(band.max_income, f"bands[{i}].max_income"),
            non_negative(band.base, f"bands[{i}].base"),
        )
        for i, band in enumerate(params.bands)
    ]
    taper = params.base_taper
    if not isinstance(taper, bool):
        raise CoreFundingError(
            f"base_taper must be true or false, not {taper!r}",
            code="wrong_type",
            field="base_taper",
        )
    if taper:
        _check_taper(bands)
    delta = non_negative(params.delta, "delta")
    if delta > 1:
        raise CoreFundingError(
            f"delta must be between 0 and 1, not {float(delta):g}",
            code="out_of_range",
            field="delta",
        )
    beta = non_negative(params.reach_exponent, "reach_exponent")
    if not 0 < beta <= 1:
        raise CoreFundingError(
            f"reach_exponent must be above 0 and at most 1, not {float(beta):g}",
            code="out_of_range",
            field="reach_exponent",
        )
    k = non_negative(params.intensive_weight, "intensive_weight")
    if k < 1:
        raise CoreFundingError(
            f"intensive_weight must be at least 1, not {float(k):g}",
            code="out_of_range",
            field="intensive_weight",
        )
    share = non_negative(params.equality_share, "equality_share")
    if share >= 1:
        raise CoreFundingError(
            f"equality_share must be below 1, not {float(share):g}",
            code="out_of_range",
            field="equality_share",
        )
    return _Parameters(
        bands=bands,
        taper=taper,
        cap=None if params.cap is None else non_negative(params.cap, "cap"),
        fraction=(
            None
            if params.cap_income_fraction is None
            else non_negative(params.cap_income_fraction, "cap_income_fraction")
        ),
        allowance=non_negative(params.cap_income_allowance, "cap_income_allowance"),
        delta=delta,
        beta=beta,
        k=k,
        unchecked_cap=(
            None
            if params.unchecked_reach_cap is None
            else non_negative(params.unchecked_reach_cap, "unchecked_reach_cap")
        ),
        equality_share=share,
    )


def _check_taper(bands: Sequence[tuple[Fraction | None, Fraction]]) -> None:
    low = Fraction(0)
    for i, (limit, base) in enumerate(bands[:-1]):
        if limit is None or limit <= low:
            raise CoreFundingError(
                f"bands[{i}].max_income must be above the band before it (and above 0) when "
                "the base is tapered",
                code="bands_order",
                field=f"bands[{i}].max_income",
            )
        step = abs(bands[i + 1][1] - base)
        if step > limit - low:
            raise CoreFundingError(
                f"bands[{i + 1}].base: the base would change by £{float(step):,.0f} across "
                f"£{float(limit - low):,.0f} of income, more than £1 per £1 of income",
                code="base_too_steep",
                field=f"bands[{i + 1}].base",
            )
        low = limit


def _average_income(income: Number | Sequence[Number], gid: str) -> Fraction:
    # Any iterable of yearly figures (a list, a tuple, a NumPy array or pandas row) is a history.
    if isinstance(income, Iterable) and not isinstance(income, str | bytes):
        income = list(income)
        if not 1 <= len(income) <= MAX_INCOME_YEARS:
            raise CoreFundingError(
                f"group {gid!r}: income must be one number or a list of 1 to "
                f"{MAX_INCOME_YEARS} yearly incomes, not {len(income)}",
                code="income_years",
                field="income",
                group=gid,
            )
        values = [non_negative(v, "income", gid) for v in income]
        return sum(values, Fraction(0)) / len(values)
    return non_negative(income, "income", gid)
