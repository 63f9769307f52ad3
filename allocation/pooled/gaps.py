"""Cells short of their target, and the restrictions that stand in the way."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order

from allocation.pooled.model import Blocker, Cell, CellOutcome, Contribution, Gap

#: Two weighted shortfalls closer than this are the same level.
SAME = 1e-7


def restriction(contribution: Contribution, cell: Cell, by_id: Mapping[str, Cell]) -> str:
    """Which restriction keeps ``contribution`` out of ``cell`` (see ``Blocker``)."""
    return _Reach.of(contribution, by_id).restriction(cell)


class _Reach:
    """The neighbourhoods and themes a contribution may pay in or for."""

    def __init__(self, contribution: Contribution, by_id: Mapping[str, Cell]) -> None:
        allowed = [by_id[k] for k in contribution.allowed]
        self.places = {a.neighbourhood for a in allowed}
        self.themes = {a.theme for a in allowed}

    @classmethod
    def of(cls, contribution: Contribution, by_id: Mapping[str, Cell]) -> _Reach:
        return cls(contribution, by_id)

    def restriction(self, cell: Cell) -> str:
        if cell.neighbourhood is None or cell.theme is None:
            return "cell"
        same_place = cell.neighbourhood in self.places
        same_theme = cell.theme in self.themes
        if same_place and not same_theme:
            return "theme"
        if same_theme and not same_place:
            return "neighbourhood"
        return "cell" if same_place else "theme and neighbourhood"


def find_gaps(
    cells: Sequence[Cell],
    spending: Sequence[Contribution],
    pair_c: np.ndarray,
    pair_k: np.ndarray,
    x: np.ndarray,
    weighted_shortfall: np.ndarray,
    outcomes: Sequence[CellOutcome],
) -> list[Gap]:
    """Every cell short of its target by half a pound or more, in ``outcomes`` order.

    ``cells``, ``pair_*``, ``x`` (the programme's pounds per pair) and ``weighted_shortfall``
    are in the canonical order of ``Pool``; ``outcomes`` in the caller's.

    A contribution blocks a gap when, were it allowed in the cell, it could raise the cell
    without lowering any cell at most as well off: a chain of moves within the restrictions
    frees a pound of it from a cell better off (breadth-first search in the residual graph:
    cell -> contributions paying it -> cells they may pay -> ...).
    """
    by_id = {c.id: c for c in cells}
    index = {c.id: k for k, c in enumerate(cells)}
    lowest = min((o.share_met for o in outcomes), default=1.0)
    n_contrib, n_cells = len(spending), len(cells)
    source = n_contrib + n_cells
    paying = x > SAME
    edges_r = np.concatenate([pair_c, n_contrib + pair_k[paying]])
    edges_c = np.concatenate([n_contrib + pair_k, pair_c[paying]])
    freed: dict[float, np.ndarray] = {}

    def free_contributions(level: float) -> np.ndarray:
        key = round(level / SAME)
        if key not in freed:
            better = np.flatnonzero(weighted_shortfall < level - SAME)
            rows = np.concatenate([edges_r, np.full(better.size, source)])
            cols = np.concatenate([edges_c, n_contrib + better])
            graph = csr_matrix((np.ones(rows.size), (rows, cols)), shape=(source + 1, source + 1))
            order = breadth_first_order(graph, source, directed=True, return_predecessors=False)
            freed[key] = np.sort(order[order < n_contrib])
        return freed[key]

    reach = [_Reach(c, by_id) for c in spending]
    allowed_in: dict[int, set[int]] = {}
    for i, k in zip(pair_c.tolist(), pair_k.tolist(), strict=True):
        allowed_in.setdefault(k, set()).add(i)
    gaps = []
    for outcome in outcomes:
        if outcome.shortfall < 0.5:  # less than a pound short is rounding, not a gap
            continue
        k = index[outcome.cell]
        cell = cells[k]
        here = allowed_in.get(k, set())
        names = sorted(spending[i].id for i in here)
        blockers = [
            Blocker(spending[i].id, reach[i].restriction(cell))
            for i in free_contributions(float(weighted_shortfall[k])).tolist()
            if i not in here
        ]
        if not names:
            reason = "no_contribution_allowed" if not blockers else "restricted"
        else:
            reason = "restricted" if blockers else "pool_short"
        gaps.append(
            Gap(
                cell.id,
                float(cell.target),
                outcome.allocated,
                outcome.share_met,
                outcome.shortfall,
                outcome.share_met <= lowest + 1e-12,
                reason,
                names,
                blockers,
            )
        )
    return gaps
