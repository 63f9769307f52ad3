"""The linear programmes: leximin shortfalls by progressive filling, then the least excess.

All money is in units of the pool's largest sum (``Pool.unit``), so the solver's tolerances
mean the same for a £5,000 pool as for a £5bn one. Cells and contributions are put in the
order of their ids before any programme is built: HiGHS is deterministic, so which
contribution pays which cell depends on the ids and figures only, never on input order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import breadth_first_order

from allocation.pooled.model import Cell, Contribution, PooledBudgetError

#: Money below this (in units of the largest sum) is solver noise, not money.
TOL = 1e-9
#: How far below its level a fixed cell's bound is set, so that solver noise in the level
#: cannot make the next programme infeasible (a millionth of a pound in a £1m pool).
SLACK = 1e-12


@dataclass
class Pool:
    """The input in canonical order, as arrays."""

    cells: list[Cell]  # by id
    spending: list[Contribution]  # amount above 0, by id
    target: np.ndarray  # per cell, in units
    weight: np.ndarray  # per cell: 1, or the need multiplier
    amount: np.ndarray  # per contribution, in units
    pair_c: np.ndarray  # per allowed (contribution, cell) pair
    pair_k: np.ndarray
    unit: float

    @classmethod
    def build(
        cls, cells: Sequence[Cell], contributions: Sequence[Contribution], weighting: str
    ) -> Pool:
        ordered = sorted(cells, key=lambda c: c.id)
        spending = sorted((c for c in contributions if c.amount > 0), key=lambda c: c.id)
        index = {c.id: k for k, c in enumerate(ordered)}
        pairs = sorted((i, index[cell]) for i, c in enumerate(spending) for cell in set(c.allowed))
        target = np.array([float(c.target) for c in ordered])
        amount = np.array([float(c.amount) for c in spending])
        unit = max(float(target.max()), float(amount.max()) if amount.size else 0.0)
        weight = (
            np.array([float(c.need) for c in ordered])
            if weighting == "need"
            else np.ones(len(ordered))
        )
        return cls(
            ordered,
            spending,
            target / unit,
            weight,
            amount / unit,
            np.array([p[0] for p in pairs], dtype=np.int64),
            np.array([p[1] for p in pairs], dtype=np.int64),
            unit,
        )


@dataclass
class Programme:
    """What the programmes found, before rounding: per pair, in units."""

    x: np.ndarray
    levels: list[tuple[float, list[int]]]  # (weighted shortfall, cell indices), worst first
    level_of: dict[int, int]  # cell index -> index in levels


def _solve(cost, a_ub, b_ub, a_eq, b_eq, bounds) -> object:
    res = linprog(
        cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs-ds"
    )
    if res.status != 0:
        # Badly scaled input (targets from pennies to billions) can defeat the simplex
        # method's tolerances; the interior-point method with crossover usually copes.
        res = linprog(
            cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs"
        )
    if res.status != 0:
        raise PooledBudgetError(
            "solver_failed",
            "the solver could not allocate this pool; targets that differ by many orders "
            f"of magnitude can cause this ({res.message})",
            solver_message=str(res.message),
        )
    return res


def solve(pool: Pool) -> Programme:
    """Leximin on (weighted) relative shortfall, then the least total relative excess."""
    n_cells, n_contrib = len(pool.cells), len(pool.spending)
    x = np.zeros(pool.pair_c.size)
    levels: list[tuple[float, list[int]]] = []
    level_of: dict[int, int] = {}
    paid = np.zeros(n_cells, dtype=bool)
    paid[pool.pair_k] = True
    # Cells nobody may pay for get nothing: the worst shortfall there is, fixed at once.
    for w in sorted({float(pool.weight[k]) for k in np.flatnonzero(~paid)}, reverse=True):
        unpaid = [int(k) for k in np.flatnonzero(~paid & (pool.weight == w))]
        level_of.update({k: len(levels) for k in unpaid})
        levels.append((w, unpaid))
    cell_on = paid.copy()
    contrib_on = np.ones(n_contrib, dtype=bool)
    fixed = np.zeros(n_cells, dtype=bool)
    lower = np.zeros(n_cells)
    while True:
        on = contrib_on[pool.pair_c] & cell_on[pool.pair_k]
        cur = np.flatnonzero(cell_on)
        free = cur[~fixed[cur]]
        if free.size == 0:
            break
        mu, xs, ys, marginals = _level(pool, on, cur, free, lower, fixed)
        if mu <= TOL:
            x[on] = xs  # every free cell can reach its target: only the excess stage is left
            break
        bound = pool.target[free] * (1.0 - mu / pool.weight[free])
        at_level = free[ys[np.searchsorted(cur, free)] - bound <= TOL]
        reached_cells, reached_contrib = _raisable(pool, on, cur, free, xs, ys, bound, lower)
        tight = at_level[~reached_cells[at_level]]
        if tight.size == 0:  # numerical trouble: fall back on the dual values, then on all
            tight = free[marginals < -TOL]
            if tight.size == 0:
                tight = at_level if at_level.size else free
        tight_bound = np.maximum(pool.target[tight] * (1.0 - mu / pool.weight[tight]) - SLACK, 0)
        fixed[tight] = True
        lower[tight] = tight_bound
        level_of.update({int(k): len(levels) for k in tight})
        levels.append((float(mu), sorted(int(k) for k in tight)))
        _freeze(pool, on, xs, x, cell_on, contrib_on, fixed, reached_cells, reached_contrib)
    _excess(pool, x, cell_on, contrib_on, fixed, lower)
    return Programme(x, levels, level_of)


def _level(pool, on, cur, free, lower, fixed):
    """The smallest weighted shortfall ``mu`` every free cell can have at once."""
    pc, pk = pool.pair_c[on], pool.pair_k[on]
    contribs = np.flatnonzero(np.bincount(pc, minlength=len(pool.spending)) > 0)
    m, nc, nf = pc.size, cur.size, free.size
    cell_row = np.searchsorted(cur, pk)
    # Columns: x (m), y (nc), mu. Equalities: y_k - sum_c x = 0.
    a_eq = coo_matrix(
        (
            np.concatenate([-np.ones(m), np.ones(nc)]),
            (
                np.concatenate([cell_row, np.arange(nc)]),
                np.concatenate([np.arange(m), m + np.arange(nc)]),
            ),
        ),
        shape=(nc, m + nc + 1),
    ).tocsr()
    # Inequalities: sum_k x <= A_c; -y_k - mu T_k / w_k <= -T_k for free cells.
    contrib_row = np.searchsorted(contribs, pc)
    free_row = len(contribs) + np.arange(nf)
    a_ub = coo_matrix(
        (
            np.concatenate([np.ones(m), -np.ones(nf), -pool.target[free] / pool.weight[free]]),
            (
                np.concatenate([contrib_row, free_row, free_row]),
                np.concatenate([np.arange(m), m + np.searchsorted(cur, free), np.full(nf, m + nc)]),
            ),
        ),
        shape=(len(contribs) + nf, m + nc + 1),
    ).tocsr()
    b_ub = np.concatenate([pool.amount[contribs], -pool.target[free]])
    y_low = np.where(fixed[cur], lower[cur], 0.0)
    bounds = np.column_stack(
        [
            np.concatenate([np.zeros(m), y_low, [0.0]]),
            np.concatenate([np.full(m, np.inf), pool.target[cur], [np.inf]]),
        ]
    )
    cost = np.zeros(m + nc + 1)
    cost[-1] = 1.0
    res = _solve(cost, a_ub, b_ub, a_eq, np.zeros(nc), bounds)
    xs = np.clip(res.x[:m], 0.0, None)
    ys = res.x[m : m + nc]
    return float(res.x[-1]), xs, ys, res.ineqlin.marginals[len(contribs) :]


def _raisable(pool, on, cur, free, xs, ys, bound, lower):
    """Which cells and contributions a pound could reach without lowering a cell at its bound.

    A free cell at the level can be raised if a chain of moves within the restrictions brings
    it a pound from money not yet spent or from a cell above its bound: breadth-first search in
    the allocation's residual graph (contribution -> every cell it may pay; cell -> every
    contribution paying it), from those sources.
    """
    n_contrib, n_cells = len(pool.spending), len(pool.cells)
    pc, pk = pool.pair_c[on], pool.pair_k[on]
    spent = np.bincount(pc, weights=xs, minlength=n_contrib)
    y = np.zeros(n_cells)
    y[cur] = ys
    floor = lower.copy()
    floor[free] = bound
    source = n_contrib + n_cells
    cells_over = cur[y[cur] - floor[cur] > TOL]
    contribs = np.unique(pc)
    unspent = contribs[pool.amount[contribs] - spent[contribs] > TOL]
    paying = xs > TOL
    rows = np.concatenate(
        [pc, n_contrib + pk[paying], np.full(cells_over.size + unspent.size, source)]
    )
    cols = np.concatenate([n_contrib + pk, pc[paying], n_contrib + cells_over, unspent])
    graph = csr_matrix((np.ones(rows.size), (rows, cols)), shape=(source + 1, source + 1))
    reached = np.zeros(source + 1, dtype=bool)
    reached[breadth_first_order(graph, source, directed=True, return_predecessors=False)] = True
    return reached[n_contrib:source], reached[:n_contrib]


def _freeze(pool, on, xs, x, cell_on, contrib_on, fixed, reached_cells, reached_contrib):
    """Take the fixed cells nothing can raise, with the contributions that pay them, out of
    the later programmes.

    Contributions no chain reaches have no money to spare and pay only such cells, and only
    they may pay those cells: keeping those cells at their level takes all of that money in
    every allocation, so freezing it loses nothing (exactly the progressive-filling step).
    """
    pc, pk = pool.pair_c[on], pool.pair_k[on]
    cells = fixed & cell_on & ~reached_cells
    contribs = contrib_on & ~reached_contrib
    mine = contribs[pc]
    outside = mine & ~cells[pk]
    if xs[outside].sum() > TOL * max(1, outside.sum()):
        return  # not closed (solver noise): keep them as constraints instead
    keep = np.flatnonzero(on)
    inside = mine & cells[pk]
    x[keep[inside]] = xs[inside]
    cell_on &= ~cells
    contrib_on &= ~contribs


def _excess(pool, x, cell_on, contrib_on, fixed, lower) -> None:
    """Spend the rest in full, every cell at least at its level, with the least relative
    excess ``Σ max(y − T, 0) / T``."""
    on = contrib_on[pool.pair_c] & cell_on[pool.pair_k]
    pc, pk = pool.pair_c[on], pool.pair_k[on]
    if pc.size == 0:
        return
    contribs = np.unique(pc)
    cur = np.flatnonzero(cell_on)
    m, nc = pc.size, cur.size
    cell_row = np.searchsorted(cur, pk)
    a_eq = coo_matrix(
        (np.ones(m), (np.searchsorted(contribs, pc), np.arange(m))), shape=(contribs.size, m + nc)
    ).tocsr()
    # -sum_c x <= -floor_k ; sum_c x - e_k <= T_k
    a_ub = coo_matrix(
        (
            np.concatenate([-np.ones(m), np.ones(m), -np.ones(nc)]),
            (
                np.concatenate([cell_row, nc + cell_row, nc + np.arange(nc)]),
                np.concatenate([np.arange(m), np.arange(m), m + np.arange(nc)]),
            ),
        ),
        shape=(2 * nc, m + nc),
    ).tocsr()
    floor = np.where(fixed[cur], lower[cur], np.maximum(pool.target[cur] - SLACK, 0.0))
    b_ub = np.concatenate([-floor, pool.target[cur]])
    cost = np.concatenate([np.zeros(m), 1.0 / pool.target[cur]])
    res = _solve(cost, a_ub, b_ub, a_eq, pool.amount[contribs], (0, None))
    x[np.flatnonzero(on)] = np.clip(res.x[:m], 0.0, None)
