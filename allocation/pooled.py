"""Pooled budgets with restricted contributions, allocated by a linear programme.

Funders put money into a pool; each contribution may pay only for some cells (a cell is one
neighbourhood and theme, e.g. "Burngreave / mental health"). Given a target amount per cell,
``allocate_pooled_budget`` finds how much of each contribution goes to each cell so that

* every contribution is spent in full, and only on cells it allows;
* the total relative deviation from the targets, ``Σ_cells |allocated − target| / target``, is
  as small as possible.

The linear programme (solved by HiGHS through ``scipy.optimize.linprog``)::

    minimise    Σ_k (over_k + under_k) / T_k
    subject to  Σ_k x[c,k] = A_c                       for every contribution c
                Σ_c x[c,k] − over_k + under_k = T_k    for every cell k
                x, over, under ≥ 0,  x[c,k] only where c allows k

It is a transportation problem: with whole-pound amounts and targets its constraint matrix is
totally unimodular, so the optimal vertex the dual simplex returns is already in whole pounds.
Each contribution's amounts are still rounded by largest remainder (to its exact amount) to
remove floating-point noise, or the pennies of fractional targets. ``deviation`` is the
objective of that printed whole-pound allocation, so anyone can recompute it.

**Gaps.** A cell left short of its target is reported with the contributions that may already
pay for it and those whose restriction stands in the way: a contribution not allowed in the
cell such that, were it allowed, its first pound there would lower the deviation (by
``gain_per_pound``). That is found exactly, not from the programme's dual values (which are not
unique when a cell sits exactly on its target): the cheapest chain of one-pound moves within the
restrictions that frees a pound of the contribution and absorbs a pound into the cell, i.e. a
negative cycle the loosened restriction would open in the allocation's residual network.
Loosening that restriction is the funder's way to close the gap.

Use::

    from allocation.pooled import Cell, Contribution, allocate_pooled_budget
    cells = [Cell("E05010861/mental-health", 40_000, "E05010861", "mental-health"), ...]
    nhs = Contribution.restricted_to("nhs-2026", 250_000, cells, themes={"mental-health"})
    result = allocate_pooled_budget(cells, [nhs, ...])
    result.lines          # [AllocationLine(contribution, cell, amount)], whole pounds
    result.deviation      # Σ |allocated − target| / target
    result.gaps           # [Gap(cell, shortfall, blocked_by=[Blocker(...)], explanation)]
    result.to_dict()      # the JSON the ``pooled`` command prints; input_dict() its input
"""

from __future__ import annotations

__all__ = [
    "AllocationLine",
    "Blocker",
    "Cell",
    "Contribution",
    "Gap",
    "PooledAllocation",
    "PooledBudgetError",
    "allocate_pooled_budget",
    "pooled_budget_from_dict",
]

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from allocation.needs.rounding import largest_remainder


class PooledBudgetError(ValueError):
    """Pooled-budget input that cannot be used; nothing was allocated.

    ``item`` names the cell or contribution at fault (e.g. ``"contributions[2]"`` or its id),
    ``field`` the field (``"amount"``, ``"allowed"``, ...); either may be ``None``.
    """

    def __init__(self, message: str, *, item: str | None = None, field: str | None = None) -> None:
        self.item = item
        self.field = field
        self.reason = message
        where = " ".join(part for part in (item, f"'{field}'" if field else None) if part)
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class Cell:
    """Something the pool can pay for (a neighbourhood and theme), with its target in pounds."""

    id: str
    target: float
    neighbourhood: str | None = None
    theme: str | None = None

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class Contribution:
    """Money a funder puts in (whole pounds) and the cells it may pay for."""

    id: str
    amount: int
    allowed: tuple[str, ...]
    funder: str | None = None

    @classmethod
    def restricted_to(
        cls,
        id: str,
        amount: int,
        cells: Iterable[Cell],
        *,
        neighbourhoods: Iterable[str] | None = None,
        themes: Iterable[str] | None = None,
        funder: str | None = None,
    ) -> Contribution:
        """A contribution allowed in every cell of the given neighbourhoods and themes
        (``None`` = any)."""
        hoods = None if neighbourhoods is None else set(neighbourhoods)
        kinds = None if themes is None else set(themes)
        allowed = tuple(
            c.id
            for c in cells
            if (hoods is None or c.neighbourhood in hoods) and (kinds is None or c.theme in kinds)
        )
        return cls(id, amount, allowed, funder)

    def to_dict(self) -> dict:
        data = {"id": self.id, "amount": self.amount, "allowed": list(self.allowed)}
        if self.funder is not None:
            data["funder"] = self.funder
        return data


