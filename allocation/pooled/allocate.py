"""``allocate_pooled_budget``: the programmes, whole pounds, the outcome per cell, the gaps."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from allocation.pooled.gaps import find_gaps
from allocation.pooled.leximin import Pool, solve
from allocation.pooled.model import (
    AllocationLine,
    Cell,
    CellOutcome,
    Contribution,
    ExcessLevel,
    Level,
    PooledAllocation,
)
from allocation.pooled.reading import check_pool
from allocation.pooled.rounding import whole_pounds


def allocate_pooled_budget(
    cells: Sequence[Cell], contributions: Sequence[Contribution], weighting: str = "even"
) -> PooledAllocation:
    """Spend every contribution within its restrictions, the worst-off cells first.

    Parameters
    ----------
    cells:
        Unique ids, targets above 0 (pounds); with ``weighting="need"``, a ``need`` above 0.
    contributions:
        Unique ids, whole-pound amounts of 0 or more, ``allowed`` naming known cells (at least
        one when the amount is above 0).
    weighting:
        ``"even"`` (default): leximin on relative shortfall ``(target − allocated) / target``.
        ``"need"``: on relative shortfall times the cell's ``need``.

    Returns
    -------
    PooledAllocation: whole-pound lines adding up to each contribution exactly, each cell's
    outcome, the levels of the progressive filling (shortfalls, then money above targets),
    and the gaps with what blocks them.

    Raises
    ------
    PooledBudgetError
        Input that cannot be allocated (``code`` says what); also ``solver_failed`` if the
        solver fails, which valid input with sensible magnitudes does not cause.
    """
    check_pool(cells, contributions, weighting)
    pool = Pool.build(cells, contributions, weighting)
    programme = solve(pool)
    unit = pool.unit
    amounts = np.array([float(c.amount) for c in pool.spending])
    x = programme.x * unit
    # Each contribution spends exactly its amount (the solver is exact only to its tolerance).
    spent = np.bincount(pool.pair_c, weights=x, minlength=amounts.size)
    scale = np.divide(amounts, spent, out=np.ones_like(amounts), where=spent > 0)
    x = x * scale[pool.pair_c]
    target = pool.target * unit
    n_cells = len(pool.cells)
    # A contribution below the solver's resolution (a few pounds beside billions) may come
    # back unspent: it goes to the worst off of the cells it may pay for.
    for i in np.flatnonzero(spent <= 0).tolist():
        mine = np.flatnonzero(pool.pair_c == i)
        y = np.bincount(pool.pair_k, weights=x, minlength=n_cells)
        short = pool.weight * np.clip(target - y, 0.0, None) / target
        x[mine[int(np.argmax(short[pool.pair_k[mine]]))]] = amounts[i]
    y = np.bincount(pool.pair_k, weights=x, minlength=n_cells)
    shortfall = np.clip(target - y, 0.0, None) / target
    weighted = shortfall * pool.weight
    excess = np.clip(y - target, 0.0, None) / target
    # Worse off first; among cells at their target or above, the least far above it; at the
    # same level, the largest remainder (the cell nearest the pound above), then the id.
    remainder = np.round(y - np.floor(y), 9)
    order = np.lexsort(
        (np.arange(n_cells), -remainder, np.round(excess, 9), -np.round(weighted, 9))
    )
    priority = np.empty(n_cells)
    priority[order] = (n_cells - np.arange(n_cells)) / n_cells
    keys = [
        f"{pool.spending[i].id}\x00{pool.cells[k].id}"
        for i, k in zip(pool.pair_c.tolist(), pool.pair_k.tolist(), strict=True)
    ]
    pounds = whole_pounds(pool.pair_c, pool.pair_k, x, amounts, n_cells, priority, keys)
    allocated = np.bincount(pool.pair_k, weights=pounds, minlength=n_cells).astype(np.int64)

    index = {c.id: k for k, c in enumerate(pool.cells)}
    excess_level_of = {
        k: i for i, (_, members) in enumerate(programme.excess_levels) for k in members
    }
    outcomes = []
    for cell in cells:
        k = index[cell.id]
        t, a = float(cell.target), int(allocated[k])
        outcomes.append(
            CellOutcome(
                cell.id,
                t,
                a,
                min(a / t, 1.0),
                max(t - a, 0.0),
                max(a - t, 0.0),
                float(y[k]),
                programme.level_of.get(k),
                excess_level_of.get(k),
            )
        )
    by_pair = {
        (pool.spending[i].id, pool.cells[k].id): int(p)
        for i, k, p in zip(pool.pair_c.tolist(), pool.pair_k.tolist(), pounds.tolist(), strict=True)
        if p
    }
    lines = [
        AllocationLine(c.id, cell.id, by_pair[(c.id, cell.id)])
        for c in contributions
        for cell in cells
        if (c.id, cell.id) in by_pair
    ]
    levels = [Level(mu, [pool.cells[k].id for k in members]) for mu, members in programme.levels]
    excess_levels = [
        ExcessLevel(nu, [pool.cells[k].id for k in members])
        for nu, members in programme.excess_levels
    ]
    gaps = find_gaps(pool.cells, pool.spending, pool.pair_c, pool.pair_k, x, weighted, outcomes)
    return PooledAllocation(
        list(cells),
        list(contributions),
        weighting,
        lines,
        outcomes,
        levels,
        max((o.shortfall / o.target for o in outcomes), default=0.0),
        float(shortfall.max()) if n_cells else 0.0,
        math.fsum(o.excess / o.target for o in outcomes),
        gaps,
        excess_levels,
        max((o.excess / o.target for o in outcomes), default=0.0),
        float(excess.max()) if n_cells else 0.0,
    )
