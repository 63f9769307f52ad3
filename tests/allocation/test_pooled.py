"""Pooled budgets: hand-worked example, properties of the linear programme, the command."""

from __future__ import annotations

import argparse
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocation import pooled_cli
from allocation.pooled import (
    Cell,
    Contribution,
    PooledBudgetError,
    allocate_pooled_budget,
    pooled_budget_from_dict,
)


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m allocation")
    pooled_cli.add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def two_by_two() -> tuple[list[Cell], list[Contribution]]:
    cells = [
        Cell("A/health", 100, "A", "health"),
        Cell("A/youth", 100, "A", "youth"),
        Cell("B/health", 100, "B", "health"),
        Cell("B/youth", 50, "B", "youth"),
    ]
    contributions = [
        Contribution("nhs", 150, ("A/health", "B/health")),
        Contribution("council", 120, ("A/youth", "B/youth")),
        Contribution("biz", 40, ("B/youth",)),
    ]
    return cells, contributions


def relative_deviation(cells, totals) -> float:
    return math.fsum(abs(totals.get(c.id, 0) - c.target) / c.target for c in cells)


def test_two_neighbourhoods_two_themes_by_hand():
    # Health: nhs's 150 can only go to the two health cells (targets 100 + 100): 50 short
    # however it is split, deviation 50/100 = 0.5.
    # Youth: council 120 + biz 40 = 160 for targets 100 + 50: 10 too many. biz may only pay
    # B/youth; the cheapest place for the surplus is A/youth (10/100 = 0.1, not 10/50 = 0.2),
    # so B/youth gets exactly 50 (biz 40 + council 10), A/youth 110.
    # Deviation 0.5 + 0.1 = 0.6. Moving a pound of council from A/youth to a short health
    # cell would save 1/100 + 1/100 = 0.02: council's theme restriction blocks it.
    cells, contributions = two_by_two()
    result = allocate_pooled_budget(cells, contributions)
    totals = result.allocated()
    assert totals["A/youth"] == 110 and totals["B/youth"] == 50
    assert totals["A/health"] + totals["B/health"] == 150
    assert result.deviation == pytest.approx(0.6)
    assert result.optimal_deviation == pytest.approx(0.6)
    gap_cells = {gap.cell for gap in result.gaps}
    assert gap_cells <= {"A/health", "B/health"} and gap_cells
    gap = result.gaps[0]
    council = next(b for b in gap.blocked_by if b.contribution == "council")
    assert council.gain_per_pound == pytest.approx(0.02)
    assert council.restriction == "theme"
    assert gap.allowed_contributions == ["nhs"]


@pytest.mark.parametrize("scale", [1_000, 1_000_000_000])
def test_the_same_pool_in_bigger_units_gives_the_same_allocation(scale):
    cells, contributions = two_by_two()
    big = allocate_pooled_budget(
        [Cell(c.id, c.target * scale, c.neighbourhood, c.theme) for c in cells],
        [Contribution(c.id, c.amount * scale, c.allowed) for c in contributions],
    )
    totals = big.allocated()
    assert totals["A/youth"] == 110 * scale and totals["B/youth"] == 50 * scale
    assert big.deviation == pytest.approx(0.6)


def test_a_cell_nobody_may_pay_for_is_a_gap_with_that_reason():
    cells = [Cell("x", 100), Cell("y", 100)]
    result = allocate_pooled_budget(cells, [Contribution("c", 100, ("x",))])
    (gap,) = result.gaps
    assert gap.cell == "y" and gap.allowed_contributions == [] and gap.shortfall == 100
    assert gap.blocked_by == []  # c is already exactly on target in x
    assert "no contribution may pay for it" in gap.explanation


# --- properties --------------------------------------------------------------------------------


@st.composite
def pools(draw):
    n_cells = draw(st.integers(min_value=1, max_value=8))
    cells = [Cell(f"k{k}", draw(st.integers(min_value=1, max_value=1000))) for k in range(n_cells)]
    contributions = []
    for i in range(draw(st.integers(min_value=0, max_value=5))):
        allowed = draw(st.lists(st.sampled_from([c.id for c in cells]), min_size=1, unique=True))
        contributions.append(
            Contribution(f"c{i}", draw(st.integers(min_value=0, max_value=3000)), tuple(allowed))
        )
    return cells, contributions


@given(pools())
@settings(deadline=None)  # a shared CI machine can be slow; no timing here
def test_restrictions_are_never_broken_and_every_contribution_is_spent(pool):
    cells, contributions = pool
    result = allocate_pooled_budget(cells, contributions)
    for c in contributions:
        mine = [line for line in result.lines if line.contribution == c.id]
        assert all(line.cell in c.allowed for line in mine)
        assert all(isinstance(line.amount, int) and line.amount > 0 for line in mine)
        assert sum(line.amount for line in mine) == c.amount


@given(pools())
@settings(deadline=None)  # a shared CI machine can be slow; no timing here
def test_reported_deviation_is_the_objective_of_the_printed_allocation(pool):
    cells, contributions = pool
    result = allocate_pooled_budget(cells, contributions)
    assert result.deviation == pytest.approx(
        relative_deviation(cells, result.allocated()), abs=1e-12
    )
    # Whole-pound targets and amounts: the optimum is already in whole pounds.
    assert result.deviation == pytest.approx(result.optimal_deviation, abs=1e-7)


