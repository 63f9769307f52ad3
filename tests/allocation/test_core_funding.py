"""Core-funding awards: hand-worked rounds, invariants on random rounds, the command line."""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocation.core_funding import (
    UPPER_BOUNDS,
    CoreFundingError,
    CoreFundingResult,
    Group,
    Neighbourhood,
    Round,
    RoundParameters,
    SizeBand,
    compute_core_awards,
)
from allocation.core_funding_cli import add_commands

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]

# The worked example of docs/core-funding.md. Need: A 30, B 10, mean N̄ = 20, α = 1, so
# m_A = 1.5 and m_B = 0.5. Bands: up to £10k → £1,000; up to £100k → £3,000; above → £5,000.
BANDS = [SizeBand(10_000, 1_000), SizeBand(100_000, 3_000), SizeBand(None, 5_000)]
NEED = [Neighbourhood("A", 30), Neighbourhood("B", 10)]


def worked_round(pot: int, *, cap: int | None = 20_000, delta: float = 0.1) -> Round:
    params = RoundParameters(bands=BANDS, alpha=1, cap=cap, cap_income_fraction=0.5, delta=delta)
    return Round(pot=pot, parameters=params, neighbourhoods=NEED, years=3)


def worked_groups(previous: tuple[int | None, int | None, int | None] = (None, None, None)):
    # Need-weighted reach Reach·D: g1 100·1.5 = 150; g2 100·1.5 + 200·0.5 = 250; g3 400·0.5 = 200.
    return [
        Group("g1", 8_000, {"A": 100}, previous[0]),
        Group("g2", 50_000, {"A": 100, "B": 200}, previous[1]),
        Group("g3", 200_000, {"B": 400}, previous[2]),
    ]


def amounts(result: CoreFundingResult) -> dict[str, int]:
    return {award.group: award.amount for award in result.awards}


def single_band_round(pot: int, **overrides) -> Round:
    """One band with base 0, one neighbourhood of need 1: awards are λ · people reached."""
    params = dict(bands=[SizeBand(None, 0)], alpha=1, cap=None, cap_income_fraction=None, delta=0.1)
    params.update(overrides)
    return Round(
        pot=pot, parameters=RoundParameters(**params), neighbourhoods=[Neighbourhood("n", 1)]
    )


# ----------------------------------------------------------------------------- hand-worked


def test_pot_beyond_the_bases_is_shared_by_need_weighted_reach():
    # Bases 1,000 + 3,000 + 5,000 = 9,000; V = 19,000 − 9,000 = 10,000 over Σ Reach·D = 600,
    # λ = 50/3. g1 = 1,000 + 150·50/3 = 3,500; g2 = 3,000 + 250·50/3 = 7,166.67;
    # g3 = 5,000 + 200·50/3 = 8,333.33. Rounded down: 18,999; the last pound goes to the largest
    # remainder (g2, .67): 3,500 + 7,167 + 8,333 = 19,000.
    result = compute_core_awards(worked_round(19_000), worked_groups())
    assert amounts(result) == {"g1": 3_500, "g2": 7_167, "g3": 8_333}
    assert result.reach_price == Fraction(50, 3)
    assert (result.total, result.unallocated) == (19_000, 0)
    g2 = result.awards[1]
    assert (g2.base, g2.need_multiplier, g2.bound, g2.capped) == (
        3_000,
        Fraction(5, 6),
        None,
        False,
    )


def test_income_cap_binds_and_the_rest_is_reshared_among_the_others():
    # At pot 22,000 a single λ = 13,000/600 would give g1 1,000 + 150·21.67 = 4,250, above half
    # its income (4,000). Pin g1 at 4,000; g2 and g3 share 18,000: 8,000 + 450λ = 18,000,
    # λ = 200/9. g2 = 3,000 + 250·200/9 = 8,555.56; g3 = 5,000 + 200·200/9 = 9,444.44.
    # Rounded down 4,000 + 8,555 + 9,444 = 21,999; the pound left goes to g2 (.56 > .44).
    result = compute_core_awards(worked_round(22_000), worked_groups())
    assert amounts(result) == {"g1": 4_000, "g2": 8_556, "g3": 9_444}
    assert result.reach_price == Fraction(200, 9)
    g1 = result.awards[0]
    assert (g1.bound, g1.capped, g1.upper) == ("income", True, 4_000)
    assert g1.formula_amount == 1_000 + 150 * Fraction(200, 9)  # what the formula asked for


