"""Core funding that cannot be gamed (issue 24): reach counted once with depth weighted, a concave
reach term, no income cliffs, the equality share, subsidy control; property tests on random rounds.

The findings of the issue are reproduced with the first formula (the defaults) and then shown
closed with the fair parameters.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st

from allocation.core_funding import (
    ERROR_CODES,
    CoreFundingError,
    Group,
    Neighbourhood,
    Reach,
    Round,
    RoundParameters,
    SizeBand,
    compute_core_awards,
    reach_effect,
)
from allocation.core_funding_cli import add_commands

FIXTURES = Path(__file__).parent / "fixtures"
BANDS = [SizeBand(10_000, 1_000), SizeBand(100_000, 3_000), SizeBand(None, 5_000)]
NEED = [Neighbourhood("A", 30), Neighbourhood("B", 10)]  # m_A = 1.5, m_B = 0.5
FIRST = dict(bands=BANDS, alpha=1, cap=20_000, cap_income_fraction=0.5, delta=0.1)
FAIR = dict(FIRST, base_taper=True, reach_exponent=Fraction(1, 2), intensive_weight=4)


def amounts(result) -> dict[str, int]:
    return {a.group: a.amount for a in result.awards}


def fair_example_round() -> tuple[Round, list[Group]]:
    params = RoundParameters(
        **dict(FAIR, cap=None, equality_share=Fraction(1, 10), cap_income_allowance=2_000)
    )
    groups = [
        Group("g1", 5_000, {"A": Reach(intensive=24)}, equality_reach=Reach(intensive=4)),
        Group("g2", 55_000, {"B": 800}, equality_reach=36),
        Group("g3", 200_000, {"B": Reach(light=200)}),
    ]
    return Round(20_000, params, NEED, years=3), groups


# ----------------------------------------------------------------------------- the findings


def test_breadth_no_longer_beats_depth():
    # Issue 24: 40 intensive clients in the highest-need ward got £3,906; 2,000 light contacts in
    # a low-need ward got £18,094 (both incomes £50,000, pot £22,000, the documented formula).
    first = RoundParameters(**FIRST)
    groups = [Group("deep", 50_000, {"A": 40}), Group("wide", 50_000, {"B": 2_000})]
    assert amounts(compute_core_awards(Round(22_000, first, NEED), groups)) == {
        "deep": 3_906,
        "wide": 18_094,
    }
    # Intensive support counts 4 times and the reach term is a square root: reach terms
    # √(40·4·1.5) = √240 and √(2,000·0.5) = √1,000, so the service in depth gets more than twice
    # as much and the gap is under 2 to 1 (it was 4.6 to 1).
    fair = RoundParameters(**FAIR)
    groups[0] = Group("deep", 50_000, {"A": Reach(intensive=40)})
    result = amounts(compute_core_awards(Round(22_000, fair, NEED), groups))
    assert result["deep"] > 2 * 3_906 and result["wide"] < 2 * result["deep"]
    assert result == {"deep": 8_565, "wide": 13_435}


def test_an_income_a_few_pounds_either_side_of_a_band_edge_is_no_cliff():
    # Stepped bands: £9,999 and £10,001 get bases £1,000 and £3,000, and the awards jump £1,000.
    def award(income: int, **params) -> int:
        groups = [Group("x", income, {"A": 100}), Group("y", 60_000, {"B": 300})]
        params = RoundParameters(**dict(params, cap_income_fraction=None))
        return compute_core_awards(Round(12_000, params, NEED), groups).awards[0].amount

    assert award(10_001, **FIRST) - award(9_999, **FIRST) == 1_000  # £6,000 against £5,000
    # Tapered: the base rises from £1,000 at £0 to £3,000 at £10,000, £0.20 per £1 of income.
    assert abs(award(10_001, **FAIR) - award(9_999, **FAIR)) <= 1


def test_doubling_reported_reach_buys_much_less_than_before():
    # Issue 24: doubling a group's reach in the documented example raised its award by 24%.
    groups = [
        Group("g1", 8_000, {"A": 100}),
        Group("g2", 50_000, {"A": 100, "B": 200}),
        Group("g3", 200_000, {"B": 400}),
    ]

    def gain(params: dict) -> Fraction:
        funding_round = Round(22_000, RoundParameters(**params), NEED)
        effect = reach_effect(funding_round, groups, "g2", factor=Fraction(2))
        return effect.exact_with_more / effect.exact - 1

    assert Fraction(24, 100) < gain(FIRST) < Fraction(25, 100)  # g2: £8,556 -> £10,647
    assert gain(FAIR) < Fraction(9, 100)  # £8,698 -> £9,470


# ----------------------------------------------------------------------------- hand-worked


def test_fair_example_worked_by_hand():
    # Tapered bases: g1 (£5,000) 1,000 + 2,000·0.5 = 2,000; g2 (£55,000) 3,000 + 2,000·0.5 =
    # 4,000; g3 (£200,000) 5,000. Equality share 10% of £20,000 = £2,000 on city-wide reach terms
    # √(4·4) = 4 and √36 = 6: μ = 200, g1 800, g2 1,200. Reach terms: g1 √(24·4·1.5) = 12,
    # g2 √(800·0.5) = 20, g3 √(200·0.5) = 10. Income caps 0.5·income + 2,000: g1 4,500.
    # One price for all would be 7,000/42 = 166.67, giving g1 2,800 + 2,000 = 4,800 > 4,500, so
    # g1 is held at 4,500 and g2, g3 share 15,500: 10,200 + 30λ = 15,500, λ = 530/3.
    # g2 = 5,200 + 20·530/3 = 8,733.33; g3 = 5,000 + 10·530/3 = 6,766.67; the last pound to g3.
    funding_round, groups = fair_example_round()
    result = compute_core_awards(funding_round, groups)
    assert amounts(result) == {"g1": 4_500, "g2": 8_733, "g3": 6_767}
    assert (result.reach_price, result.equality_pot, result.equality_price) == (
        Fraction(530, 3),
        2_000,
        200,
    )
    g1, g2, g3 = result.awards
    assert (g1.base, g1.equality_part, g1.reach_term, g1.bound, g1.upper) == (
        2_000,
        800,
        12,
        "income",
        4_500,
    )
    assert (g1.reach, g1.reach_intensive, g1.weighted_reach, g1.need_multiplier) == (
        24,
        24,
        144,
        Fraction(3, 2),
    )
    assert (g2.base, g2.equality_part, g2.reach_term, g3.equality_part) == (4_000, 1_200, 20, 0)


def test_unchecked_reach_counts_for_at_most_the_rounds_cap():
    # g2's 800 people, unchecked, count as 512 (each count scaled by 512/800): weighted
    # 512·0.5 = 256, reach term 16. Once checked, all 800 count again (term 20).
    funding_round, groups = fair_example_round()
    params = dataclasses.replace(funding_round.parameters, unchecked_reach_cap=512)
    funding_round = dataclasses.replace(funding_round, parameters=params)
    unchecked = [groups[0], dataclasses.replace(groups[1], reach_checked=False), groups[2]]
    g2 = compute_core_awards(funding_round, unchecked).awards[1]
    assert (g2.reach, g2.reach_term, g2.reach_limited) == (512, 16, True)
    g2 = compute_core_awards(funding_round, groups).awards[1]
    assert (g2.reach, g2.reach_term, g2.reach_limited) == (800, 20, False)


def test_equality_share_goes_back_to_the_formula_when_no_group_claims_it():
    funding_round, groups = fair_example_round()
    unclaimed = [dataclasses.replace(g, equality_reach=None) for g in groups]
    result = compute_core_awards(funding_round, unclaimed)
    assert result.equality_pot == 0 and sum(a.exact for a in result.awards) == 20_000
    assert all(a.equality_part == 0 for a in result.awards)


def test_a_trading_group_is_refused_an_award_over_the_subsidy_threshold():
    # g3 trades: £6,767 a year for 3 years is £20,301; with £300,000 already received, £320,301.
    funding_round, groups = fair_example_round()
    groups[2] = dataclasses.replace(groups[2], trades=True, mfa_received=300_000)
    with pytest.raises(CoreFundingError) as caught:
        compute_core_awards(funding_round, groups)
    error = caught.value
    assert (error.code, error.group) == ("subsidy_limit", "g3")
    assert error.numbers == {
        "threshold": 315_000,
        "received": 300_000,
        "award_total": 20_301,
        "total": 320_301,
    }
    # The same figures for a group that does not trade are no subsidy; a higher threshold passes.
    groups[2] = dataclasses.replace(groups[2], trades=False)
    assert compute_core_awards(funding_round, groups).awards[2].amount == 6_767
    groups[2] = dataclasses.replace(groups[2], trades=True)
    params = dataclasses.replace(funding_round.parameters, mfa_threshold=400_000)
    result = compute_core_awards(dataclasses.replace(funding_round, parameters=params), groups)
    assert result.awards[2].trades and result.awards[2].mfa_received == 300_000


def test_ten_percent_more_reach_is_shown_with_its_small_effect():
    funding_round, groups = fair_example_round()
    effect = reach_effect(funding_round, groups, "g2")
    assert effect.amount == 8_733 and 0 < effect.change < 8_733 // 20


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"reach_exponent": 0}, "out_of_range", "reach_exponent"),
        ({"reach_exponent": 1.5}, "out_of_range", "reach_exponent"),
        ({"intensive_weight": 0.5}, "out_of_range", "intensive_weight"),
        ({"equality_share": 1}, "out_of_range", "equality_share"),
        ({"equality_share": -0.1}, "negative", "equality_share"),
        ({"unchecked_reach_cap": -1}, "negative", "unchecked_reach_cap"),
        ({"cap_income_allowance": -1}, "negative", "cap_income_allowance"),
        ({"bands": [SizeBand(100, 0), SizeBand(None, 500)]}, "base_too_steep", "bands[1].base"),
        (
            {"bands": [SizeBand(100, 0), SizeBand(50, 10), SizeBand(None, 20)]},
            "bands_order",
            "bands[1].max_income",
        ),
    ],
)
def test_new_parameters_are_checked_with_a_code(change, code, field):
    funding_round, groups = fair_example_round()
    params = dataclasses.replace(funding_round.parameters, **change)
    with pytest.raises(CoreFundingError) as caught:
        compute_core_awards(dataclasses.replace(funding_round, parameters=params), groups)
    assert (caught.value.code, caught.value.field) == (code, field)


def test_every_refusal_carries_a_known_code():
    funding_round, groups = fair_example_round()
    cases = [
        (dataclasses.replace(funding_round, pot=1_000), "bases_exceed_pot"),
        (dataclasses.replace(funding_round, pot=20_000.5), "not_whole_pounds"),
    ]
    for bad_round, code in cases:
        with pytest.raises(CoreFundingError) as caught:
            compute_core_awards(bad_round, groups)
        assert caught.value.code == code and code in ERROR_CODES
    with pytest.raises(CoreFundingError) as caught:
        compute_core_awards(funding_round, [*groups, Group("g4", 1, {"Z": 1})])
    assert (caught.value.code, caught.value.group) == ("unknown_neighbourhood", "g4")


# ----------------------------------------------------------------------------- random rounds

NBS = ["n0", "n1", "n2"]


@st.composite
def tapered_bands(draw):
    """Rising band limits; each base within £1 per £1 of income of the one before."""
    limits = sorted(draw(st.sets(st.integers(1_000, 200_000), max_size=3)))
    bases = [draw(st.integers(0, 3_000))]
    low = 0
    for limit in limits:
        step = draw(st.integers(-100, 100)) * (limit - low) // 100
        bases.append(max(0, bases[-1] + step))
        low = limit
    return [SizeBand(limit, base) for limit, base in zip([*limits, None], bases, strict=True)]


reaches = st.builds(Reach, st.integers(0, 400), st.integers(0, 60))


@st.composite
def fair_rounds(draw):
    needs = draw(st.lists(st.integers(0, 50), min_size=3, max_size=3).filter(any))
    params = RoundParameters(
        bands=draw(tapered_bands()),
        alpha=draw(st.sampled_from([0, Fraction(1, 2), 1])),
        cap=draw(st.none() | st.integers(5_000, 40_000)),
        cap_income_fraction=draw(st.none() | st.sampled_from([Fraction(1, 4), Fraction(1, 2), 1])),
        delta=draw(st.sampled_from([0, Fraction(1, 10), Fraction(1, 4)])),
        base_taper=True,
        reach_exponent=draw(st.sampled_from([Fraction(1, 2), Fraction(2, 3), Fraction(3, 4)])),
        intensive_weight=draw(st.sampled_from([1, 3, 5])),
        unchecked_reach_cap=draw(st.none() | st.integers(50, 600)),
        equality_share=draw(st.sampled_from([0, Fraction(1, 10), Fraction(1, 5)])),
        cap_income_allowance=draw(st.sampled_from([0, 2_000])),
    )
    profile = st.builds(
        Group,
        id=st.just(""),
        income=st.integers(0, 300_000) | st.lists(st.integers(0, 300_000), min_size=1, max_size=3),
        reach=st.dictionaries(st.sampled_from(NBS), reaches | st.integers(0, 400), max_size=3),
        previous=st.none() | st.integers(0, 20_000),
        equality_reach=st.none() | reaches,
        reach_checked=st.booleans(),
    )
    groups = draw(st.lists(profile, min_size=1, max_size=6))
    groups = [dataclasses.replace(g, id=f"g{i}") for i, g in enumerate(groups)]
    pot = draw(st.integers(0, 150_000))
    nbs = [Neighbourhood(nid, need) for nid, need in zip(NBS, needs, strict=True)]
    return Round(pot, params, nbs, years=draw(st.integers(1, 3))), groups


def computed(funding_round, groups):
    try:
        return compute_core_awards(funding_round, groups)
    except CoreFundingError as refusal:
        assert refusal.code in {"floors_exceed_pot", "bases_exceed_pot", "caps_below_pot"}
        return None


def inflated(group: Group, factor: Fraction) -> Group:
    def more(value):
        if isinstance(value, Reach):
            return Reach(value.light * factor, value.intensive * factor)
        return value * factor

    return dataclasses.replace(
        group,
        reach={nid: more(v) for nid, v in group.reach.items()},
        equality_reach=None if group.equality_reach is None else more(group.equality_reach),
    )


@settings(max_examples=120, deadline=None)
@given(fair_rounds(), st.data())
def test_ten_percent_more_reach_raises_an_award_by_less_and_moves_others_by_less(case, data):
    funding_round, groups = case
    before = computed(funding_round, groups)
    assume(before is not None)
    i = data.draw(st.integers(0, len(groups) - 1))
    changed = [inflated(g, Fraction(11, 10)) if j == i else g for j, g in enumerate(groups)]
    after = computed(funding_round, changed)
    assert after is not None, "more reach made a fundable round unfundable"
    for j, (old, new) in enumerate(zip(before.awards, after.awards, strict=True)):
        note(f"{old.group}: {float(old.exact)} -> {float(new.exact)}")
        limit = old.exact / 10
        if old.exact == 0:
            assert new.exact == 0 or j == i and old.reach_term == 0 == old.equality_part
            continue
        assert abs(new.exact - old.exact) < limit  # both for the group and for every other
        assert abs(new.amount - old.amount) < limit + 1  # whole pounds: within a pound more


@settings(max_examples=120, deadline=None)
@given(fair_rounds(), st.data())
def test_an_income_two_pounds_different_moves_no_award_more_than_a_few_pounds(case, data):
    funding_round, groups = case
    before = computed(funding_round, groups)
    assume(before is not None)
    i = data.draw(st.integers(0, len(groups) - 1))
    step = data.draw(st.sampled_from([2, -2]))
    income = groups[i].income
    years = income if isinstance(income, list) else [income]
    assume(min(years) + step >= 0)
    moved = [y + step for y in years]
    changed = list(groups)
    changed[i] = dataclasses.replace(
        groups[i], income=moved if isinstance(income, list) else moved[0]
    )
    after = computed(funding_round, changed)
    assume(after is not None)
    c = funding_round.parameters.cap_income_fraction or 0
    slack = 2 * max(1, c)  # the base moves at most £1 per £1 of income, the income cap by c
    for old, new in zip(before.awards, after.awards, strict=True):
        assert abs(new.exact - old.exact) <= slack
        assert abs(new.amount - old.amount) <= slack + 1


@settings(max_examples=100, deadline=None)
@given(fair_rounds(), st.randoms(use_true_random=False))
def test_the_same_inputs_in_any_order_give_the_same_awards(case, rng):
    funding_round, groups = case
    shuffled = list(groups)
    rng.shuffle(shuffled)
    first = computed(funding_round, groups)
    second = computed(funding_round, shuffled)
    if first is None:
        assert second is None
        return
    assert {a.group: a for a in first.awards} == {a.group: a for a in second.awards}
    assert (first.equality_pot, first.reach_price) == (second.equality_pot, second.reach_price)


# ----------------------------------------------------------------------------- command line


def run_cli(path: Path, capsys) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers())
    args = parser.parse_args(["core-funding", str(path)])
    status = args.func(args)
    out = capsys.readouterr()
    return status, out.out, out.err


def test_command_reads_the_new_inputs(capsys):
    status, out, _ = run_cli(FIXTURES / "core_funding_fair_example.json", capsys)
    assert status == 0
    data = json.loads(out)
    assert {a["group"]: a["amount"] for a in data["awards"]} == {
        "g1": 4_500,
        "g2": 8_733,
        "g3": 6_767,
    }
    g1 = data["awards"][0]
    assert (g1["equality_part"], g1["reach_intensive"], g1["reach_term"], g1["base"]) == (
        800,
        24,
        12.0,
        2000,
    )
    assert (data["equality_pot"], data["awards"][2]["trades"]) == (2000, True)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d.update(base_taper="yes"), "base_taper must be true or false"),
        (lambda d: d["groups"][0].update(trades=1), "trades must be true or false"),
        (lambda d: d["groups"][1]["reach"].update(B={"many": 3}), "only light and intensive"),
        (lambda d: d.update(reach_exponent=2), "reach_exponent must be above 0 and at most 1"),
        (lambda d: d["groups"][2].update(mfa_received=310000), "over the threshold of £315,000"),
    ],
)
def test_command_refuses_bad_new_inputs(tmp_path, capsys, change, words):
    data = json.loads((FIXTURES / "core_funding_fair_example.json").read_text())
    change(data)
    path = tmp_path / "round.json"
    path.write_text(json.dumps(data))
    status, out, err = run_cli(path, capsys)
    assert (status, out) == (2, "")
    assert words in err and err.count("\n") == 1