@dataclass(frozen=True)
class AllocationLine:
    """Whole pounds of one contribution going to one cell."""

    contribution: str
    cell: str
    amount: int

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Blocker:
    """A restriction standing between a contribution and a cell short of its target.

    ``restriction`` is ``"theme"`` (the contribution may pay in this neighbourhood, not for
    this theme), ``"neighbourhood"`` (this theme, not here), ``"theme and neighbourhood"``, or
    ``"cell"`` when cells carry no neighbourhood/theme or the contribution allows both
    elsewhere but not this combination.
    """

    contribution: str
    gain_per_pound: float
    restriction: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Gap:
    """A cell the pool leaves short of its target, and what stands in the way."""

    cell: str
    target: float
    allocated: int
    shortfall: float
    allowed_contributions: list[str]
    blocked_by: list[Blocker]
    explanation: str

    def to_dict(self) -> dict:
        data = asdict(self)
        data["blocked_by"] = [b.to_dict() for b in self.blocked_by]
        return data


@dataclass(frozen=True)
class PooledAllocation:
    """The outcome of ``allocate_pooled_budget``.

    ``lines`` hold every non-zero amount (contribution, cell); each contribution's lines add up
    to its amount exactly. ``deviation`` is ``Σ |allocated − target| / target`` of these whole
    pounds; ``optimal_deviation`` the programme's optimum before rounding (equal when targets
    are whole pounds).
    """

    cells: list[Cell]
    contributions: list[Contribution]
    lines: list[AllocationLine]
    deviation: float
    optimal_deviation: float
    gaps: list[Gap] = field(default_factory=list)

    def allocated(self) -> dict[str, int]:
        """Cell id -> whole pounds allocated to it."""
        totals = {c.id: 0 for c in self.cells}
        for line in self.lines:
            totals[line.cell] += line.amount
        return totals

    def to_dict(self) -> dict:
        allocated = self.allocated()
        return {
            "allocation": [line.to_dict() for line in self.lines],
            "deviation": self.deviation,
            "optimal_deviation": self.optimal_deviation,
            "gaps": [gap.to_dict() for gap in self.gaps],
            "cells": [
                {"id": c.id, "target": c.target, "allocated": allocated[c.id]} for c in self.cells
            ],
        }

    def input_dict(self) -> dict:
        """The input in the ``pooled`` command's JSON format, to store and recompute."""
        return {
            "cells": [c.to_dict() for c in self.cells],
            "contributions": [c.to_dict() for c in self.contributions],
        }