def test_stability_floor_lifts_a_group_and_the_others_share_what_is_left():
    # g3 had 12,000: floor 0.9·12,000 = 10,800, ceiling 13,200. Its formula amount is far below,
    # so it gets 10,800; g1 and g2 share 8,200: 4,000 + 400λ = 8,200, λ = 10.5.
    # g1 = 1,000 + 150·10.5 = 2,575; g2 = 3,000 + 250·10.5 = 5,625; g3 formula 5,000 + 2,100.
    result = compute_core_awards(worked_round(19_000), worked_groups((None, None, 12_000)))
    assert amounts(result) == {"g1": 2_575, "g2": 5_625, "g3": 10_800}
    g3 = result.awards[2]
    assert (g3.bound, g3.capped, g3.formula_amount, g3.lower) == (
        "stability-down",
        False,
        7_100,
        10_800,
    )


def test_stability_ceiling_limits_how_fast_an_award_grows():
    # g1 had 2,000: ceiling 1.1·2,000 = 2,200 < its formula amount, so it gets 2,200.
    # g2 and g3 share 16,800: 8,000 + 450λ = 16,800, λ = 176/9; g2 = 7,888.89, g3 = 8,911.11.
    # Rounded down 2,200 + 7,888 + 8,911 = 18,999; the last pound goes to g2 (.89).
    result = compute_core_awards(worked_round(19_000), worked_groups((2_000, None, None)))
    assert amounts(result) == {"g1": 2_200, "g2": 7_889, "g3": 8_911}
    assert (result.awards[0].bound, result.awards[0].capped) == ("stability-up", True)


def test_a_cap_below_the_stability_floor_wins():
    # g3 had 30,000: floor 27,000, but the absolute cap is 20,000, so g3 is held at 20,000.
    # g1 and g2 share 25,000 − 20,000 = 5,000: 4,000 + 400λ = 5,000, λ = 2.5;
    # g1 = 1,000 + 375 = 1,375; g2 = 3,000 + 625 = 3,625.
    result = compute_core_awards(worked_round(25_000), worked_groups((None, None, 30_000)))
    assert amounts(result) == {"g1": 1_375, "g2": 3_625, "g3": 20_000}
    g3 = result.awards[2]
    assert (g3.bound, g3.capped, g3.lower, g3.upper) == ("cap", True, 20_000, 20_000)


def test_a_group_that_reaches_nobody_gets_its_base_only():
    # g0 reaches nobody: base 1,000 whatever λ is. g1 (reach A 100, weight 150) takes the rest.
    groups = [Group("g0", 5_000, {}, None), Group("g1", 8_000, {"A": 100}, None)]
    result = compute_core_awards(worked_round(3_000), groups)
    assert amounts(result) == {"g0": 1_000, "g1": 2_000}
    assert result.awards[0].need_multiplier is None
    assert result.awards[0].reach_part == 0


def test_income_given_for_three_years_is_averaged_for_band_and_cap():
    # Average of 7,000, 8,000 and 12,000 is 9,000: band 1 (base 1,000), cap 0.5·9,000 = 4,500.
    groups = [
        Group("g1", [7_000, 8_000, 12_000], {"A": 100}, None),
        Group("g2", 50_000, {"A": 100, "B": 200}, None),
    ]
    result = compute_core_awards(worked_round(20_000), groups)
    g1 = result.awards[0]
    assert (g1.income, g1.base, g1.amount, g1.bound) == (9_000, 1_000, 4_500, "income")
    assert amounts(result)["g2"] == 15_500


