"""Needs-weighted shares: hand-worked examples, properties, the ``shares`` command."""

from __future__ import annotations

import csv
import math

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from allocation.needs import (
    NeedDataError,
    Neighbourhood,
    largest_remainder,
    needs_weighted_amounts,
    needs_weighted_shares,
)
from allocation.needs import cli as needs_cli

from .conftest import run_command

# --- hand-worked examples ----------------------------------------------------------------------


def three_neighbourhoods() -> list[Neighbourhood]:
    return [Neighbourhood("a", 100, 10), Neighbourhood("b", 200, 20), Neighbourhood("c", 100, 40)]


def test_formula_by_hand():
    # P = 100, 200, 100 (ΣP = 400); N = 10, 20, 40; N̄ = (1000 + 4000 + 4000)/400 = 22.5.
    # α = 1: P·N/N̄ = 44.44, 177.78, 177.78 (Σ = 400).
    # u = 0.5, B = 1000: a = 1000 (0.5·100/400 + 0.5·44.44/400) = 125 + 55.56 = 180.56
    #                    b = 1000 (0.5·200/400 + 0.5·177.78/400) = 250 + 222.22 = 472.22
    #                    c = 1000 (0.5·100/400 + 0.5·177.78/400) = 125 + 222.22 = 347.22
    # Largest remainder: floors 180 + 472 + 347 = 999; the missing pound goes to the largest
    # remainder, a (.56), giving 181, 472, 347.
    result = needs_weighted_shares(three_neighbourhoods(), 1000, universal=0.5, alpha=1.0)
    assert result.amounts() == {"a": 181, "b": 472, "c": 347}
    assert [round(line.unrounded, 2) for line in result.lines] == [180.56, 472.22, 347.22]
    assert result.mean_need == pytest.approx(22.5)


@pytest.mark.parametrize(
    "alpha, expected",
    [
        # Equal populations, needs 1 and 3 (N̄ = 2, ratios 0.5 and 1.5), u = 0, B = 1000:
        (0.0, {"x": 500, "y": 500}),  # 0.5^0 : 1.5^0 = 1 : 1
        (1.0, {"x": 250, "y": 750}),  # 0.5 : 1.5 = 1 : 3
        (2.0, {"x": 100, "y": 900}),  # 0.25 : 2.25 = 1 : 9
    ],
)
def test_alpha_sets_how_steeply_need_counts(alpha, expected):
    hoods = [Neighbourhood("x", 50, 1), Neighbourhood("y", 50, 3)]
    assert needs_weighted_shares(hoods, 1000, alpha=alpha).amounts() == expected


def test_floor_by_hand():
    # As above, floor 0.9: a's per-capita amount is 1000·100/400 = 250, floor 225 > 180.56,
    # so a is held at 225 and 775 is shared between b and c by the same formula:
    # ΣP = 300, Σ P·N/N̄ = 355.56:
    #   b = 775 (0.5·200/300 + 0.5·177.78/355.56) = 775 (0.3333 + 0.25) = 452.08
    #   c = 775 (0.5·100/300 + 0.5·177.78/355.56) = 775 (0.1667 + 0.25) = 322.92
    # b's floor is 0.9·500 = 450 and c's 225: nobody else is below. Rounded: 225, 452, 323.
    result = needs_weighted_shares(three_neighbourhoods(), 1000, universal=0.5, floor=0.9)
    assert result.amounts() == {"a": 225, "b": 452, "c": 323}
    assert [line.basis for line in result.lines] == ["floor", "formula", "formula"]
    assert result.rounds == 2
    assert "below the floor" in result.lines[0].explanation


def test_ceiling_by_hand():
    # u = 0, α = 1, B = 1000: a = 111.11, b = 444.44, c = 444.44. c's per-capita amount is
    # 250, ceiling 1.2 × 250 = 300 < 444.44: c is held at 300 and 700 goes to a and b by
    # need: a = 700 · 44.44/222.22 = 140, b = 700 · 177.78/222.22 = 560 (b's ceiling is 600).
    result = needs_weighted_shares(three_neighbourhoods(), 1000, ceiling=1.2)
    assert result.amounts() == {"a": 140, "b": 560, "c": 300}
    assert result.lines[2].basis == "ceiling"


