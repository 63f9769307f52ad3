"""One run of Equal Shares: the engines tried in turn, the first proven selection taken.

For one share per voter the chain is ``floats.selection`` (float budgets with rigorous error
bounds; declines near a tie), then ``exact.run_exact`` (rationals; never declines). With
``exact=True``, or when the share is an :class:`~allocation.pb.mes.affine.Affine` (a slope
run of add1), only the exact engine runs. Every engine selects what the exact one selects or
declines, so the chain's outcome does not depend on which engine decided it.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from allocation.pb.election import Number
from allocation.pb.mes import floats
from allocation.pb.mes.affine import Affine
from allocation.pb.mes.exact import run_exact
from allocation.pb.mes.outcome import UNPROVEN, MesRun, as_fraction
from allocation.pb.support import Support, overlap


def run_mes(
    support: Support,
    per_voter: Number | Affine,
    *,
    exact: bool = False,
    record: bool = False,
    shares: np.ndarray | None = None,
) -> MesRun:
    """Run MES once with ``per_voter`` for each voter; return what it bought, in order.

    ``exact``: skip the float engine (the exact engine alone decides). ``record``: also keep
    each purchase's payments and, for every project, the money its supporters held at the
    end; only the exact engine records, so ``record`` needs ``exact=True``. ``shares`` is
    ``overlap(support)`` when the caller has it already (the same for every run of an
    election).
    """
    if record and not exact:
        raise ValueError("only the exact engine records payments: pass exact=True")
    s = support
    slopes = isinstance(per_voter, Affine)
    run = MesRun(as_fraction(per_voter.v) if slopes else Fraction(per_voter), [])
    if s.n == 0:
        return run
    shares = overlap(s) if shares is None else shares
    # The engines that may decline, in order; a slope run must see every exact comparison.
    engines = () if exact or slopes else (floats.selection,)
    for engine in engines:
        selected = engine(s, run.budget_per_voter, shares)
        if selected is not UNPROVEN:
            run.selected = selected
            return run
    return run_exact(s, per_voter, run, record=record, shares=shares)


def equal_shares(support: Support, *, record: bool = False) -> MesRun:
    """MES with an equal share B/n of the budget per voter, no completion (exact when
    ``record``, since only the exact engine records payments)."""
    if support.n == 0:
        return MesRun(Fraction(0), [])
    return run_mes(support, Fraction(support.budget) / support.n, exact=record, record=record)