def test_a_previous_award_of_nothing_gives_no_stability_band():
    # (1 + δ)·0 would cap the group at 0 for ever; it is treated as new instead.
    result = compute_core_awards(worked_round(19_000), worked_groups((0, None, None)))
    assert amounts(result) == {"g1": 3_500, "g2": 7_167, "g3": 8_333}


def test_identical_groups_share_leftover_pounds_only_when_all_of_them_can_have_one():
    # One neighbourhood of need 1, base 0: awards are λ · reach. A and B reach 10, C reaches 20.
    groups = [Group("A", 0, {"n": 10}), Group("B", 0, {"n": 10}), Group("C", 0, {"n": 20})]
    # Pot 103: λ = 103/40; A = B = 25.75, C = 51.5; rounded down 101, 2 pounds left: the class
    # {A, B} (remainder .75) takes both, C stays at 51.
    assert amounts(compute_core_awards(single_band_round(103), groups)) == {
        "A": 26,
        "B": 26,
        "C": 51,
    }
    # Pot 102: A = B = 25.5, C = 51 exactly; rounded down 101, 1 pound left, which cannot go to
    # A and B both: it is held back and disclosed.
    result = compute_core_awards(single_band_round(102), groups)
    assert amounts(result) == {"A": 25, "B": 25, "C": 51}
    assert (result.total, result.unallocated, result.pot) == (101, 1, 102)


def test_three_identical_groups_never_differ_by_a_pound():
    # 100 / 3 = 33.33 each: 99 awarded, 1 pound unallocated rather than 34/33/33.
    groups = [Group(gid, 0, {"n": 10}) for gid in ("x", "y", "z")]
    result = compute_core_awards(single_band_round(100), groups)
    assert amounts(result) == {"x": 33, "y": 33, "z": 33}
    assert (result.total, result.unallocated) == (99, 1)


def test_equal_remainders_give_the_pound_to_the_smaller_entitlement():
    # λ = 22/40: A = 10·0.55 = 5.5, C = 30·0.55 = 16.5; one pound left, equal remainders .5:
    # it goes to A, the smaller award; group ids and order play no part.
    groups = [Group("zz", 0, {"n": 30}), Group("aa", 0, {"n": 10})]
    assert amounts(compute_core_awards(single_band_round(22), groups)) == {"aa": 6, "zz": 16}
    assert amounts(compute_core_awards(single_band_round(22), groups[::-1])) == {"aa": 6, "zz": 16}


def test_fractional_alpha_uses_the_need_ratio_to_that_power():
    # Needs 4 and 1, mean 2.5: m = (1.6)^0.5 and (0.4)^0.5.
    params = RoundParameters(
        bands=[SizeBand(None, 0)], alpha=0.5, cap=None, cap_income_fraction=None, delta=0
    )
    nbs = [Neighbourhood("hi", 4), Neighbourhood("lo", 1)]
    result = compute_core_awards(Round(1_000, params, nbs), [Group("g", 0, {"hi": 1})])
    assert float(result.need_multipliers["hi"]) == pytest.approx(math.sqrt(1.6), rel=1e-15)
    assert float(result.need_multipliers["lo"]) == pytest.approx(math.sqrt(0.4), rel=1e-15)
    assert result.awards[0].amount == 1_000


def test_alpha_zero_ignores_need():
    params = RoundParameters(
        bands=[SizeBand(None, 0)], alpha=0, cap=None, cap_income_fraction=None, delta=0
    )
    nbs = [Neighbourhood("hi", 9), Neighbourhood("lo", 0)]
    groups = [Group("a", 0, {"hi": 5}), Group("b", 0, {"lo": 5})]
    assert amounts(compute_core_awards(Round(1_000, params, nbs), groups)) == {"a": 500, "b": 500}


def test_numpy_numbers_from_a_notebook_are_accepted():
    import numpy as np

    groups = [
        Group("g1", np.array([7_000, 8_000, 9_000]), {"A": np.int64(100)}, None),
        Group("g2", np.float64(50_000), {"A": 100, "B": 200}, None),
        Group("g3", 200_000, {"B": 400}, np.int64(0)),
    ]
    result = compute_core_awards(worked_round(np.int64(22_000)), groups)
    assert amounts(result) == {"g1": 4_000, "g2": 8_556, "g3": 9_444}


