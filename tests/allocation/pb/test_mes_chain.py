"""The chain of Equal Shares engines (allocation/pb/mes/chain.py): the float engine decides when
it can prove its decisions, the exact one otherwise; ``exact=True`` is the exact engine alone,
and recording payments needs it."""

from __future__ import annotations

from fractions import Fraction

import pytest

from allocation.pb.mes import UNPROVEN, floats, run_mes
from allocation.pb.support import overlap

from .test_fastmes import random_supports


def test_recording_without_the_exact_engine_is_refused():
    s = next(random_supports(7, 50))
    with pytest.raises(ValueError, match="exact=True"):
        run_mes(s, Fraction(s.budget) / s.n, record=True)
    run = run_mes(s, Fraction(s.budget) / s.n, exact=True, record=True)
    # every project bought has its payments (a free one is taken without a purchase)
    assert [p.project for p in run.purchases] == [j for j in run.selected if s.costs[j]]


def test_every_way_through_the_chain_selects_the_same(monkeypatch):
    """Floats then exact, exact alone, and exact after floats decline: one outcome."""
    calls = []
    real = floats.selection

    def counted(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(floats, "selection", counted)
    for s in random_supports(11, 300):
        shares = overlap(s)
        per_voter = Fraction(s.budget) / s.n + 1
        chained = run_mes(s, per_voter, shares=shares).selected
        before = len(calls)
        alone = run_mes(s, per_voter, exact=True, shares=shares).selected
        assert len(calls) == before  # exact=True never asks the float engine
        with monkeypatch.context() as patch:
            patch.setattr(floats, "selection", lambda *args: UNPROVEN)
            declined = run_mes(s, per_voter, shares=shares).selected
        assert chained == alone == declined, s
    assert calls
