"""The float run of Equal Shares (mes/floats.py) selects exactly what the exact run selects, or
declines (Uncertain) and leaves the decision to exact arithmetic."""

from __future__ import annotations

import random
from collections.abc import Iterator
from fractions import Fraction

import numpy as np
import pytest

from allocation.pb import Election, Project
from allocation.pb.mes import Q, run_mes
from allocation.pb.mes.floats import Uncertain, _VoterRun, float_and_error, run_fast, usable
from allocation.pb.support import Support, build_support, overlap

from .conftest import FILES, load


def random_election(rng: random.Random) -> Election:
    vote_type = rng.choice(["approval", "cumulative", "ordinal"])
    m = rng.randint(1, 9)
    ids = [f"p{i}" for i in range(m)]
    # small integer costs and budgets: exact ties are frequent, which is the hard case
    costs = [rng.choice([0, 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30]) for _ in ids]
    budget = rng.choice([rng.randint(0, 60), Fraction(rng.randint(0, 240), rng.randint(1, 7))])
    ballots: list = []
    for _ in range(rng.randint(0, 25)):
        chosen = rng.sample(ids, rng.randint(0, m))
        if vote_type == "cumulative":
            ballots.append({p: rng.randint(0, 3) for p in chosen})
        else:
            ballots.append(chosen)
    return Election(
        budget=budget,
        projects=[Project(i, c) for i, c in zip(ids, costs, strict=True)],
        ballots=ballots,
        vote_type=vote_type,
    )


def random_supports(seed: int, count: int) -> Iterator[Support]:
    """The supports of ``count`` seeded random elections, less those the float runs do not
    take (no voters, or weights that are not whole numbers)."""
    rng = random.Random(seed)
    for _ in range(count):
        s = build_support(random_election(rng))
        if s.n and usable(s):
            yield s


def test_float_run_equals_exact_run_or_declines_on_random_elections():
    decided = declined = 0
    for s in random_supports(20261126, 3000):
        shares = overlap(s)
        for extra in (0, 1, Fraction(1, 3), 7):
            per_voter = Fraction(s.budget) / s.n + extra
            exact = run_mes(s, per_voter, exact=True, shares=shares).selected
            try:
                fast = run_fast(s, per_voter, shares)
            except Uncertain:
                declined += 1
                continue
            decided += 1
            assert fast == exact, (s, per_voter)
    assert decided > declined > 0  # both paths are exercised


@pytest.mark.parametrize("name", FILES)
def test_float_run_equals_exact_run_on_shared_files(name):
    s = build_support(load(name))
    shares = overlap(s)
    start = Fraction(s.budget) / s.n
    for extra in (0, 50, 150):
        exact = run_mes(s, start + extra, exact=True, shares=shares).selected
        # no near-tie on these files: the float run decides, and exactly as the exact run
        assert run_fast(s, start + extra, shares) == exact


@pytest.mark.parametrize("stop_when_exhaustive", [True, False])
def test_add1_on_floats_equals_add1_on_exact_rationals(monkeypatch, stop_when_exhaustive):
    """The float search (add1._add1_batch: many float runs in step) and the exact one (interval
    and slope proofs, exact reruns) give the same outcome and the same share on random
    elections."""
    from allocation.pb.mes import add1, floats

    for s in random_supports(99, 300):
        fast = add1.equal_shares_add1(s, stop_when_exhaustive=stop_when_exhaustive)
        with monkeypatch.context() as patch:
            patch.setattr(floats, "usable", lambda support: False)
            exact = add1.equal_shares_add1(s, stop_when_exhaustive=stop_when_exhaustive)
        assert fast.selected == exact.selected
        assert fast.budget_per_voter == exact.budget_per_voter


def test_an_affine_amount_equals_an_equal_mpq_either_way():
    """Regression: Affine == mpq fell back to identity (False), so the slope run broke an exact
    tie of alphas the wrong way (found by comparing the float and exact add1 searches)."""
    from allocation.pb.mes import Q
    from allocation.pb.mes.affine import Affine

    assert Affine(Q(1, 15), Q(2)) == Q(1, 15)
    assert Q(1, 15) == Affine(Q(1, 15), Q(2))
    assert Affine(Q(1, 15), 0) != Q(1, 16)


@pytest.mark.parametrize("kind", [int, Fraction, Q])
def test_a_budget_becomes_a_python_float_with_a_bound_on_its_error(kind):
    """Whatever exact type a share arrives as (the exact run makes it a gmpy2 mpq), the float
    run gets Python floats: a gmpy2 number in NumPy makes an array of objects, ten times
    slower (plain Equal Shares on Warsaw 2026 went from 0.07 s to 0.66 s that way)."""
    rng = random.Random(5)
    for _ in range(2000):
        x = (
            kind(rng.randint(0, 10**9))
            if kind is int
            else kind(rng.randint(0, 10**12), rng.randint(1, 10**7))
        )
        f, err = float_and_error(x)
        assert type(f) is float and type(err) is float
        gap = abs(Fraction(int(x.numerator), int(x.denominator)) - Fraction(f))
        assert (err == 0) == (gap == 0) and gap <= err <= 4 * gap
    s = build_support(Election(budget=10, projects=[Project("a", 4)], ballots=[{"a"}, {"a"}]))
    state = _VoterRun(s, kind(5) if kind is int else kind(16, 3))
    assert state.b.dtype == np.float64 and state.e.dtype == np.float64
    if kind is not int:  # a distance too small for a float is still not called exact
        f, err = float_and_error(kind(1, 3 * 2**1100))
        assert f == 0.0 and err > 0