def test_float_parameters_mean_the_decimal_they_print_as():
    # δ = 0.1 is one tenth: previous 1,005 gives ceiling ⌊1,105.5⌋ = 1,105, floor ⌈904.5⌉ = 905.
    result = compute_core_awards(
        single_band_round(2_000, delta=0.1),
        [Group("a", 0, {"n": 1}, 1_005), Group("b", 0, {"n": 1})],
    )
    assert (result.awards[0].lower, result.awards[0].upper) == (905, 1_105)
    assert amounts(result) == {"a": 1_000, "b": 1_000}


# ----------------------------------------------------------------------------- refusals


def test_round_is_refused_when_stability_floors_exceed_the_pot():
    # Floors 0.9·12,000 + 0.9·12,000 = 21,600 > 20,000.
    with pytest.raises(CoreFundingError) as caught:
        compute_core_awards(worked_round(20_000), worked_groups((None, 12_000, 12_000)))
    assert caught.value.numbers == {"pot": 20_000, "floors_total": 21_600}
    assert "21,600" in str(caught.value) and "20,000" in str(caught.value)


def test_round_is_refused_when_caps_fall_short_of_the_pot():
    # Caps 4,000 (half of g1's income), 20,000, 20,000: at most 44,000 can be awarded.
    with pytest.raises(CoreFundingError) as caught:
        compute_core_awards(worked_round(50_000), worked_groups())
    assert caught.value.numbers == {"pot": 50_000, "ceiling_total": 44_000}
    assert "44,000" in str(caught.value)


def test_round_is_refused_when_base_amounts_alone_exceed_the_pot():
    with pytest.raises(CoreFundingError) as caught:
        compute_core_awards(worked_round(8_000), worked_groups())
    assert caught.value.numbers == {"pot": 8_000, "base_total": 9_000}


def test_round_is_refused_when_nobody_has_reach_and_bases_fall_short():
    # No reach: awards are bases (9,000) whatever λ; the other 1,000 has nowhere to go.
    groups = [Group(g.id, g.income, {}, None) for g in worked_groups()]
    with pytest.raises(CoreFundingError) as caught:
        compute_core_awards(worked_round(10_000), groups)
    assert caught.value.numbers == {"pot": 10_000, "ceiling_total": 9_000}


@pytest.mark.parametrize(
    ("groups", "field", "group", "words"),
    [
        ([Group("g", -5, {"A": 1})], "income", "g", "must not be negative"),
        ([Group("g", [1, 2, 3, 4], {"A": 1})], "income", "g", "1 to 3"),
        ([Group("g", 5, {"Z": 1})], "reach", "g", "unknown neighbourhood 'Z'"),
        ([Group("g", 5, {"A": -1})], "reach in 'A'", "g", "must not be negative"),
        ([Group("g", 5, {"A": 1}, -3)], "previous", "g", "must not be negative"),
        ([Group("g", 5, {}), Group("g", 6, {})], "id", "g", "listed twice"),
        ([Group("g", "5", {})], "income", "g", "must be a number"),
    ],
)
def test_invalid_group_inputs_name_the_field_and_the_group(groups, field, group, words):
    with pytest.raises(CoreFundingError) as caught:
        compute_core_awards(worked_round(10_000), groups)
    assert (caught.value.field, caught.value.group) == (field, group)
    assert words in str(caught.value)


def test_income_above_every_band_is_refused():
    params = RoundParameters(
        bands=[SizeBand(10_000, 1_000)], alpha=1, cap=None, cap_income_fraction=None, delta=0
    )
    with pytest.raises(CoreFundingError, match="above every band") as caught:
        compute_core_awards(Round(1_000, params, NEED), [Group("big", 20_000, {})])
    assert caught.value.group == "big"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pot": 1000.5}, "pot"),
        ({"pot": -1}, "pot"),
        ({"delta": 1.5}, "delta"),
        ({"alpha": -1}, "alpha"),
        ({"cap": -10}, "cap"),
    ],
)
def test_invalid_round_parameters_are_refused_naming_the_field(change, field):
    pot = change.pop("pot", 100)
    with pytest.raises(CoreFundingError) as caught:
        compute_core_awards(single_band_round(pot, **change), [Group("g", 0, {"n": 1})])
    assert caught.value.field == field


