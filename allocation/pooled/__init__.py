"""Pooled budgets with restricted contributions: the worst-off cells first.

Funders put money into a pool; each contribution may pay only for some cells (a cell is one
neighbourhood and theme, e.g. "Burngreave / mental health"), each with a target. This is a
bipartite rationing problem (O'Neill 1982; Moulin & Sethuraman 2013). ``allocate_pooled_budget``
spends every contribution in full, only on cells it allows, and

1. **leximin on shortfall**: first makes the largest relative shortfall
   ``(target − allocated) / target`` over all cells as small as possible; holding that, the
   next largest; and so on (lexicographic min-max), by repeated linear programmes (HiGHS
   through SciPy) that fix the cells tight at each level, as in progressive filling. This
   puts as much money within targets as the restrictions allow (the fill ratios form the
   lexicographically optimal base of a polymatroid, Fujishige 1980), the worst-off first;
2. **excess last, spread the same way**: money that must land above targets (every pound is
   spent) is shared by leximin on relative excess ``max(allocated − target, 0) / target``,
   from the top down (progressive filling downwards), never at the cost of a shortfall: it is
   spread in proportion to targets over the cells that can take it, not piled into one (the
   least *total* relative excess would put it all in the largest target a contribution may
   pay);
3. **whole pounds**: each contribution's lines add up to its amount exactly and each cell
   moves less than a pound from the programme, the worse-off cells getting the pounds that
   rounding hands out (at the same level, largest remainder; ``rounding.whole_pounds``);
4. **deterministic payers**: the programmes are built with cells and contributions in the order
   of their ids, so the same pool gives the same lines whatever order it is given in.

``weighting="need"`` compares shortfalls multiplied by each cell's ``need`` (its
neighbourhood's need multiplier), so needier places are protected first. Targets usually
carry need already (a needs-weighted scenario), so the default ``"even"`` does not weight it
twice.

A cell left short is a ``Gap``: the contributions allowed there, and ``blocked_by``, those not
allowed there that could raise it without lowering any cell at most as well off, with the
restriction that keeps them out (``theme``, ``neighbourhood``, both, or the ``cell``).

Use::

    from allocation.pooled import Cell, Contribution, allocate_pooled_budget
    cells = [Cell("E05010861/mental-health", 40_000, "E05010861", "mental-health"), ...]
    nhs = Contribution.restricted_to("nhs-2026", 250_000, cells, themes={"mental-health"})
    result = allocate_pooled_budget(cells, [nhs, ...])
    result.lines                     # [AllocationLine(contribution, cell, amount)], pounds
    result.max_relative_shortfall    # the worst (target − allocated) / target
    result.max_relative_excess       # the most (allocated − target) / target
    result.outcomes                  # per cell: allocated, share_met, shortfall, excess, level
    result.gaps                      # [Gap(cell, ..., reason, blocked_by=[Blocker(...)])]
    result.to_dict()                 # the JSON the ``pooled`` command prints

Errors are ``PooledBudgetError`` with a ``code`` and the figures that explain them.
"""

from __future__ import annotations

__all__ = [
    "GAP_REASONS",
    "WEIGHTINGS",
    "AllocationLine",
    "Blocker",
    "Cell",
    "CellOutcome",
    "Contribution",
    "ExcessLevel",
    "Gap",
    "Level",
    "PoolInput",
    "PooledAllocation",
    "PooledBudgetError",
    "allocate_pooled_budget",
    "pooled_budget_from_dict",
]

from allocation.pooled.allocate import allocate_pooled_budget
from allocation.pooled.model import (
    GAP_REASONS,
    WEIGHTINGS,
    AllocationLine,
    Blocker,
    Cell,
    CellOutcome,
    Contribution,
    ExcessLevel,
    Gap,
    Level,
    PooledAllocation,
    PooledBudgetError,
)
from allocation.pooled.reading import PoolInput, pooled_budget_from_dict