def test_pace_of_change_by_hand():
    # Two equal neighbourhoods, last year 500 each; need 1 and 3, u = 0, α = 1, B = 1000:
    # targets 250 and 750. Band −10%…+10%: 450…550 for both. Every scale s of the targets
    # clips to the band (s·250 ≤ 450 needs s ≤ 1.8; s·750 ≥ 550 needs s ≥ 0.73), and
    # 450 + 550 = 1000 = B: so 450 and 550.
    hoods = [Neighbourhood("x", 10, 1, 500), Neighbourhood("y", 10, 3, 500)]
    result = needs_weighted_shares(hoods, 1000, max_decrease=0.10, max_increase=0.10)
    assert result.amounts() == {"x": 450, "y": 550}
    assert result.pace_met is True
    assert [line.basis for line in result.lines] == [
        "pace: most decrease allowed",
        "pace: most increase allowed",
    ]


def test_pace_moves_as_far_as_the_budget_allows_by_hand():
    # Three neighbourhoods, targets (u = 0, α = 1, B = 1200, equal populations, needs 1, 1, 2)
    # 300, 300, 600; last year 400, 400, 400; band −5%…+100%: 380…800.
    # x and y cannot fall below 380: 760 is spent there, leaving 440 for z (s·600 = 440,
    # inside z's band). So 380, 380, 440.
    hoods = [
        Neighbourhood("x", 1, 1, 400),
        Neighbourhood("y", 1, 1, 400),
        Neighbourhood("z", 1, 2, 400),
    ]
    result = needs_weighted_shares(hoods, 1200, max_decrease=0.05, max_increase=1.0)
    assert result.amounts() == {"x": 380, "y": 380, "z": 440}


def test_an_unreachable_band_is_reported_and_everyone_moves_past_it_equally():
    # Last year 1000 + 1000, now 1500: even −5% each (950 + 950 = 1900) is too much, so both
    # go down by the same proportion: 950 · 1500/1900 = 750.
    hoods = [Neighbourhood("x", 1, 1, 1000), Neighbourhood("y", 1, 9, 1000)]
    result = needs_weighted_shares(hoods, 1500, max_decrease=0.05)
    assert result.pace_met is False
    assert result.amounts() == {"x": 750, "y": 750}


def test_largest_remainder_by_hand():
    # 1.5 + 1.5 + 1.0 = 4: floors 1, 1, 1 leave one pound; the remainders .5, .5 tie, the
    # amounts tie, so the smaller key ("a", the second) gets it.
    assert largest_remainder([1.5, 1.5, 1.0], 4, ["b", "a", "c"]).tolist() == [1, 2, 1]


@pytest.mark.parametrize(
    "kwargs, column",
    [
        ({"universal": 1.5}, "universal"),
        ({"floor": 1.1}, "floor"),
        ({"ceiling": 0.9}, "ceiling"),
        ({"alpha": -1.0}, "alpha"),
        ({"max_decrease": 2.0}, "max_decrease"),
    ],
)
def test_parameters_out_of_range_are_refused(kwargs, column):
    with pytest.raises(NeedDataError) as info:
        needs_weighted_shares(three_neighbourhoods(), 1000, **kwargs)
    assert info.value.column == column


@pytest.mark.parametrize(
    "hoods, row, column",
    [
        ([Neighbourhood("a", 1, 1), Neighbourhood("b", 0, 1)], 2, "population"),
        ([Neighbourhood("a", 1, -1)], 1, "need"),
        ([Neighbourhood("a", 1, 1), Neighbourhood("a", 2, 1)], 2, "id"),
        ([Neighbourhood("a", 1, math.nan)], 1, "need"),
    ],
)
def test_bad_neighbourhoods_are_refused_naming_the_row(hoods, row, column):
    with pytest.raises(NeedDataError) as info:
        needs_weighted_shares(hoods, 100)
    assert (info.value.row, info.value.column) == (row, column)


def test_a_budget_in_pence_or_fractions_is_refused():
    with pytest.raises(NeedDataError, match="whole number of pounds"):
        needs_weighted_shares(three_neighbourhoods(), 1000.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "rows, budget, kwargs",
    [
        # Need weights far below the smallest normal float once the big one is capped.
        (
            [(544, 2.0), (18180, 0.0), (18180, 6.9e-114)],
            59272,
            {"universal": 0.875, "alpha": 2.9, "ceiling": 2.0},
        ),
        # A universal part so small that a need-0 area's target vanishes (floor and ceiling tight).
        (
            [(1, 0.0), (1, 1.0), (1, 2.0), (1, 4.0), (1, 0.5)],
            19,
            {"universal": 4.9e-292, "alpha": 3.0, "floor": 0.5, "ceiling": 1.0},
        ),
    ],
)
def test_extreme_inputs_still_add_up(rows, budget, kwargs):
    hoods = [Neighbourhood(f"n{i}", p, n) for i, (p, n) in enumerate(rows)]
    assert needs_weighted_shares(hoods, budget, **kwargs).total == budget