def _is_number(value: object) -> bool:
    return (
        isinstance(value, int | float | np.number)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _check(cells: Sequence[Cell], contributions: Sequence[Contribution]) -> None:
    if not cells:
        raise PooledBudgetError("there are no cells to pay for", field="cells")
    seen: set[str] = set()
    for cell in cells:
        if not isinstance(cell.id, str) or not cell.id.strip():
            raise PooledBudgetError("a cell has no id", item="cell", field="id")
        if cell.id in seen:
            raise PooledBudgetError("this cell id appears twice", item=f"cell {cell.id}")
        seen.add(cell.id)
        if not _is_number(cell.target) or cell.target <= 0:
            raise PooledBudgetError(
                "the target must be an amount above 0 (deviation is measured relative to it)",
                item=f"cell {cell.id}",
                field="target",
            )
    ids: set[str] = set()
    for c in contributions:
        name = f"contribution {c.id}"
        if not isinstance(c.id, str) or not c.id.strip():
            raise PooledBudgetError("a contribution has no id", item="contribution", field="id")
        if c.id in ids:
            raise PooledBudgetError("this contribution id appears twice", item=name)
        ids.add(c.id)
        if not _is_number(c.amount) or c.amount < 0 or c.amount != int(c.amount):
            raise PooledBudgetError(
                "the amount must be whole pounds, 0 or more", item=name, field="amount"
            )
        unknown = [k for k in c.allowed if k not in seen]
        if unknown:
            raise PooledBudgetError(
                f"allows cell '{unknown[0]}', which is not among the cells",
                item=name,
                field="allowed",
            )
        if c.amount > 0 and not c.allowed:
            raise PooledBudgetError(
                f"£{int(c.amount):,} may pay for no cell, so it cannot be spent: allow at "
                "least one cell",
                item=name,
                field="allowed",
            )


def allocate_pooled_budget(
    cells: Sequence[Cell], contributions: Sequence[Contribution]
) -> PooledAllocation:
    """Spend every contribution within its restrictions, as close to the targets as possible.

    Parameters
    ----------
    cells:
        Unique ids, targets above 0 (pounds).
    contributions:
        Unique ids, whole-pound amounts of 0 or more, ``allowed`` naming known cells (at least
        one when the amount is above 0).

    Returns
    -------
    PooledAllocation with whole-pound lines adding up to each contribution exactly, the
    deviation they achieve, and the gaps (cells short of target) with their blockers.

    Raises
    ------
    PooledBudgetError
        Input that cannot be allocated, explained in plain words (naming the cell or
        contribution); also if the solver fails, which valid input cannot cause.
    """
    _check(cells, contributions)
    cell_index = {cell.id: k for k, cell in enumerate(cells)}
    target = np.array([float(c.target) for c in cells])
    spending = [c for c in contributions if c.amount > 0]
    pairs: list[tuple[int, int]] = []  # (contribution row, cell) for every allowed pair
    for i, c in enumerate(spending):
        for k in sorted({cell_index[cell] for cell in c.allowed}):
            pairs.append((i, k))
    n_pairs, n_cells, n_contrib = len(pairs), len(cells), len(spending)
    pair_c = np.array([p[0] for p in pairs], dtype=np.int64)
    pair_k = np.array([p[1] for p in pairs], dtype=np.int64)
    cell_rows = np.arange(n_cells)
    # Columns: x pairs, then over_k, then under_k. Rows: contributions, then cells.
    rows = np.concatenate(
        [pair_c, n_contrib + pair_k, n_contrib + cell_rows, n_contrib + cell_rows]
    )
    cols = np.concatenate(
        [np.arange(n_pairs), np.arange(n_pairs), n_pairs + cell_rows, n_pairs + n_cells + cell_rows]
    )
    vals = np.concatenate([np.ones(2 * n_pairs), -np.ones(n_cells), np.ones(n_cells)])
    a_eq = coo_matrix(
        (vals, (rows, cols)), shape=(n_contrib + n_cells, n_pairs + 2 * n_cells)
    ).tocsr()
    # The objective is relative, so the problem can be solved in units of the largest sum of
    # money involved: the solver's tolerances are then the same for a £5,000 pool as for a
    # £5bn one.
    amounts = np.array([float(c.amount) for c in spending])
    unit = max(float(target.max()), float(amounts.max()) if amounts.size else 0.0)
    b_eq = np.concatenate([amounts, target]) / unit
    cost = np.concatenate([np.zeros(n_pairs), unit / target, unit / target])
    res = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs-ds")
    if res.status != 0:
        # Badly scaled input (targets from pennies to billions) can defeat the simplex
        # method's tolerances; the interior-point method with crossover usually copes.
        res = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if res.status != 0:
        raise PooledBudgetError(
            "the solver could not allocate this pool; targets that differ "
            f"by many orders of magnitude can cause this ({res.message})"
        )
    x = np.clip(res.x[:n_pairs], 0.0, None) * unit

    lines: list[AllocationLine] = []
    allocated = np.zeros(n_cells, dtype=np.int64)
    for i, c in enumerate(spending):
        mine = np.flatnonzero(pair_c == i)
        keys = [cells[k].id for k in pair_k[mine]]
        share = x[mine]
        # Spend exactly the amount before rounding (the solver is exact only to its tolerance).
        share = (
            share * (c.amount / math.fsum(share.tolist()))
            if share.sum() > 0
            else np.full(share.size, c.amount / share.size)
        )
        pounds = largest_remainder(share, int(c.amount), keys)
        for k, amount in zip(pair_k[mine].tolist(), pounds.tolist(), strict=True):
            if amount:
                lines.append(AllocationLine(c.id, cells[k].id, int(amount)))
                allocated[k] += amount
    deviation = math.fsum(
        (abs(float(a) - t) / t) for a, t in zip(allocated.tolist(), target.tolist(), strict=True)
    )
    gaps = _gaps(cells, spending, lines, allocated)
    return PooledAllocation(
        list(cells), list(contributions), lines, deviation, float(res.fun), gaps
    )


def _restriction(contribution: Contribution, cell: Cell, by_id: Mapping[str, Cell]) -> str:
    if cell.neighbourhood is None or cell.theme is None:
        return "cell"
    allowed = [by_id[k] for k in contribution.allowed]
    same_place = any(a.neighbourhood == cell.neighbourhood for a in allowed)
    same_theme = any(a.theme == cell.theme for a in allowed)
    if same_place and not same_theme:
        return "theme"
    if same_theme and not same_place:
        return "neighbourhood"
    return "cell" if same_place else "theme and neighbourhood"


def _marginal_costs(
    cells: Sequence[Cell],
    spending: Sequence[Contribution],
    lines: Sequence[AllocationLine],
    allocated: np.ndarray,
) -> tuple[dict[str, float], dict[str, float]]:
    """Cheapest cost of putting one more pound into each cell, and of taking one pound out of
    each contribution, by chains of moves within the restrictions.

    Putting a pound into cell k: it simply adds to k (+1/T_k if k is at or above target,
    −1/T_k if below), or displaces a pound of some contribution already paying k, which puts
    it into another cell it may pay for (and so on). Taking a pound out of contribution c: c
    pays one pound less to a cell it pays, which simply loses it, or is made up by another
    contribution allowed there, which takes it from elsewhere (and so on). These are shortest
    paths in the allocation's residual network (Bellman-Ford: a simple chain visits each
    contribution at most once, so as many rounds as contributions suffice).
    """
    target = {c.id: float(c.target) for c in cells}
    total = {c.id: float(a) for c, a in zip(cells, allocated.tolist(), strict=True)}
    into = {k: (-1.0 if total[k] < target[k] else 1.0) / target[k] for k in target}
    out_of = {k: (1.0 if total[k] <= target[k] else -1.0) / target[k] for k in target}
    paying: dict[str, set[str]] = {k: set() for k in target}  # cell -> contributions paying it
    paid: dict[str, set[str]] = {c.id: set() for c in spending}  # contribution -> cells paid
    for line in lines:
        paying[line.cell].add(line.contribution)
        paid[line.contribution].add(line.cell)
    allowed = {c.id: set(c.allowed) for c in spending}
    allowed_in: dict[str, set[str]] = {k: set() for k in target}
    for c in spending:
        for k in c.allowed:
            allowed_in[k].add(c.id)

    push = dict(into)
    for _ in range(len(spending) + 1):
        best = {c: min(push[k] for k in allowed[c]) for c in allowed}
        new = {k: min([into[k], *(best[c] for c in paying[k])]) for k in target}
        if new == push:
            break
        push = new
    pull = {c: min(out_of[k] for k in paid[c]) if paid[c] else math.inf for c in allowed}
    for _ in range(len(spending) + 1):
        via = {k: min((pull[c] for c in allowed_in[k]), default=math.inf) for k in target}
        new = {c: min((min(out_of[k], via[k]) for k in paid[c]), default=math.inf) for c in allowed}
        if new == pull:
            break
        pull = new
    return push, pull


def _gaps(
    cells: Sequence[Cell],
    spending: Sequence[Contribution],
    lines: Sequence[AllocationLine],
    allocated: np.ndarray,
) -> list[Gap]:
    by_id = {c.id: c for c in cells}
    push, pull = _marginal_costs(cells, spending, lines, allocated)
    gaps = []
    for k, cell in enumerate(cells):
        shortfall = float(cell.target) - float(allocated[k])
        if shortfall < 0.5:  # less than a pound short is rounding, not a gap
            continue
        names = sorted(c.id for c in spending if cell.id in c.allowed)
        blockers = []
        for c in spending:
            if cell.id in c.allowed:
                continue
            # Allowing c here: a pound of c goes into this cell (and on, by push) and c takes
            # it from where it pays now (pull). A negative total cost is a saving.
            gain = -(push[cell.id] + pull[c.id])
            if gain > 1e-12:
                blockers.append(Blocker(c.id, gain, _restriction(c, cell, by_id)))
        blockers.sort(key=lambda b: (-b.gain_per_pound, b.contribution))
        if not names and not blockers:
            why = "no contribution may pay for it"
        elif blockers:
            why = (
                (
                    f"the contributions allowed here ({', '.join(names)}) are all spent; "
                    if names
                    else "no contribution may pay for it; "
                )
                + "loosening the restriction of "
                + ", ".join(
                    f"{b.contribution} ({b.restriction}: {b.gain_per_pound:.3g} "
                    "less deviation per pound moved here)"
                    for b in blockers
                )
                + " would close some of the gap"
            )
        else:
            why = (
                f"the contributions allowed here ({', '.join(names)}) are all spent, and no "
                "other contribution would do more good here than where it is: the pool is "
                "short of money for these targets"
            )
        gaps.append(
            Gap(
                cell.id,
                float(cell.target),
                int(allocated[k]),
                shortfall,
                names,
                blockers,
                f"£{shortfall:,.0f} short of £{float(cell.target):,.0f}: " + why + ".",
            )
        )
    return gaps


def pooled_budget_from_dict(data: object) -> tuple[list[Cell], list[Contribution]]:
    """Read ``{"cells": [{"id", "target"}], "contributions": [{"id", "amount", "allowed"}]}``.

    Cells may also carry ``neighbourhood`` and ``theme``; contributions a ``funder``.

    Returns
    -------
    (cells, contributions), checked as ``allocate_pooled_budget`` requires.

    Raises
    ------
    PooledBudgetError
        A missing or mistyped field, naming where (e.g. ``contributions[2] 'amount'``).
    """
    if not isinstance(data, dict):
        raise PooledBudgetError('the input must be a JSON object with "cells" and "contributions"')
    for key in ("cells", "contributions"):
        if not isinstance(data.get(key), list):
            raise PooledBudgetError("must be a list", field=key)
    cells = []
    for n, item in enumerate(data["cells"]):
        where = f"cells[{n}]"
        if not isinstance(item, dict):
            raise PooledBudgetError("must be an object with id and target", item=where)
        for key in ("id", "target"):
            if key not in item:
                raise PooledBudgetError("is missing", item=where, field=key)
        if not _is_number(item["target"]):
            raise PooledBudgetError("must be a number", item=where, field="target")
        cells.append(
            Cell(
                str(item["id"]),
                float(item["target"]),
                _optional_text(item, "neighbourhood", where),
                _optional_text(item, "theme", where),
            )
        )
    contributions = []
    for n, item in enumerate(data["contributions"]):
        where = f"contributions[{n}]"
        if not isinstance(item, dict):
            raise PooledBudgetError("must be an object with id, amount and allowed", item=where)
        for key in ("id", "amount", "allowed"):
            if key not in item:
                raise PooledBudgetError("is missing", item=where, field=key)
        amount = item["amount"]
        if not _is_number(amount) or amount != int(amount):
            raise PooledBudgetError("must be a whole number of pounds", item=where, field="amount")
        allowed = item["allowed"]
        if not isinstance(allowed, list):
            raise PooledBudgetError("must be a list of cell ids", item=where, field="allowed")
        contributions.append(
            Contribution(
                str(item["id"]),
                int(amount),
                tuple(dict.fromkeys(str(a) for a in allowed)),
                _optional_text(item, "funder", where),
            )
        )
    _check(cells, contributions)
    return cells, contributions


def _optional_text(item: dict, key: str, where: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise PooledBudgetError("must be text", item=where, field=key)
    return value
