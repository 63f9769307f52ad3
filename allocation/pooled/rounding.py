"""Whole pounds: each contribution's lines add up to its amount, each cell moves less than a
pound, and the worst-off cells get the pounds that rounding has to hand out."""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from allocation.needs.rounding import largest_remainder

SNAP = 1e-6  # a programme amount this close to a whole pound is that pound


def whole_pounds(
    pair_c: np.ndarray,
    pair_k: np.ndarray,
    x: np.ndarray,
    amounts: np.ndarray,
    n_cells: int,
    priority: np.ndarray,
    keys: list[str],
) -> np.ndarray:
    """Round ``x`` (pounds per (contribution, cell) pair, each contribution's adding up to its
    whole-pound amount) to whole pounds.

    Each pair becomes the pound below or above it, each contribution adds up to its amount
    exactly, and each cell's total the pound below or above its programme total (such a
    rounding exists: the constraints are those of a transportation problem, totally
    unimodular, so the simplex method's vertex is whole). Where cells compete for the pounds
    rounding hands out, the higher ``priority`` (the worse off) gets them.

    Returns whole pounds per pair (int64). Falls back on rounding each contribution alone by
    largest remainder (ties by ``keys``, one per pair) if the solver does not return a whole
    vertex, which it should not fail to do.
    """
    whole = np.round(x)
    x = np.where(np.abs(x - whole) < SNAP, whole, x)
    lo, hi = np.floor(x), np.ceil(x)
    cell_total = np.bincount(pair_k, weights=x, minlength=n_cells)
    total_whole = np.round(cell_total)
    cell_total = np.where(np.abs(cell_total - total_whole) < SNAP, total_whole, cell_total)
    live = np.flatnonzero(hi > 0)
    m, n_contrib = live.size, amounts.size
    if m:
        # Columns: pairs (m), cell totals (n_cells). Rows: contributions, then cells.
        a_eq = coo_matrix(
            (
                np.concatenate([np.ones(m), np.ones(m), -np.ones(n_cells)]),
                (
                    np.concatenate(
                        [pair_c[live], n_contrib + pair_k[live], n_contrib + np.arange(n_cells)]
                    ),
                    np.concatenate([np.arange(m), np.arange(m), m + np.arange(n_cells)]),
                ),
            ),
            shape=(n_contrib + n_cells, m + n_cells),
        ).tocsr()
        b_eq = np.concatenate([amounts, np.zeros(n_cells)])
        bounds = np.column_stack(
            [
                np.concatenate([lo[live], np.floor(cell_total)]),
                np.concatenate([hi[live], np.ceil(cell_total)]),
            ]
        )
        cost = np.concatenate([np.zeros(m), -priority])
        res = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs-ds")
        if res.status == 0:
            pounds = np.zeros(x.size, dtype=np.int64)
            pounds[live] = np.round(res.x[:m]).astype(np.int64)
            sums = np.bincount(pair_c, weights=pounds, minlength=n_contrib)
            if np.array_equal(sums, amounts) and np.all(np.abs(pounds - x) < 1.0):
                return pounds
    pounds = np.zeros(x.size, dtype=np.int64)
    for i in range(n_contrib):
        mine = np.flatnonzero(pair_c == i)
        share = x[mine]
        share = share * (amounts[i] / math.fsum(share.tolist())) if share.sum() > 0 else share
        pounds[mine] = largest_remainder(share, int(amounts[i]), [keys[j] for j in mine])
    return pounds