@given(pools(), st.data())
@settings(deadline=None)  # a shared CI machine can be slow; no timing here
def test_no_other_allocation_within_the_restrictions_does_better(pool, data):
    cells, contributions = pool
    best = allocate_pooled_budget(cells, contributions).deviation
    totals: dict[str, int] = {}
    for c in contributions:
        left = c.amount
        for k, cell in enumerate(c.allowed):
            part = left if k == len(c.allowed) - 1 else data.draw(st.integers(0, left))
            totals[cell] = totals.get(cell, 0) + part
            left -= part
    assert best <= relative_deviation(cells, totals) + 1e-9


@given(pools())
@settings(max_examples=60, deadline=None)
def test_blockers_are_exactly_the_restrictions_whose_loosening_helps(pool):
    cells, contributions = pool
    result = allocate_pooled_budget(cells, contributions)
    for gap in result.gaps:
        gains = {b.contribution: b.gain_per_pound for b in gap.blocked_by}
        for c in contributions:
            if c.amount == 0 or gap.cell in c.allowed:
                continue
            loosened = [
                Contribution(d.id, d.amount, (*d.allowed, gap.cell)) if d.id == c.id else d
                for d in contributions
            ]
            again = allocate_pooled_budget(cells, loosened)
            if c.id in gains:
                # Whole-pound targets: the first pound moved saves exactly gain_per_pound.
                assert again.deviation <= result.deviation - gains[c.id] + 1e-9
            else:
                assert again.deviation >= result.deviation - 1e-9


@given(pools())
@settings(deadline=None)  # a shared CI machine can be slow; no timing here
def test_every_cell_short_of_target_is_reported_as_a_gap(pool):
    cells, contributions = pool
    result = allocate_pooled_budget(cells, contributions)
    totals = result.allocated()
    short = {c.id for c in cells if totals[c.id] < c.target}
    assert {gap.cell for gap in result.gaps} == short
    for gap in result.gaps:
        assert gap.shortfall == gap.target - totals[gap.cell]


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, item, field, message",
    [
        ({"cells": [{"id": "x", "target": 0}], "contributions": []}, "cell x", "target", "above 0"),
        (
            {
                "cells": [{"id": "x", "target": 10}],
                "contributions": [{"id": "c", "amount": 5, "allowed": ["y"]}],
            },
            "contribution c",
            "allowed",
            "cell 'y', which is not among the cells",
        ),
        (
            {
                "cells": [{"id": "x", "target": 10}],
                "contributions": [{"id": "c", "amount": 5, "allowed": []}],
            },
            "contribution c",
            "allowed",
            "cannot be spent",
        ),
        (
            {
                "cells": [{"id": "x", "target": 10}],
                "contributions": [{"id": "c", "amount": 5.5, "allowed": ["x"]}],
            },
            "contributions[0]",
            "amount",
            "whole number of pounds",
        ),
        (
            {
                "cells": [{"id": "x", "target": 10}],
                "contributions": [{"id": "c", "amount": -5, "allowed": ["x"]}],
            },
            "contribution c",
            "amount",
            "0 or more",
        ),
        (
            {"cells": [{"id": "x", "target": 10}, {"id": "x", "target": 5}], "contributions": []},
            "cell x",
            None,
            "appears twice",
        ),
        ({"cells": [{"id": "x"}], "contributions": []}, "cells[0]", "target", "missing"),
        (
            {"cells": [{"id": "x", "target": "ten"}], "contributions": []},
            "cells[0]",
            "target",
            "must be a number",
        ),
        ([], None, None, "JSON object"),
    ],
)
def test_unusable_input_is_refused_with_a_plain_reason(data, item, field, message):
    with pytest.raises(PooledBudgetError, match=message) as info:
        pooled_budget_from_dict(data)
    assert (info.value.item, info.value.field) == (item, field)


# --- the pooled command ------------------------------------------------------------------------


def test_pooled_command_prints_the_allocation_as_json(tmp_path, capsys):
    cells, contributions = two_by_two()
    path = tmp_path / "pool.json"
    path.write_text(
        json.dumps(
            {
                "cells": [c.to_dict() for c in cells],
                "contributions": [c.to_dict() for c in contributions],
            }
        )
    )
    assert run(["pooled", str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"allocation", "deviation", "gaps"} <= set(out)
    assert out["deviation"] == pytest.approx(0.6)
    spent = {}
    for line in out["allocation"]:
        spent[line["contribution"]] = spent.get(line["contribution"], 0) + line["amount"]
    assert spent == {"nhs": 150, "council": 120, "biz": 40}


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"cells": [', "not valid JSON at line 1"),
        (
            '{"cells": [{"id": "x", "target": 10}], "contributions": '
            '[{"id": "c", "amount": 5, "allowed": []}]}',
            "contribution c 'allowed'",
        ),
    ],
)
def test_pooled_command_refuses_bad_input_with_one_line_and_exit_2(tmp_path, capsys, text, message):
    path = tmp_path / "pool.json"
    path.write_text(text)
    assert run(["pooled", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err and captured.err.count("\n") == 1
