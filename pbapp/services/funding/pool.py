"""How the pooled contributions cover a scenario's neighbourhood amounts, theme by theme.

The targets are a scenario's amounts per neighbourhood, split between themes by relative
weights (whole pounds, by largest remainder, so each neighbourhood's targets add up to its
amount). The contributions whose period covers the chosen day are allocated to the
(neighbourhood, theme) cells they may pay for by ``allocation.pooled.allocate_pooled_budget``
(the worst-off cells first); nothing is stored, and the input can be downloaded in the
``pooled`` command's JSON format.

The words are chosen here from the library's codes (``PooledBudgetError.code``,
``Gap.reason``, ``Blocker.restriction``), never from its messages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from allocation.needs import largest_remainder
from allocation.pooled import Cell, PooledBudgetError, allocate_pooled_budget
from allocation.pooled import Contribution as PoolContribution
from pbapp.formatting import in_words, money
from pbapp.models import THEMES, Neighbourhood
from pbapp.models.funding import Contribution
from pbapp.services.errors import FieldError
from pbapp.services.funding.need import indicator_name
from pbapp.services.funding.scenarios import Row

#: How shortfalls are compared, in the funders' words.
WEIGHTING_CHOICES = {
    "even": _l("Every neighbourhood's themes alike (the targets already carry need)"),
    "need": _l("Needier neighbourhoods protected first (shortfalls weighted by need)"),
}


def share_percent(share: float) -> int:
    """A share of target as a whole percentage, rounded down: "at least" stays true."""
    return math.floor(share * 100 + 1e-9)


@dataclass(frozen=True)
class CellRow:
    id: str
    neighbourhood: str
    theme: str
    target: int
    allocated: int
    multiplier: float | None = None

    @property
    def difference(self) -> int:
        return self.allocated - self.target

    @property
    def share(self) -> float:
        return min(self.allocated / self.target, 1.0)

    @property
    def percent(self) -> int:
        return share_percent(self.share)


@dataclass(frozen=True)
class BlockerRow:
    """A contribution that could raise a gap's share, were a restriction loosened."""

    funder: str
    contribution_id: int
    restriction: str  # allocation.pooled.Blocker.restriction


@dataclass(frozen=True)
class GapRow:
    cell: CellRow
    shortfall: int
    worst_off: bool
    reason: str  # allocation.pooled.GAP_REASONS
    allowed: list[str]
    blockers: list[BlockerRow]


@dataclass(frozen=True)
class Lever:
    """One loosening that several gaps have in common: a contribution allowed to pay for a
    theme (anywhere it pays now), in a neighbourhood, or for one theme in one neighbourhood."""

    funder: str
    contribution_id: int
    restriction: str  # "theme", "neighbourhood" or another allocation.pooled restriction
    theme: str | None
    neighbourhood: str | None
    gaps: int
    shortfall: int


@dataclass(frozen=True)
class NeighbourhoodShare:
    """A neighbourhood's targets and how much of them the pool meets (within target)."""

    name: str
    target: int
    met: int  # Σ min(allocated, target) over its themes
    lowest_percent: int  # its worst-off theme

    @property
    def percent(self) -> int:
        return share_percent(self.met / self.target) if self.target else 100


@dataclass(frozen=True)
class NeedSource:
    """Where the need multipliers of the need weighting come from."""

    indicators: list[str]  # "IMD score 2025"
    alpha: float


@dataclass
class PoolView:
    """The pool on a day: its contributions, cells, allocation, shares met and gaps."""

    day: date
    contributions: list[Contribution]
    weighting: str = "even"
    cells: list[CellRow] = field(default_factory=list)
    lines: dict[int, list[tuple[CellRow, int]]] = field(default_factory=dict)
    gaps: list[GapRow] = field(default_factory=list)
    neighbourhoods: list[NeighbourhoodShare] = field(default_factory=list)
    levers: list[Lever] = field(default_factory=list)
    lowest_percent: int | None = None
    need_source: NeedSource | None = None
    problem: str | None = None
    input_document: dict[str, Any] | None = None
    technical: dict[str, Any] | None = None  # the library's figures, for the JSON

    @property
    def contributed(self) -> int:
        return sum(c.amount for c in self.contributions)

    @property
    def target_total(self) -> int:
        return sum(c.target for c in self.cells)

    @property
    def met_total(self) -> int:
        return sum(min(c.allocated, c.target) for c in self.cells)

    @property
    def above_total(self) -> int:
        """Pounds above targets, in all."""
        return sum(max(c.difference, 0) for c in self.cells)

    @property
    def above_count(self) -> int:
        """How many cells get more than their target."""
        return sum(1 for c in self.cells if c.difference > 0)

    @property
    def most_above_percent(self) -> int:
        """The largest share above target, as a whole percentage rounded up: "at most" stays
        true."""
        return max(
            (
                math.ceil(c.difference / c.target * 100 - 1e-9)
                for c in self.cells
                if c.difference > 0
            ),
            default=0,
        )


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
        raise FieldError("weights", _("Theme weights are numbers from 0 to 100."))
    if not any(w > 0 for w in clean.values()):
        raise FieldError("weights", _("Give at least one theme a weight above 0."))
    return clean


def need_source(document: dict[str, Any]) -> NeedSource:
    """The indicators, years and gradient α of a scenario's document (its need figures)."""
    alpha = document["rules"].get("alpha")
    return NeedSource(
        [f"{indicator_name(i['indicator'])} {i['year']}" for i in document["indicators"]],
        float(Decimal(alpha)) if alpha is not None else 1.0,
    )


