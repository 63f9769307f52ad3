"""The linear programmes: leximin shortfalls by progressive filling, then leximin excess.

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
    excess_levels: list[tuple[float, list[int]]]  # (relative excess, cells), highest first


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
    """Leximin on (weighted) relative shortfall, then leximin on relative excess."""
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
    excess_levels = _excess(pool, x, cell_on, contrib_on, fixed, lower)
    return Programme(x, levels, level_of, excess_levels)


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
    """Take the fixed cells no chain reaches (nothing can raise them in the shortfall stage,
    or lower them in the excess stage), with the contributions that pay them, out of the
    later programmes.

    Contributions no chain reaches have no money to spare (or nowhere else to put it) and pay
    only such cells, and only they may pay those cells: keeping those cells at their level
    takes all of that money in every allocation, so freezing it loses nothing (exactly the
    progressive-filling step).
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


def _excess(pool, x, cell_on, contrib_on, fixed, lower) -> list[tuple[float, list[int]]]:
    """Spend the rest in full, every cell at least at its level, the money above targets
    shared by leximin on relative excess ``(y − T) / T``, from the top down.

    Progressive filling again, downwards: each programme finds the smallest relative excess
    ``nu`` every cell not yet capped can have at once; the cells that cannot go lower while no
    other cell goes above its cap are tight (no chain of one-pound moves takes a pound from
    them to a cell below its cap); they are capped at ``nu``, and the next programme lowers the
    rest. It stops when the cells left can all stay within their targets. Returns the excess
    levels ``(nu, cell indices)``, highest first.
    """
    n_cells = len(pool.cells)
    # This stage decides every pair still on (the shortfall stage may have left its figures).
    x[contrib_on[pool.pair_c] & cell_on[pool.pair_k]] = 0.0
    floor = np.where(fixed, lower, np.maximum(pool.target - SLACK, 0.0))
    cap = np.full(n_cells, np.inf)
    capped = np.zeros(n_cells, dtype=bool)
    levels: list[tuple[float, list[int]]] = []
    while True:
        on = contrib_on[pool.pair_c] & cell_on[pool.pair_k]
        if not on.any():
            break
        cur = np.flatnonzero(cell_on)
        free = cur[~capped[cur]]
        if free.size == 0:
            x[np.flatnonzero(on)] = _spend(pool, on, cur, floor, cap)
            break
        nu, xs, ys, marginals = _excess_level(pool, on, cur, free, floor, cap)
        if nu <= TOL:
            x[np.flatnonzero(on)] = xs  # the cells left can all stay within their targets
            break
        bound = pool.target[free] * (1.0 + nu)
        ceiling = cap.copy()
        ceiling[free] = bound
        at_level = free[ys[np.searchsorted(cur, free)] - bound >= -TOL]
        reached_cells, reached_contrib = _lowerable(pool, on, cur, xs, ys, ceiling)
        tight = at_level[~reached_cells[at_level]]
        if tight.size == 0:  # numerical trouble: fall back on the dual values, then on all
            tight = free[marginals < -TOL]
            if tight.size == 0:
                tight = at_level if at_level.size else free
        capped[tight] = True
        cap[tight] = pool.target[tight] * (1.0 + nu) + SLACK
        levels.append((float(nu), sorted(int(k) for k in tight)))
        rest = free[~capped[free]]
        if np.all(ys[np.searchsorted(cur, rest)] - pool.target[rest] <= TOL):
            # Every cell left is within its target in this allocation already: it is the
            # last level's, and another programme would only confirm it.
            x[np.flatnonzero(on)] = xs
            break
        _freeze(pool, on, xs, x, cell_on, contrib_on, capped, reached_cells, reached_contrib)
    return levels