# ----------------------------------------------------------------------------- random rounds

NEIGHBOURHOODS = ["n0", "n1", "n2", "n3"]


@st.composite
def random_rounds(draw):
    """A random round with some groups cloned under new ids, and a pot near the feasible range."""
    needs = draw(
        st.lists(
            st.integers(0, 50), min_size=len(NEIGHBOURHOODS), max_size=len(NEIGHBOURHOODS)
        ).filter(any)
    )
    nbs = [Neighbourhood(nid, n) for nid, n in zip(NEIGHBOURHOODS, needs, strict=True)]
    limits = sorted(draw(st.sets(st.integers(1_000, 300_000), max_size=3)))
    bases = draw(
        st.lists(
            st.integers(0, 3_000) | st.fractions(0, 3_000, max_denominator=4),
            min_size=len(limits) + 1,
            max_size=len(limits) + 1,
        )
    )
    bands = [SizeBand(limit, base) for limit, base in zip([*limits, None], bases, strict=True)]
    params = RoundParameters(
        bands=bands,
        alpha=draw(st.sampled_from([0, 0.5, 1, 2])),
        cap=draw(st.none() | st.integers(0, 40_000)),
        cap_income_fraction=draw(st.none() | st.sampled_from([0.1, 0.25, 0.5, 1])),
        delta=draw(st.sampled_from([0, 0.05, 0.1, 0.25, 1])),
    )
    profile = st.tuples(
        st.integers(0, 400_000) | st.lists(st.integers(0, 400_000), min_size=1, max_size=3),
        st.dictionaries(st.sampled_from(NEIGHBOURHOODS), st.integers(0, 500), max_size=4),
        st.none() | st.integers(0, 30_000),
    )
    profiles = draw(st.lists(profile, max_size=7))
    clones = draw(st.lists(st.integers(0, 6), max_size=4)) if profiles else []
    profiles += [profiles[i % len(profiles)] for i in clones]
    groups = [Group(f"g{i}", *p) for i, p in enumerate(profiles)]
    # The pot is drawn around the range a feasible round allows, so that both sides are tried.
    low, high = feasible_pot_range(params, nbs, groups)
    top = (high if high is not None else low + 100_000) + 1_000
    pot = draw(st.integers(max(0, low - 1_000), top))
    return Round(pot, params, nbs, years=draw(st.integers(1, 5))), groups


def bounds(params: RoundParameters, group: Group) -> tuple[Fraction, int, int | None]:
    """Base and whole-pound [lower, upper] of a group, restated from the formula."""
    incomes = group.income if isinstance(group.income, list) else [group.income]
    income = Fraction(sum(incomes), len(incomes))
    base = next(b.base for b in params.bands if b.max_income is None or income <= b.max_income)
    delta = Fraction(str(params.delta))
    uppers = []
    if params.cap is not None:
        uppers.append(Fraction(params.cap))
    if params.cap_income_fraction is not None:
        uppers.append(Fraction(str(params.cap_income_fraction)) * income)
    if group.previous:
        uppers.append((1 + delta) * group.previous)
    upper = math.floor(min(uppers)) if uppers else None
    lower = math.ceil((1 - delta) * group.previous) if group.previous else 0
    if upper is not None:
        lower = min(lower, upper)
    return Fraction(base), lower, upper


def clamp(x: Fraction, lower: int, upper: int | None) -> Fraction:
    return max(Fraction(lower), x if upper is None else min(x, Fraction(upper)))