def _funder(item: Contribution) -> str:
    return _(
        "%(funder)s (%(amount)s, contribution %(id)s)",
        funder=item.funder_name,
        amount=money(item.amount),
        id=item.id,
    )


def _problem(error: PooledBudgetError, by_id: dict[str, Contribution]) -> str:
    """Words for a pool that cannot be allocated, chosen by the error's code."""
    if error.code == "unspendable":
        item = by_id.get(str(error.figures.get("contribution")))
        if item is not None:
            return _(
                "%(funder)s may pay only for neighbourhoods and themes that have no "
                "target in this pool, so it could not be spent. Give those themes a weight, "
                "or widen its restrictions.",
                funder=_funder(item),
            )
    if error.code == "need_not_positive":
        return _(
            "A neighbourhood has no need figure above 0, so shortfalls cannot be weighted by "
            "need. Compare every neighbourhood's themes alike instead."
        )
    if error.code == "solver_failed":
        return _(
            "The pool could not be computed: the targets and contributions differ too much in "
            "size for the calculation. Check the amounts."
        )
    return _("The pool cannot be allocated (problem code: %(code)s).", code=error.code)


def pool_view(
    rows: list[Row],
    items: list[Contribution],
    weights: dict[str, Decimal],
    day: date,
    areas: list[Neighbourhood],
    *,
    weighting: str = "even",
    source: NeedSource | None = None,
) -> PoolView:
    """Allocate the contributions covering ``day`` to the targets of a scenario's ``rows``.

    With ``weighting="need"``, each neighbourhood's need multiplier is its need in the
    scenario (relative to the city's average) raised to the scenario's gradient α, as
    ``source`` says. Never raises for a pool that cannot be allocated: ``problem`` says why.
    """
    active = [c for c in items if c.covers(day)]
    view = PoolView(day=day, contributions=active, weighting=weighting, need_source=source)
    if not active:
        view.problem = _(
            "No contribution covers %(day)s. Choose another day.", day=in_words(day, "long_date")
        )
        return view
    alpha = source.alpha if source is not None else 1.0
    code_of = {a.id: a.code for a in areas}
    cells: list[Cell] = []
    cell_rows: dict[str, CellRow] = {}
    for row in rows:
        multiplier = row.need**alpha if weighting == "need" else None
        for theme, target in theme_targets(row.amount, weights).items():
            if target > 0:
                cell_id = f"{row.code}/{theme}"
                cells.append(Cell(cell_id, target, row.code, theme, multiplier))
                cell_rows[cell_id] = CellRow(
                    cell_id, row.name, THEMES[theme], target, 0, multiplier
                )
    if not cells:
        view.problem = _(
            "The scenario gives no neighbourhood any money, so there is nothing to fund."
        )
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
    if weighting != "even":
        view.input_document["weighting"] = weighting
    try:
        result = allocate_pooled_budget(cells, pool, weighting)
    except PooledBudgetError as error:
        view.problem = _problem(error, by_id)
        return view
    view.technical = result.to_dict()
    allocated = result.allocated()
    view.cells = [
        CellRow(
            c.id,
            cell_rows[c.id].neighbourhood,
            cell_rows[c.id].theme,
            int(c.target),
            allocated[c.id],
            c.need,
        )
        for c in cells
    ]
    final = {c.id: c for c in view.cells}
    for line in result.lines:
        view.lines.setdefault(by_id[line.contribution].id, []).append(
            (final[line.cell], line.amount)
        )
    view.lowest_percent = share_percent(result.lowest_share_met)
    view.neighbourhoods = _by_neighbourhood(view.cells)
    for gap in result.gaps:
        view.gaps.append(
            GapRow(
                cell=final[gap.cell],
                shortfall=round(gap.shortfall),
                worst_off=gap.worst_off,
                reason=gap.reason,
                allowed=[by_id[c].funder_name for c in gap.allowed_contributions],
                blockers=[
                    BlockerRow(
                        by_id[b.contribution].funder_name, by_id[b.contribution].id, b.restriction
                    )
                    for b in gap.blocked_by
                ],
            )
        )
    view.gaps.sort(key=lambda g: (g.cell.share, g.cell.neighbourhood, g.cell.theme))
    view.levers = _levers(view.gaps)
    return view


def _levers(gaps: list[GapRow]) -> list[Lever]:
    """The loosenings gaps have in common, the most pounds short first."""
    groups: dict[tuple, list[GapRow]] = {}
    for gap in gaps:
        for b in gap.blockers:
            theme = gap.cell.theme if b.restriction != "neighbourhood" else None
            place = gap.cell.neighbourhood if b.restriction != "theme" else None
            key = (b.funder, b.contribution_id, b.restriction, theme, place)
            groups.setdefault(key, []).append(gap)
    levers = [
        Lever(*key, len(mine), sum(g.shortfall for g in mine)) for key, mine in groups.items()
    ]
    return sorted(
        levers, key=lambda x: (-x.shortfall, x.funder, x.theme or "", x.neighbourhood or "")
    )


def _by_neighbourhood(cells: list[CellRow]) -> list[NeighbourhoodShare]:
    """Share of target met per neighbourhood, lowest first (ties by name)."""
    groups: dict[str, list[CellRow]] = {}
    for cell in cells:
        groups.setdefault(cell.neighbourhood, []).append(cell)
    shares = [
        NeighbourhoodShare(
            name,
            sum(c.target for c in mine),
            sum(min(c.allocated, c.target) for c in mine),
            min(c.percent for c in mine),
        )
        for name, mine in groups.items()
    ]
    return sorted(shares, key=lambda s: (s.met / s.target, s.name))
