"""How the pooled contributions cover a scenario's neighbourhood amounts, theme by theme.

The targets are a scenario's amounts per neighbourhood, split between themes by relative
weights (whole pounds, by largest remainder, so each neighbourhood's targets add up to its
amount). The contributions whose period covers the chosen day are allocated to the
(neighbourhood, theme) cells they may pay for by ``allocation.pooled.allocate_pooled_budget``;
nothing is stored, and the input can be downloaded in the ``pooled`` command's JSON format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

from allocation.needs import largest_remainder
from allocation.pooled import Cell, PooledAllocation, PooledBudgetError, allocate_pooled_budget
from allocation.pooled import Contribution as PoolContribution
from pbapp.models import THEMES, Neighbourhood
from pbapp.models.funding import Contribution
from pbapp.services.errors import FieldError
from pbapp.services.funding.scenarios import Row

RESTRICTION_WORDS = {
    "theme": "it may not pay for this theme",
    "neighbourhood": "it may not pay in this neighbourhood",
    "theme and neighbourhood": "it may pay neither for this theme nor in this neighbourhood",
    "cell": "it may not pay for this theme in this neighbourhood",
}


@dataclass(frozen=True)
class CellRow:
    id: str
    neighbourhood: str
    theme: str
    target: int
    allocated: int

    @property
    def difference(self) -> int:
        return self.allocated - self.target


@dataclass(frozen=True)
class GapRow:
    cell: CellRow
    shortfall: int
    allowed: list[str]
    blockers: list[str]  # plain sentences


@dataclass
class PoolView:
    """The pool on a day: its contributions, cells, allocation, deviation and gaps."""

    day: date
    contributions: list[Contribution]
    cells: list[CellRow] = field(default_factory=list)
    lines: dict[int, list[tuple[CellRow, int]]] = field(default_factory=dict)
    gaps: list[GapRow] = field(default_factory=list)
    deviation: float | None = None
    problem: str | None = None
    input_document: dict[str, Any] | None = None

    @property
    def contributed(self) -> int:
        return sum(c.amount for c in self.contributions)

    @property
    def target_total(self) -> int:
        return sum(c.target for c in self.cells)


def theme_targets(amount: int, weights: dict[str, Decimal]) -> dict[str, int]:
    """Split ``amount`` between themes in proportion to ``weights``, in whole pounds that add
    up to ``amount`` exactly (largest remainder; ties by theme id)."""
    themes = [t for t in THEMES if weights.get(t, Decimal(0)) > 0]
    total = sum(weights[t] for t in themes)
    exact = [float(Decimal(amount) * weights[t] / total) for t in themes]
    whole = largest_remainder(np.array(exact), amount, keys=themes)
    return {t: int(v) for t, v in zip(themes, whole.tolist(), strict=True)}


def check_weights(weights: dict[str, Decimal | None]) -> dict[str, Decimal]:
    """Weights of 0 to 100, at least one above 0. Raises ``FieldError("weights", ...)``."""
    clean = {t: w for t, w in weights.items() if w is not None}
    if any(w < 0 or w > 100 for w in clean.values()):
        raise FieldError("weights", "Theme weights are numbers from 0 to 100.")
    if not any(w > 0 for w in clean.values()):
        raise FieldError("weights", "Give at least one theme a weight above 0.")
    return clean


def _funder(item: Contribution) -> str:
    return f"{item.funder_name} (£{item.amount:,}, contribution {item.id})"


def pool_view(
    rows: list[Row],
    items: list[Contribution],
    weights: dict[str, Decimal],
    day: date,
    areas: list[Neighbourhood],
) -> PoolView:
    """Allocate the contributions covering ``day`` to the targets of a scenario's ``rows``.

    Never raises for a pool that cannot be allocated: ``problem`` says why in plain words.
    """
    active = [c for c in items if c.covers(day)]
    view = PoolView(day=day, contributions=active)
    if not active:
        view.problem = f"No contribution covers {day:%-d %B %Y}. Choose another day."
        return view
    code_of = {a.id: a.code for a in areas}
    cells: list[Cell] = []
    cell_rows: dict[str, CellRow] = {}
    for row in rows:
        for theme, target in theme_targets(row.amount, weights).items():
            if target > 0:
                cell_id = f"{row.code}/{theme}"
                cells.append(Cell(cell_id, target, row.code, theme))
                cell_rows[cell_id] = CellRow(cell_id, row.name, THEMES[theme], target, 0)
    if not cells:
        view.problem = "The scenario gives no neighbourhood any money, so there is nothing to fund."
        return view
    by_id = {f"c{c.id}": c for c in active}
    pool = [
        PoolContribution.restricted_to(
            key,
            item.amount,
            cells,
            neighbourhoods=None
            if item.neighbourhood_ids is None
            else {code_of[i] for i in item.neighbourhood_ids if i in code_of},
            themes=None if item.themes is None else set(item.themes),
            funder=item.funder_name,
        )
        for key, item in by_id.items()
    ]
    view.input_document = {
        "cells": [c.to_dict() for c in cells],
        "contributions": [c.to_dict() for c in pool],
    }
    try:
        result: PooledAllocation = allocate_pooled_budget(cells, pool)
    except PooledBudgetError as error:
        item = by_id.get((error.item or "").removeprefix("contribution "))
        if item is not None and "may pay for no cell" in str(error):
            view.problem = (
                f"{_funder(item)} may pay only for neighbourhoods and themes that have no "
                "target in this pool, so it could not be spent. Give those themes a weight, "
                "or widen its restrictions."
            )
        else:
            view.problem = f"The pool cannot be allocated: {error}."
        return view
    allocated = result.allocated()
    view.cells = [
        CellRow(
            c.id,
            cell_rows[c.id].neighbourhood,
            cell_rows[c.id].theme,
            int(c.target),
            allocated[c.id],
        )
        for c in cells
    ]
    final = {c.id: c for c in view.cells}
    for line in result.lines:
        view.lines.setdefault(by_id[line.contribution].id, []).append(
            (final[line.cell], line.amount)
        )
    view.deviation = result.deviation
    for gap in result.gaps:
        blockers = []
        for blocker in gap.blocked_by:
            item = by_id[blocker.contribution]
            blockers.append(
                f"{item.funder_name} (contribution {item.id}) could help, but "
                f"{RESTRICTION_WORDS.get(blocker.restriction, 'its restrictions do not allow it')}"
                f". Each pound it could move here would lower the deviation by "
                f"{blocker.gain_per_pound:.6f}."
            )
        view.gaps.append(
            GapRow(
                cell=final[gap.cell],
                shortfall=round(gap.shortfall),
                allowed=[by_id[c].funder_name for c in gap.allowed_contributions],
                blockers=blockers,
            )
        )
    return view