def has_weighted_reach(params: RoundParameters, nbs: list[Neighbourhood], group: Group) -> bool:
    need = {nb.id: nb.need for nb in nbs}
    return any(
        people > 0 and (need[n] > 0 or params.alpha == 0) for n, people in group.reach.items()
    )


def feasible_pot_range(params, nbs, groups) -> tuple[int, int | None]:
    """Σ awards at λ = 0 and as λ → ∞: the pots some λ ≥ 0 can meet (None: no upper limit)."""
    at_zero, at_infinity = Fraction(0), Fraction(0)
    for group in groups:
        base, lower, upper = bounds(params, group)
        fixed = min(max(base, lower), upper) if upper is not None else max(base, lower)
        at_zero += fixed
        if at_infinity is None:
            continue
        if not has_weighted_reach(params, nbs, group):
            at_infinity += fixed
        elif upper is None:
            at_infinity = None
        else:
            at_infinity += upper
    return math.ceil(at_zero), None if at_infinity is None else math.floor(at_infinity)


def exact_class_sizes(result: CoreFundingResult) -> dict[Fraction, int]:
    sizes: dict[Fraction, int] = {}
    for award in result.awards:
        if award.exact.denominator != 1:
            sizes[award.exact] = sizes.get(award.exact, 0) + 1
    return sizes


@settings(max_examples=150, deadline=None)
@given(random_rounds())
def test_random_round_is_funded_exactly_when_a_price_can_meet_the_pot(case):
    funding_round, groups = case
    low, high = feasible_pot_range(funding_round.parameters, funding_round.neighbourhoods, groups)
    feasible = low <= funding_round.pot and (high is None or funding_round.pot <= high)
    try:
        result = compute_core_awards(funding_round, groups)
    except CoreFundingError as refusal:
        assert not feasible
        numbers, pot = refusal.numbers, funding_round.pot
        assert numbers["pot"] == pot
        assert (
            numbers.get("floors_total", -1) > pot
            or numbers.get("base_total", -1) > pot
            or numbers.get("ceiling_total", math.inf) < pot
        )
        return
    assert feasible
    check_invariants(funding_round, groups, result)


def check_invariants(funding_round: Round, groups: list[Group], result: CoreFundingResult):
    params, pot = funding_round.parameters, funding_round.pot
    price = result.reach_price
    # Exact entitlements add up to the pot; whole pounds add up to it less the disclosed rest.
    assert sum(a.exact for a in result.awards) == pot
    assert sum(a.amount for a in result.awards) == result.total
    assert result.total + result.unallocated == pot
    sizes = exact_class_sizes(result)
    assert 0 <= result.unallocated < max(sizes.values(), default=1)
    if all(size == 1 for size in sizes.values()):
        assert result.unallocated == 0
    rising = False
    for group, award in zip(groups, result.awards, strict=True):
        base, lower, upper = bounds(params, group)
        weight = award.reach * (award.need_multiplier or 0)
        formula = base + price * weight
        assert award.base == base and award.exact == clamp(formula, lower, upper)
        rising = rising or (weight > 0 and lower < formula <= clamp(formula, lower, upper))
        # Whole pounds: within a pound of the entitlement, never past a cap or floor.
        assert abs(award.amount - award.exact) < 1
        assert lower <= award.amount and (upper is None or award.amount <= upper)
        if params.cap is not None:
            assert award.amount <= params.cap
        incomes = group.income if isinstance(group.income, list) else [group.income]
        if params.cap_income_fraction is not None:
            assert award.amount <= (
                Fraction(str(params.cap_income_fraction)) * Fraction(sum(incomes), len(incomes))
            )
        if group.previous:
            delta = Fraction(str(params.delta))
            assert award.amount <= (1 + delta) * group.previous
            assert award.amount >= (1 - delta) * group.previous or award.amount == upper
        assert award.capped == (award.bound in UPPER_BOUNDS)
        assert award.round_total == award.amount * funding_round.years
    # λ is the least price that meets the pot: 0, or some group is still rising at λ.
    assert price >= 0 and (price == 0 or rising)


