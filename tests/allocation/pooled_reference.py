"""Independent linear programmes for the pooled-budget tests, written from scratch (dense
matrices, one programme each): what the library's progressive filling must agree with."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog


def pairs_of(cells, contributions):
    index = {c.id: k for k, c in enumerate(cells)}
    return [(i, index[k]) for i, c in enumerate(contributions) if c.amount for k in c.allowed]


def within_targets(cells, result) -> np.ndarray:
    """Each cell's programme pounds within its target (what the shortfall stage settled),
    less a billionth of the target for the solver's tolerance."""
    y = np.array([o.programme_allocated for o in result.outcomes])
    t = np.array([c.target for c in cells], dtype=float)
    return np.minimum(y, t) - 1e-9 * t


def excess_programme(cells, contributions, within, extra_ub=()):
    """The constraints of every allocation that keeps the shortfalls: every contribution
    spent in full, only where allowed, every cell at least ``within``. Columns: x per pair,
    then v; rows ``-Σ x ≤ -within_k``, then ``Σ x − T_k v ≤ T_k`` (relative excess at most v),
    then ``extra_ub`` rows ``(coefficients per pair, bound)``."""
    pairs = pairs_of(cells, contributions)
    n, m = len(cells), len(pairs)
    a_ub = np.zeros((2 * n + len(extra_ub), m + 1))
    b_ub = np.zeros(2 * n + len(extra_ub))
    for j, (_, k) in enumerate(pairs):
        a_ub[k, j] = -1.0
        a_ub[n + k, j] = 1.0
    for k, cell in enumerate(cells):
        b_ub[k] = -within[k]
        a_ub[n + k, m] = -cell.target
        b_ub[n + k] = cell.target
    for r, (row, bound) in enumerate(extra_ub):
        a_ub[2 * n + r, :m] = row
        b_ub[2 * n + r] = bound
    spending = [i for i, c in enumerate(contributions) if c.amount]
    a_eq = np.zeros((len(spending), m + 1))
    for j, (i, _) in enumerate(pairs):
        a_eq[spending.index(i), j] = 1.0
    b_eq = np.array([contributions[i].amount for i in spending], dtype=float)
    return pairs, a_ub, b_ub, (a_eq, b_eq) if spending else (None, None)


def independent_min_max_excess(cells, contributions, within) -> float:
    """min over allocations keeping the shortfalls (``within``) of the largest relative
    excess ``(allocated − target) / target``, written from scratch as one programme."""
    pairs, a_ub, b_ub, (a_eq, b_eq) = excess_programme(cells, contributions, within)
    cost = np.zeros(len(pairs) + 1)
    cost[-1] = 1.0
    res = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None))
    assert res.status == 0
    return float(res.fun)


def least_cell_can_get(cells, contributions, within, k, hold: dict[int, float]) -> float:
    """The least cell ``k`` can get when the shortfalls are kept and every cell in ``hold``
    gets at most its amount."""
    pairs = pairs_of(cells, contributions)
    extra = [
        (np.array([1.0 if p[1] == j else 0.0 for p in pairs]), amount) for j, amount in hold.items()
    ]
    pairs, a_ub, b_ub, (a_eq, b_eq) = excess_programme(cells, contributions, within, extra)
    cost = np.array([1.0 if p[1] == k else 0.0 for p in pairs] + [0.0])
    res = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None))
    assert res.status == 0
    return float(res.fun)