# --- properties --------------------------------------------------------------------------------

neighbourhood_lists = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=200_000),
        st.floats(min_value=0, max_value=100, allow_nan=False),
    ),
    min_size=1,
    max_size=25,
).map(lambda rows: [Neighbourhood(f"n{i:02d}", p, n) for i, (p, n) in enumerate(rows)])
budgets = st.integers(min_value=0, max_value=50_000_000)
fractions = st.floats(min_value=0, max_value=1)
alphas = st.floats(min_value=0, max_value=4)
floors = st.none() | st.floats(min_value=0, max_value=1)
ceilings = st.none() | st.floats(min_value=1, max_value=5)


@given(neighbourhood_lists, budgets, fractions, alphas, floors, ceilings)
@settings(deadline=None)  # a shared CI machine can be slow; no timing here
def test_amounts_add_up_to_the_budget_exactly(hoods, budget, u, alpha, floor, ceiling):
    result = needs_weighted_shares(
        hoods, budget, universal=u, alpha=alpha, floor=floor, ceiling=ceiling
    )
    assert result.total == budget
    assert all(isinstance(line.amount, int) and line.amount >= 0 for line in result.lines)


@given(neighbourhood_lists, budgets, fractions, alphas, floors, ceilings)
@settings(deadline=None)  # a shared CI machine can be slow; no timing here
def test_floors_and_ceilings_are_respected(hoods, budget, u, alpha, floor, ceiling):
    result = needs_weighted_shares(
        hoods, budget, universal=u, alpha=alpha, floor=floor, ceiling=ceiling
    )
    total_p = math.fsum(h.population for h in hoods)
    for line in result.lines:
        per_capita = budget * line.population / total_p
        low = (floor or 0.0) * per_capita
        high = math.inf if ceiling is None else ceiling * per_capita
        slack = 1e-7 * max(budget, 1)
        assert low - slack <= line.unrounded <= high + slack
        # Whole pounds: never below the floor rounded down, nor above the ceiling rounded up.
        assert math.floor(low - slack) <= line.amount
        assert ceiling is None or line.amount <= math.ceil(high + slack)


@given(neighbourhood_lists, budgets, alphas, floors, ceilings)
@settings(deadline=None)  # a shared CI machine can be slow; no timing here
def test_all_universal_gives_per_capita_amounts(hoods, budget, alpha, floor, ceiling):
    result = needs_weighted_shares(
        hoods, budget, universal=1.0, alpha=alpha, floor=floor, ceiling=ceiling
    )
    total_p = math.fsum(h.population for h in hoods)
    for line in result.lines:
        per_capita = budget * line.population / total_p
        assert line.unrounded == pytest.approx(per_capita, rel=1e-9, abs=1e-6)
        assert abs(line.amount - per_capita) < 1


@given(
    neighbourhood_lists,
    budgets,
    st.floats(min_value=0, max_value=0.999),
    st.floats(min_value=0.01, max_value=4),
    floors,
    ceilings,
)
@example(  # found by hypothesis: the scaled fallback gave two no-need areas equal amounts
    [
        Neighbourhood(f"n{i:02d}", p, n)
        for i, (p, n) in enumerate(
            [(1, 0.00390625), (1, 3.8e-181), (5, 1.0), (390, 0.0), (399, 2.225073858507e-311)]
        )
    ],
    1,
    0.0,
    1.0,
    0.5,
    1.25,
)
@settings(deadline=None)  # a shared CI machine can be slow; no timing here
def test_more_need_never_means_less_money_per_resident(hoods, budget, u, alpha, floor, ceiling):
    result = needs_weighted_shares(
        hoods, budget, universal=u, alpha=alpha, floor=floor, ceiling=ceiling
    )
    lines = result.lines
    for i in lines:
        for j in lines:
            if i.need > j.need:
                slack = 1e-9 * max(budget, 1)
                assert i.unrounded / i.population >= j.unrounded / j.population - slack
                if i.population == j.population and i.unrounded > j.unrounded + 1e-6:
                    assert i.amount >= j.amount