@settings(max_examples=100, deadline=None)
@given(random_rounds(), st.randoms(use_true_random=False))
def test_order_of_groups_changes_no_award(case, rng):
    funding_round, groups = case
    shuffled = list(groups)
    rng.shuffle(shuffled)
    try:
        first = compute_core_awards(funding_round, groups)
    except CoreFundingError as refusal:
        with pytest.raises(CoreFundingError) as again:
            compute_core_awards(funding_round, shuffled)
        assert again.value.numbers == refusal.numbers
        return
    second = compute_core_awards(funding_round, shuffled)
    assert {a.group: a for a in first.awards} == {a.group: a for a in second.awards}
    assert (first.total, first.reach_price) == (second.total, second.reach_price)


@settings(max_examples=100, deadline=None)
@given(random_rounds())
def test_groups_with_the_same_inputs_get_the_same_award(case):
    funding_round, groups = case
    try:
        result = compute_core_awards(funding_round, groups)
    except CoreFundingError:
        return
    by_inputs: dict[str, set[tuple]] = {}
    for group, award in zip(groups, result.awards, strict=True):
        key = repr((group.income, sorted(group.reach.items()), group.previous))
        by_inputs.setdefault(key, set()).add(
            (award.amount, award.exact, award.bound, award.reach_part)
        )
    assert all(len(outcomes) == 1 for outcomes in by_inputs.values())


# ----------------------------------------------------------------------------- command line


def run_cli(path: Path, capsys) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers())
    args = parser.parse_args(["core-funding", str(path)])
    status = args.func(args)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def write_round(tmp_path: Path, change=None) -> Path:
    data = json.loads((FIXTURES / "core_funding_example.json").read_text())
    if change:
        change(data)
    path = tmp_path / "round.json"
    path.write_text(json.dumps(data))
    return path


def test_command_prints_awards_that_add_up_to_the_pot(capsys):
    # The fixture is the income-cap example above, with g1's income given for three years.
    status, out, err = run_cli(FIXTURES / "core_funding_example.json", capsys)
    assert (status, err) == (0, "")
    printed = json.loads(out)
    assert [(a["group"], a["amount"], a["capped"]) for a in printed["awards"]] == [
        ("g1", 4_000, True),
        ("g2", 8_556, False),
        ("g3", 9_444, False),
    ]
    assert {"group", "amount", "base", "reach_part", "capped"} <= printed["awards"][0].keys()
    assert (printed["total"], printed["unallocated"], printed["years"]) == (22_000, 0, 3)
    assert printed["awards"][1]["reach_part"] == 5_555.56


def test_module_command_line_runs_core_funding():
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "allocation",
            "core-funding",
            str(FIXTURES / "core_funding_example.json"),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["total"] == 22_000


def _delete_income(data):
    del data["groups"][1]["income"]


def _negative_cap(data):
    data["cap"] = -1


def _unknown_neighbourhood(data):
    data["groups"][2]["reach"]["Q"] = 5


def _floors_above_pot(data):
    data["cap"] = 40_000
    data["groups"][2]["previous"] = 30_000  # floor 27,000; g3's caps are 40,000 and 100,000


def _string_pot(data):
    data["pot"] = "lots"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (_delete_income, "group 'g2': field 'income' is missing"),
        (_negative_cap, "cap must not be negative"),
        (_unknown_neighbourhood, "group 'g3': reach names unknown neighbourhood 'Q'"),
        (_floors_above_pot, "stability floors alone come to £27,000"),
        (_string_pot, 'pot must be a number, not "lots"'),
    ],
)
def test_command_refuses_bad_rounds_with_one_line_and_status_2(tmp_path, capsys, change, words):
    status, out, err = run_cli(write_round(tmp_path, change), capsys)
    assert (status, out) == (2, "")
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("text", ["{not json", '{"pot": NaN}', "[1, 2]"])
def test_command_refuses_unreadable_json_with_status_2(tmp_path, capsys, text):
    path = tmp_path / "round.json"
    path.write_text(text)
    status, out, err = run_cli(path, capsys)
    assert (status, out) == (2, "") and err.count("\n") == 1