def _spending_rows(pool, on, cur):
    """The rows every programme of the excess stage shares: each contribution spends exactly
    its amount, and ``y_k − Σ_c x = 0``. Columns: x (m), y (nc), then one more."""
    pc, pk = pool.pair_c[on], pool.pair_k[on]
    contribs = np.unique(pc)
    m, nc = pc.size, cur.size
    a_eq = coo_matrix(
        (
            np.concatenate([np.ones(m), -np.ones(m), np.ones(nc)]),
            (
                np.concatenate(
                    [np.searchsorted(contribs, pc), contribs.size + np.searchsorted(cur, pk)]
                    + [contribs.size + np.arange(nc)]
                ),
                np.concatenate([np.arange(m), np.arange(m), m + np.arange(nc)]),
            ),
        ),
        shape=(contribs.size + nc, m + nc + 1),
    ).tocsr()
    b_eq = np.concatenate([pool.amount[contribs], np.zeros(nc)])
    return a_eq, b_eq, m, nc


def _excess_level(pool, on, cur, free, floor, cap):
    """The smallest relative excess ``nu`` every free cell can have at once, every cell
    between its floor and its cap, every contribution spent in full."""
    a_eq, b_eq, m, nc = _spending_rows(pool, on, cur)
    nf = free.size
    # y_k / T_k - nu <= 1 for free cells (divided by T_k: HiGHS drops coefficients below
    # 1e-9, which a target that small beside the pool's largest sum would be).
    a_ub = coo_matrix(
        (
            np.concatenate([1.0 / pool.target[free], -np.ones(nf)]),
            (
                np.concatenate([np.arange(nf), np.arange(nf)]),
                np.concatenate([m + np.searchsorted(cur, free), np.full(nf, m + nc)]),
            ),
        ),
        shape=(nf, m + nc + 1),
    ).tocsr()
    bounds = np.column_stack(
        [
            np.concatenate([np.zeros(m), floor[cur], [0.0]]),
            np.concatenate([np.full(m, np.inf), cap[cur], [np.inf]]),
        ]
    )
    cost = np.zeros(m + nc + 1)
    cost[-1] = 1.0
    res = _solve(cost, a_ub, np.ones(nf), a_eq, b_eq, bounds)
    xs = np.clip(res.x[:m], 0.0, None)
    return float(res.x[-1]), xs, res.x[m : m + nc], res.ineqlin.marginals


def _spend(pool, on, cur, floor, cap):
    """Any allocation of the contributions left with every cell between its floor and cap
    (every cell is capped: nothing is left to choose)."""
    a_eq, b_eq, m, nc = _spending_rows(pool, on, cur)
    bounds = np.column_stack(
        [
            np.concatenate([np.zeros(m), floor[cur], [0.0]]),
            np.concatenate([np.full(m, np.inf), cap[cur], [0.0]]),
        ]
    )
    res = _solve(np.zeros(m + nc + 1), None, None, a_eq, b_eq, bounds)
    return np.clip(res.x[:m], 0.0, None)


def _lowerable(pool, on, cur, xs, ys, ceiling):
    """Which cells could give up a pound, and which contributions could move one, with no cell
    going above its ``ceiling``.

    A cell can be lowered if a chain of moves within the restrictions takes a pound from it to
    a cell below its ceiling: breadth-first search backwards in the allocation's residual
    graph (a cell below its ceiling -> every contribution that may pay it -> every cell that
    contribution pays -> ...).
    """
    n_contrib, n_cells = len(pool.spending), len(pool.cells)
    pc, pk = pool.pair_c[on], pool.pair_k[on]
    y = np.zeros(n_cells)
    y[cur] = ys
    source = n_contrib + n_cells
    room = cur[ceiling[cur] - y[cur] > TOL]
    paying = xs > TOL
    rows = np.concatenate([n_contrib + pk, pc[paying], np.full(room.size, source)])
    cols = np.concatenate([pc, n_contrib + pk[paying], n_contrib + room])
    graph = csr_matrix((np.ones(rows.size), (rows, cols)), shape=(source + 1, source + 1))
    reached = np.zeros(source + 1, dtype=bool)
    reached[breadth_first_order(graph, source, directed=True, return_predecessors=False)] = True
    return reached[n_contrib:source], reached[:n_contrib]