@given(
    neighbourhood_lists.filter(lambda h: len(h) >= 2),
    st.randoms(use_true_random=False),
    budgets,
    fractions,
    alphas,
    floors,
    ceilings,
)
@settings(deadline=None)  # a shared CI machine can be slow; no timing here
def test_order_of_the_neighbourhoods_does_not_matter(hoods, rng, budget, u, alpha, floor, ceiling):
    shuffled = list(hoods)
    rng.shuffle(shuffled)
    kwargs = {"universal": u, "alpha": alpha, "floor": floor, "ceiling": ceiling}
    assert (
        needs_weighted_shares(hoods, budget, **kwargs).amounts()
        == needs_weighted_shares(shuffled, budget, **kwargs).amounts()
    )


@given(
    neighbourhood_lists.filter(lambda h: len(h) >= 2),
    st.randoms(use_true_random=False),
    st.integers(min_value=0, max_value=2_000_000),
    fractions,
    alphas,
    st.data(),
)
@settings(deadline=None)
def test_order_does_not_matter_with_pace_of_change_either(hoods, rng, budget, u, alpha, data):
    previous = data.draw(
        st.lists(
            st.none() | st.integers(min_value=0, max_value=500_000),
            min_size=len(hoods),
            max_size=len(hoods),
        )
    )
    hoods = [
        Neighbourhood(h.id, h.population, h.need, p) for h, p in zip(hoods, previous, strict=True)
    ]
    shuffled = list(hoods)
    rng.shuffle(shuffled)
    kwargs = {"universal": u, "alpha": alpha, "max_decrease": 0.05, "max_increase": 0.1}
    assert (
        needs_weighted_shares(hoods, budget, **kwargs).amounts()
        == needs_weighted_shares(shuffled, budget, **kwargs).amounts()
    )


@given(
    neighbourhood_lists,
    st.integers(min_value=0, max_value=5_000_000),
    st.data(),
    fractions,
    alphas,
    floors,
    st.floats(min_value=0, max_value=0.5),
    st.floats(min_value=0, max_value=0.5),
)
@settings(max_examples=150, deadline=None)
def test_pace_of_change_band_is_respected_when_the_budget_allows(
    hoods, budget, data, u, alpha, floor, down, up
):
    previous = data.draw(
        st.lists(
            st.none() | st.integers(min_value=0, max_value=1_000_000),
            min_size=len(hoods),
            max_size=len(hoods),
        )
    )
    hoods = [
        Neighbourhood(h.id, h.population, h.need, p) for h, p in zip(hoods, previous, strict=True)
    ]
    result = needs_weighted_shares(
        hoods, budget, universal=u, alpha=alpha, floor=floor, max_decrease=down, max_increase=up
    )
    assert result.total == budget
    lows = [h.previous_amount * (1 - down) if h.previous_amount is not None else 0.0 for h in hoods]
    highs = [
        h.previous_amount * (1 + up) if h.previous_amount is not None else math.inf for h in hoods
    ]
    feasible = math.fsum(lows) <= budget <= math.fsum(highs)
    assume(feasible or abs(math.fsum(lows) - budget) > 1e-6)
    if all(p is None for p in previous):
        assert result.pace_met is None  # nobody has a band
    else:
        assert result.pace_met is feasible
    if feasible:
        for line, low, high in zip(result.lines, lows, highs, strict=True):
            assert math.floor(low - 1e-6) <= line.amount
            assert high == math.inf or line.amount <= math.ceil(high + 1e-6)


@given(neighbourhood_lists, budgets, fractions, alphas, floors, ceilings)
@settings(max_examples=50, deadline=None)
def test_array_version_gives_the_same_amounts(hoods, budget, u, alpha, floor, ceiling):
    kwargs = {"universal": u, "alpha": alpha, "floor": floor, "ceiling": ceiling}
    amounts = needs_weighted_amounts(
        [h.population for h in hoods],
        [h.need for h in hoods],
        budget,
        ids=[h.id for h in hoods],
        **kwargs,
    )
    assert (
        dict(zip([h.id for h in hoods], amounts.tolist(), strict=True))
        == needs_weighted_shares(hoods, budget, **kwargs).amounts()
    )


def test_numpy_inputs_still_give_json():
    import json

    import numpy as np

    hoods = [
        Neighbourhood("a", np.float64(3), np.int64(2), np.int64(40)),
        Neighbourhood("b", 2, 1, 60),
    ]
    result = needs_weighted_shares(hoods, np.int64(100), floor=0.5, max_decrease=0.5)
    assert json.loads(json.dumps(result.to_dict()))["total"] == 100


def test_result_round_trips_through_a_dict():
    result = needs_weighted_shares(three_neighbourhoods(), 1000, universal=0.3, floor=0.8)
    data = result.to_dict()
    again = needs_weighted_shares(
        [Neighbourhood.from_dict(n) for n in data["neighbourhoods"]],
        **{k: v for k, v in data["rules"].items()},
    )
    assert again.amounts() == result.amounts()
    assert data["total"] == 1000 and data["lines"][0]["explanation"]


