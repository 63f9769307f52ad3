"""add1 jumping along plateaus selects exactly what stepping one unit at a time selects.

The batched add1 search (add1._add1_batch) jumps over shares where a slope run proves that no
decision changes (Budapest VIII: 153,144 unit steps, a few hundred jumps). The reference here
is the definition itself: Equal Shares rerun at B/n, B/n + 1, B/n + 2, ... one share at a time.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocation.pb import Election, Project
from allocation.pb.mes import add1 as add1_module
from allocation.pb.mes import equal_shares_add1, is_exhaustive, run_mes, spent
from allocation.pb.support import build_support, overlap


def stepping(s, stop_when_exhaustive: bool) -> tuple[list[int], Fraction]:
    """add1 by its definition: every share from B/n up, one unit at a time."""
    start = Fraction(s.budget) / s.n
    wanted = sum(1 for j in range(s.m) if len(s.voters[j]))
    shares = overlap(s)
    previous: list[int] = []
    t = 0
    while True:
        selected = run_mes(s, start + t, shares=shares).selected
        if spent(s, selected) > s.budget:
            return previous, start + t - 1
        if (stop_when_exhaustive and is_exhaustive(s, selected)) or len(selected) == wanted:
            return selected, start + t
        previous = selected
        t += 1


@st.composite
def plateau_elections(draw):
    """Few voters, a budget in the thousands: shares stay on one selection for many units."""
    m = draw(st.integers(2, 7))
    n = draw(st.integers(2, 9))
    costs = draw(st.lists(st.integers(1, 1500), min_size=m, max_size=m))
    ids = [str(j) for j in range(m)]
    ballots = [draw(st.lists(st.sampled_from(ids), unique=True, max_size=m)) for _ in range(n)]
    budget = draw(st.integers(max(costs), 2 * sum(costs)))
    return Election(
        budget=budget,
        projects=[Project(i, c) for i, c in zip(ids, costs, strict=True)],
        ballots=ballots,
    )


@pytest.mark.parametrize("first_batch", [16, add1_module.FIRST_BATCH])
@pytest.mark.parametrize("stop_when_exhaustive", [True, False])
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_jumping_selects_what_stepping_selects(
    first_batch, stop_when_exhaustive, data, monkeypatch
):
    # A first batch of 16 shares makes plateaus (and so slope probes) common.
    monkeypatch.setattr(add1_module, "FIRST_BATCH", first_batch)
    election = data.draw(plateau_elections())
    s = build_support(election)
    expected, share = stepping(s, stop_when_exhaustive)
    found = equal_shares_add1(s, stop_when_exhaustive=stop_when_exhaustive)
    assert found.selected == expected
    assert found.budget_per_voter == share


def test_a_forint_scale_plateau_is_crossed_in_a_few_runs_not_one_per_unit():
    """One voter of two backs a project costing nearly the whole budget: stepping needs
    about 499,000 shares before that voter can pay for it; the jumps need a handful of runs."""
    election = Election(
        budget=1_000_000,
        projects=[Project("a", 999_000), Project("b", 1_000)],
        ballots=[{"a"}, {"b"}],
    )
    s = build_support(election)
    found = equal_shares_add1(s)
    # At share 500,000 + t voter 1 buys b (1,000) and voter 0 needs 999,000 for a: a is
    # affordable from t = 499,000, and a + b costs 1,000,000, exactly the budget.
    assert found.selected == [0, 1]  # equal alphas (1): the smaller id first
    assert found.budget_per_voter == 999_000
    assert found.runs < 1_000


@pytest.mark.parametrize("m", [3, 12, 40])
def test_equal_cost_projects_everyone_approves_are_bought_in_tie_order(m):
    """The worst case of issue 17 (many projects of equal cost, all approved by everyone):
    every alpha ties at 1/n, so Equal Shares buys in tie order (id as text) until the money
    is gone; the result must equal stepping's. (It took 6.7 s at 200 projects; the tied
    projects each needed a new price after every purchase.)"""
    ids = [str(j) for j in range(1, m + 1)]
    election = Election(
        budget=1000 * m // 2 + 500,
        projects=[Project(i, 1000) for i in ids],
        ballots=[list(ids)] * 10,
    )
    s = build_support(election)
    found = equal_shares_add1(s)
    expected, share = stepping(s, True)
    assert found.selected == expected
    assert found.budget_per_voter == share
    assert [s.ids[j] for j in found.selected] == sorted(ids)[: election.budget // 1000]
    assert run_mes(s, share).selected == expected
