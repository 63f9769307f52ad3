"""Many float runs of Equal Shares in step (mes/batch.py) select exactly what the exact run
selects for each budget, or leave that budget to be run alone (None)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from allocation.pb import Election, Project
from allocation.pb.mes import batch as batchmes
from allocation.pb.mes import classes as ballot_classes
from allocation.pb.mes import run_mes
from allocation.pb.support import build_support, overlap

from .conftest import FILES, load
from .test_fastmes import random_supports


def test_batch_runs_equal_exact_runs_or_decline_on_random_elections():
    decided = declined = 0
    for s in random_supports(20261127, 1500):
        shares = overlap(s)
        start = Fraction(s.budget) / s.n
        budgets = [start + x for x in (0, 1, 2, Fraction(1, 3), 7, 40)]
        for per_voter, found in zip(budgets, batchmes.outcomes(s, budgets, shares), strict=True):
            if found is None:
                declined += 1
                continue
            decided += 1
            assert found == run_mes(s, per_voter, exact=True, shares=shares).selected, (
                s,
                per_voter,
            )
    assert decided > declined > 0  # both paths are exercised


@pytest.mark.parametrize("name", FILES)
def test_batch_runs_equal_exact_runs_on_shared_files(name):
    s = build_support(load(name))
    shares = overlap(s)
    start = Fraction(s.budget) / s.n
    budgets = [start, start + 1, start + 50, start + 150]
    found = batchmes.outcomes(s, budgets, shares)
    for per_voter, selected in zip(budgets, found, strict=True):
        # no near-tie on these files: every run decides, and exactly as the exact run
        assert selected == run_mes(s, per_voter, exact=True, shares=shares).selected


@pytest.mark.parametrize("name", FILES)
def test_ballot_classes_count_every_supporter_once(name):
    s = build_support(load(name))
    cl = batchmes.classes(s)
    assert cl.n <= s.n
    for j in range(s.m):
        assert int(cl.counts[j].sum()) == len(s.voters[j])
        assert int(cl.wc[j].sum()) == s.scores[j]  # total weight: approvals or points
        assert np.all(np.diff(cl.voters[j]) > 0)


def test_identical_ballots_share_a_class_and_different_ones_do_not():
    election = Election(
        budget=10,
        projects=[Project("a", 4), Project("b", 4), Project("c", 4)],
        ballots=[{"a": 2, "b": 1}, {"a": 2, "b": 1}, {"a": 1, "b": 2}, {"c": 3}, {"a": 2, "b": 1}],
        vote_type="cumulative",
    )
    cl = batchmes.classes(build_support(election))
    assert cl.n == 3  # {a:2, b:1} three times; {a:1, b:2}; {c:3}
    assert sorted(cl.counts[0].tolist()) == [1.0, 3.0]  # a: one class of 3, one of 1
    assert sorted(cl.wc[0].tolist()) == [1, 6]  # weight x count: 1 x 1 and 2 x 3


def test_a_hash_collision_only_costs_speed(monkeypatch):
    """Classes are checked exactly: if different ballots got the same hash, voters are kept one
    by one and every outcome is still exact."""
    checked = 0
    with monkeypatch.context() as patch:
        patch.setattr(ballot_classes, "_mix", lambda x: np.zeros_like(x))  # every ballot collides
        for s in random_supports(5, 200):
            shares = overlap(s)
            cl = batchmes.classes(s)
            if cl.n != s.n:
                # only possible when every voter cast the same ballot
                assert all(len(v) in (0, s.n) for v in s.voters)
            start = Fraction(s.budget) / s.n
            for per_voter, found in zip(
                [start, start + 3], batchmes.outcomes(s, [start, start + 3], shares), strict=True
            ):
                if found is not None:
                    checked += 1
                    assert found == run_mes(s, per_voter, exact=True, shares=shares).selected
    assert checked > 50


def test_an_exact_tie_of_equal_splits_goes_to_the_lower_id_and_a_near_one_is_left_alone():
    # Two projects, same cost, same supporters: alphas are exactly equal (everyone rich), so
    # the batch decides, by the lower id, as pabutools does.
    tie = build_support(
        Election(budget=12, projects=[Project("b", 4), Project("a", 4)], ballots=[{"a", "b"}] * 4)
    )
    assert batchmes.outcomes(tie, [Fraction(3), Fraction(4)], overlap(tie)) == [[0, 1], [0, 1]]
    # Supporters who hold exactly the cost: floats cannot prove the project affordable, so
    # that run is left to exact arithmetic (None) and the other one decides.
    near = build_support(
        Election(
            budget=5,
            projects=[Project("a", 3), Project("b", 3)],
            ballots=[{"a", "b"}, {"a", "b"}, {"a", "b"}, set(), set()],
        )
    )
    assert batchmes.outcomes(near, [Fraction(1), Fraction(3)], overlap(near)) == [None, [0, 1]]
    assert run_mes(near, Fraction(1), exact=True).selected == [0]


def test_groups_hold_what_their_voters_hold_as_purchases_split_them():
    """Voters are grouped by what they hold in every run: one group at first, and each
    purchase splits off its supporters. Bought by hand at set prices, each class's budget
    (read through its group) must be what it paid, and the groups must partition the classes.
    Purchases paid in most runs work on whole rows, those paid in under a quarter of the runs
    on those runs' columns only: both are made."""
    rng = np.random.default_rng(11)
    checked = 0
    narrow = 0
    starts = [10, 12, 15, 11, 14, 9]
    runs = len(starts)
    for s in random_supports(20261129, 300):
        cl = batchmes.classes(s)
        if not cl.n:
            continue
        state = batchmes._Runs(s, [Fraction(x) for x in starts], cl, overlap(s))
        held = np.tile(np.array(starts, dtype=float), (cl.n, 1))
        for j in rng.permutation(s.m)[: rng.integers(1, s.m + 1)].tolist():
            if not len(cl.voters[j]):
                continue
            rows = np.flatnonzero(rng.random(runs) < rng.choice([0.15, 0.8]))
            if not len(rows):
                continue
            narrow += 4 * len(rows) < runs
            price = rng.uniform(0.5, 6.0, size=len(rows))
            for k in range(s.m):  # rows of every project, cached before the purchase
                state.rows_of(k)
            state.buy(j, rows, price, np.zeros(len(rows)))
            w = np.ones(len(cl.voters[j])) if cl.weights[j] is None else cl.weights[j]
            pay = w[:, None] * price[None, :]
            sub = held[np.ix_(cl.voters[j], rows)]
            held[np.ix_(cl.voters[j], rows)] = np.maximum(sub - pay, 0.0)
            groups = state.group
            assert np.array_equal(
                np.bincount(groups, minlength=state.groups), state.size[: state.groups]
            )
            alive = ~state.dead[groups]
            np.testing.assert_allclose(state.b[groups][alive], held[alive], atol=1e-9)
            assert np.all(held[~alive] < 1e-9)  # a dead group's voters hold nothing
            live = ~state.dead[: state.groups]
            for k in range(s.m):  # cached rows still count each live group's voters of k
                ids, counts, _wc, _w, _total = state.rows_of(k)
                cached = np.bincount(ids, weights=counts, minlength=state.groups)
                actual = np.bincount(
                    groups[cl.voters[k]], weights=cl.counts[k], minlength=state.groups
                )
                assert np.array_equal(cached[live], actual[live])
            checked += 1
    assert checked > 300
    assert checked - narrow > 100 and narrow > 100


def test_groups_found_by_sorting_give_the_same_outcomes(monkeypatch):
    """(group, weight) pairs are found with a scratch array, or by sorting when that array
    would be too large (points up to thousands): both ways give the exact outcomes."""
    monkeypatch.setattr(batchmes, "_SLOTS", 0)  # always sort
    decided = 0
    for s in random_supports(20261130, 300):
        shares = overlap(s)
        start = Fraction(s.budget) / s.n
        budgets = [start, start + 2, start + 5]
        for per_voter, found in zip(budgets, batchmes.outcomes(s, budgets, shares), strict=True):
            if found is not None:
                decided += 1
                assert found == run_mes(s, per_voter, exact=True, shares=shares).selected
    assert decided > 500