# --- the shares command ------------------------------------------------------------------------


def shares_csv(out: str) -> list[dict[str, str]]:
    return list(csv.DictReader(out.splitlines()))


def test_shares_command_on_sheffield_wards(sheffield, capsys):
    status = run_command(
        needs_cli,
        [
            "shares",
            str(sheffield / "sheffield_ward_summary.csv"),
            "--budget",
            "1000000",
            "--population-column",
            "pop_census2021",
            "--need-column",
            "imd2025_pop_wtd_avg_score",
            "--id-column",
            "ward_code",
            "--universal",
            "0.5",
            "--alpha",
            "1",
            "--floor",
            "0.8",
        ],
    )
    assert status == 0
    rows = shares_csv(capsys.readouterr().out)
    assert list(rows[0]) == ["id", "population", "need", "amount"]
    assert len(rows) == 28 and sum(int(r["amount"]) for r in rows) == 1_000_000
    total_p = sum(float(r["population"]) for r in rows)
    for r in rows:
        assert int(r["amount"]) >= math.floor(0.8 * 1_000_000 * float(r["population"]) / total_p)
    most = max(rows, key=lambda r: float(r["need"]))
    least = min(rows, key=lambda r: float(r["need"]))
    assert int(most["amount"]) / float(most["population"]) > int(least["amount"]) / float(
        least["population"]
    )


def test_shares_command_with_universal_1_is_per_capita(sheffield, capsys):
    run_command(
        needs_cli,
        [
            "shares",
            str(sheffield / "sheffield_ward_summary.csv"),
            "--budget",
            "280000",
            "--population-column",
            "pop_census2021",
            "--need-column",
            "cni2023_pop_wtd_avg_score",
            "--universal",
            "1",
        ],
    )
    rows = shares_csv(capsys.readouterr().out)
    total_p = sum(float(r["population"]) for r in rows)
    assert rows[0]["id"] == "E05010861"  # the first column, ward_code, is the default id
    for r in rows:
        assert abs(int(r["amount"]) - 280000 * float(r["population"]) / total_p) < 1


def test_shares_command_pace_of_change(tmp_path, capsys):
    path = tmp_path / "w.csv"
    path.write_text("id,pop,need,last\nx,10,1,500\ny,10,3,500\n", encoding="utf-8")
    status = run_command(
        needs_cli,
        [
            "shares",
            str(path),
            "--budget",
            "1000",
            "--population-column",
            "pop",
            "--need-column",
            "need",
            "--previous-column",
            "last",
            "--max-decrease",
            "10%",
            "--max-increase",
            "0.1",
            "--explain",
        ],
    )
    assert status == 0
    rows = shares_csv(capsys.readouterr().out)
    assert [(r["id"], r["amount"]) for r in rows] == [("x", "450"), ("y", "550")]
    assert "most decrease allowed" in rows[0]["explanation"]


@pytest.mark.parametrize(
    "content, message",
    [
        ("id,pop,need\nx,10,1\ny,ten,3\n", "line 3, column 'pop': 'ten' is not a number"),
        ("id,pop,need\nx,10,1\ny,10,-3\n", "line 3, column 'need'"),
        ("id,pop,need\nx,10,1\nx,10,3\n", "line 3, column 'id'"),
        ("id,people,need\nx,10,1\n", "there is no column 'pop'"),
    ],
)
def test_shares_command_refuses_a_bad_file_with_one_line_and_exit_2(
    tmp_path, capsys, content, message
):
    path = tmp_path / "w.csv"
    path.write_text(content, encoding="utf-8")
    status = run_command(
        needs_cli,
        [
            "shares",
            str(path),
            "--budget",
            "1000",
            "--population-column",
            "pop",
            "--need-column",
            "need",
        ],
    )
    captured = capsys.readouterr()
    assert status == 2 and captured.out == ""
    assert message in captured.err and captured.err.count("\n") == 1


def test_shares_command_refuses_a_floor_above_1(tmp_path, capsys):
    path = tmp_path / "w.csv"
    path.write_text("id,pop,need\nx,10,1\n", encoding="utf-8")
    status = run_command(
        needs_cli,
        [
            "shares",
            str(path),
            "--budget",
            "1000",
            "--population-column",
            "pop",
            "--need-column",
            "need",
            "--floor",
            "1.5",
        ],
    )
    assert status == 2 and "--floor" in capsys.readouterr().err
