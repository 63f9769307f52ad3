"""The pooled budget's vocabulary: cells, contributions, the result, and the one error."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

#: How shortfalls are compared. ``even``: a cell's relative shortfall as it is (targets already
#: carry need). ``need``: weighted by the cell's ``need`` multiplier, so needier places are
#: protected first.
WEIGHTINGS = ("even", "need")

#: Why a cell is short of its target (``Gap.reason``).
GAP_REASONS = ("no_contribution_allowed", "restricted", "pool_short")


class PooledBudgetError(ValueError):
    """Pooled-budget input that cannot be used; nothing was allocated.

    Attributes
    ----------
    code:
        What is wrong, for programs to act on (the words are for people and may change):
        ``not_an_object``, ``not_a_list``, ``missing``, ``not_a_number``, ``not_text``,
        ``no_cells``, ``no_id``, ``repeated_id``, ``target_not_positive``,
        ``amount_not_whole``, ``unknown_cell``, ``unspendable``, ``bad_weighting``,
        ``need_not_positive``, ``solver_failed``.
    item:
        The cell or contribution at fault (``"cell x"``, ``"contribution nhs"``,
        ``"contributions[2]"``), or ``None``.
    field:
        The field at fault (``"amount"``, ``"allowed"``, ...), or ``None``.
    figures:
        The figures that explain the fault (e.g. ``{"amount": 5000}`` for ``unspendable``,
        ``{"cell": "y"}`` for ``unknown_cell``).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        item: str | None = None,
        field: str | None = None,
        **figures: Any,
    ) -> None:
        self.code = code
        self.item = item
        self.field = field
        self.figures = figures
        self.reason = message
        where = " ".join(part for part in (item, f"'{field}'" if field else None) if part)
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class Cell:
    """Something the pool can pay for (a neighbourhood and theme), with its target in pounds.

    ``need`` is the neighbourhood's need multiplier, used only by the ``need`` weighting.
    """

    id: str
    target: float
    neighbourhood: str | None = None
    theme: str | None = None
    need: float | None = None

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
class CellOutcome:
    """What one cell gets.

    ``allocated`` whole pounds; ``share_met`` = ``min(allocated / target, 1)``;
    ``shortfall`` and ``excess`` in pounds (one of them is 0); ``programme_allocated`` the
    linear programmes' amount before rounding to pounds (within a pound of ``allocated``);
    ``level`` the index in ``PooledAllocation.levels`` at which the cell was fixed (the
    first level is the worst off), or ``None`` for a cell that reached its target;
    ``excess_level`` the index in ``PooledAllocation.excess_levels`` of a cell that had to go
    above its target, or ``None``.
    """

    cell: str
    target: float
    allocated: int
    share_met: float
    shortfall: float
    excess: float
    programme_allocated: float
    level: int | None
    excess_level: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Level:
    """Cells fixed together by the progressive filling, worst off first.

    ``shortfall`` is the relative shortfall ``(target − allocated) / target`` the programme
    gives these cells (with the ``need`` weighting: multiplied by each cell's need, which is
    the figure that is equal across the level; ``cells`` then have different shares).
    """

    shortfall: float
    cells: list[str]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ExcessLevel:
    """Cells capped together when money must land above targets, highest first.

    ``excess`` is the relative excess ``(allocated − target) / target`` the programme gives
    each of these cells: unavoidable money above targets is spread in proportion to the
    targets of the cells that can take it, never piled into one.
    """

    excess: float
    cells: list[str]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Blocker:
    """A contribution that could raise a cell short of its target, were it allowed there.

    ``restriction`` is ``"theme"`` (it may pay in this neighbourhood, not for this theme),
    ``"neighbourhood"`` (this theme, not here), ``"theme and neighbourhood"``, or ``"cell"``
    when cells carry no neighbourhood/theme or the contribution allows both elsewhere but not
    this combination.
    """

    contribution: str
    restriction: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Gap:
    """A cell the pool leaves short of its target, and what stands in the way.

    ``reason`` (one of ``GAP_REASONS``): ``no_contribution_allowed`` (nobody may pay for it),
    ``restricted`` (``blocked_by`` names contributions that could raise it if allowed here),
    ``pool_short`` (no restriction stands in the way: raising it would lower a cell that is
    at most as well off). ``worst_off`` says the cell shares the lowest share met of all.
    """

    cell: str
    target: float
    allocated: int
    share_met: float
    shortfall: float
    worst_off: bool
    reason: str
    allowed_contributions: list[str]
    blocked_by: list[Blocker]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["blocked_by"] = [b.to_dict() for b in self.blocked_by]
        return data


@dataclass(frozen=True)
class PooledAllocation:
    """The outcome of ``allocate_pooled_budget``.

    ``lines`` hold every non-zero amount; each contribution's lines add up to its amount
    exactly. ``max_relative_shortfall`` is the largest ``(target − allocated) / target`` of
    these whole pounds, ``optimal_max_relative_shortfall`` the programme's before rounding
    (they differ by less than a pound over the target of the cell concerned).
    ``max_relative_excess`` is the largest ``(allocated − target) / target`` of the whole
    pounds (0 when no cell is above its target), ``optimal_max_relative_excess`` the
    programme's, ``excess_levels`` the levels at which money above targets was spread (highest
    first). ``total_relative_excess`` is ``Σ max(allocated − target, 0) / target``.
    """

    cells: list[Cell]
    contributions: list[Contribution]
    weighting: str
    lines: list[AllocationLine]
    outcomes: list[CellOutcome]
    levels: list[Level]
    max_relative_shortfall: float
    optimal_max_relative_shortfall: float
    total_relative_excess: float
    gaps: list[Gap] = field(default_factory=list)
    excess_levels: list[ExcessLevel] = field(default_factory=list)
    max_relative_excess: float = 0.0
    optimal_max_relative_excess: float = 0.0

    def allocated(self) -> dict[str, int]:
        """Cell id -> whole pounds allocated to it."""
        return {o.cell: o.allocated for o in self.outcomes}

    @property
    def lowest_share_met(self) -> float:
        """The smallest ``share_met`` of any cell (1.0 when every target is met)."""
        return min((o.share_met for o in self.outcomes), default=1.0)

    def to_dict(self) -> dict:
        return {
            "weighting": self.weighting,
            "max_relative_shortfall": self.max_relative_shortfall,
            "optimal_max_relative_shortfall": self.optimal_max_relative_shortfall,
            "max_relative_excess": self.max_relative_excess,
            "optimal_max_relative_excess": self.optimal_max_relative_excess,
            "total_relative_excess": self.total_relative_excess,
            "levels": [level.to_dict() for level in self.levels],
            "excess_levels": [level.to_dict() for level in self.excess_levels],
            "allocation": [line.to_dict() for line in self.lines],
            "cells": [o.to_dict() for o in self.outcomes],
            "gaps": [gap.to_dict() for gap in self.gaps],
        }

    def input_dict(self) -> dict:
        """The input in the ``pooled`` command's JSON format, to store and recompute."""
        data: dict = {
            "cells": [c.to_dict() for c in self.cells],
            "contributions": [c.to_dict() for c in self.contributions],
        }
        if self.weighting != "even":
            data["weighting"] = self.weighting
        return data
