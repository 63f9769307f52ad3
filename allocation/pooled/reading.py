"""Checking a pooled budget's input, and reading it from the ``pooled`` command's JSON."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from allocation.pooled.model import WEIGHTINGS, Cell, Contribution, PooledBudgetError


def is_number(value: object) -> bool:
    """A finite int or float (not a bool)."""
    return (
        isinstance(value, int | float | np.number)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def check_pool(
    cells: Sequence[Cell], contributions: Sequence[Contribution], weighting: str = "even"
) -> None:
    """Raise ``PooledBudgetError`` (with its ``code``) for input that cannot be allocated."""
    if weighting not in WEIGHTINGS:
        raise PooledBudgetError(
            "bad_weighting",
            f"must be one of {', '.join(WEIGHTINGS)}",
            field="weighting",
            weighting=weighting,
        )
    if not cells:
        raise PooledBudgetError("no_cells", "there are no cells to pay for", field="cells")
    seen: set[str] = set()
    for cell in cells:
        if not isinstance(cell.id, str) or not cell.id.strip():
            raise PooledBudgetError("no_id", "a cell has no id", item="cell", field="id")
        if cell.id in seen:
            raise PooledBudgetError(
                "repeated_id", "this cell id appears twice", item=f"cell {cell.id}"
            )
        seen.add(cell.id)
        if not is_number(cell.target) or cell.target <= 0:
            raise PooledBudgetError(
                "target_not_positive",
                "the target must be an amount above 0 (shortfalls are measured relative to it)",
                item=f"cell {cell.id}",
                field="target",
            )
        if weighting == "need" and (not is_number(cell.need) or cell.need <= 0):
            raise PooledBudgetError(
                "need_not_positive",
                "the need weighting needs every cell's need multiplier, above 0",
                item=f"cell {cell.id}",
                field="need",
            )
    ids: set[str] = set()
    for c in contributions:
        name = f"contribution {c.id}"
        if not isinstance(c.id, str) or not c.id.strip():
            raise PooledBudgetError(
                "no_id", "a contribution has no id", item="contribution", field="id"
            )
        if c.id in ids:
            raise PooledBudgetError("repeated_id", "this contribution id appears twice", item=name)
        ids.add(c.id)
        if not is_number(c.amount) or c.amount < 0 or c.amount != int(c.amount):
            raise PooledBudgetError(
                "amount_not_whole",
                "the amount must be whole pounds, 0 or more",
                item=name,
                field="amount",
            )
        unknown = [k for k in c.allowed if k not in seen]
        if unknown:
            raise PooledBudgetError(
                "unknown_cell",
                f"allows cell '{unknown[0]}', which is not among the cells",
                item=name,
                field="allowed",
                cell=unknown[0],
            )
        if c.amount > 0 and not c.allowed:
            raise PooledBudgetError(
                "unspendable",
                f"£{int(c.amount):,} may pay for no cell, so it cannot be spent: allow at "
                "least one cell",
                item=name,
                field="allowed",
                contribution=c.id,
                amount=int(c.amount),
            )


class PoolInput(NamedTuple):
    """A pool read from JSON: what ``allocate_pooled_budget`` takes."""

    cells: list[Cell]
    contributions: list[Contribution]
    weighting: str = "even"


def pooled_budget_from_dict(data: object) -> PoolInput:
    """Read ``{"cells": [{"id", "target"}], "contributions": [{"id", "amount", "allowed"}]}``.

    Cells may also carry ``neighbourhood``, ``theme`` and ``need``; contributions a
    ``funder``; the object a ``weighting`` (``"even"``, the default, or ``"need"``).

    Returns
    -------
    PoolInput(cells, contributions, weighting), checked as ``allocate_pooled_budget`` requires.

    Raises
    ------
    PooledBudgetError
        A missing or mistyped field, naming where (e.g. ``contributions[2] 'amount'``).
    """
    if not isinstance(data, dict):
        raise PooledBudgetError(
            "not_an_object", 'the input must be a JSON object with "cells" and "contributions"'
        )
    for key in ("cells", "contributions"):
        if not isinstance(data.get(key), list):
            raise PooledBudgetError("not_a_list", "must be a list", field=key)
    weighting = data.get("weighting", "even")
    if not isinstance(weighting, str):
        raise PooledBudgetError("not_text", "must be text", field="weighting")
    cells = []
    for n, item in enumerate(data["cells"]):
        where = f"cells[{n}]"
        if not isinstance(item, dict):
            raise PooledBudgetError(
                "not_an_object", "must be an object with id and target", item=where
            )
        for key in ("id", "target"):
            if key not in item:
                raise PooledBudgetError("missing", "is missing", item=where, field=key)
        for key in ("target", "need"):
            if key in item and item[key] is not None and not is_number(item[key]):
                raise PooledBudgetError("not_a_number", "must be a number", item=where, field=key)
        need = item.get("need")
        cells.append(
            Cell(
                str(item["id"]),
                float(item["target"]),
                _optional_text(item, "neighbourhood", where),
                _optional_text(item, "theme", where),
                None if need is None else float(need),
            )
        )
    contributions = []
    for n, item in enumerate(data["contributions"]):
        where = f"contributions[{n}]"
        if not isinstance(item, dict):
            raise PooledBudgetError(
                "not_an_object", "must be an object with id, amount and allowed", item=where
            )
        for key in ("id", "amount", "allowed"):
            if key not in item:
                raise PooledBudgetError("missing", "is missing", item=where, field=key)
        amount = item["amount"]
        if not is_number(amount) or amount != int(amount):
            raise PooledBudgetError(
                "amount_not_whole", "must be a whole number of pounds", item=where, field="amount"
            )
        allowed = item["allowed"]
        if not isinstance(allowed, list):
            raise PooledBudgetError(
                "not_a_list", "must be a list of cell ids", item=where, field="allowed"
            )
        contributions.append(
            Contribution(
                str(item["id"]),
                int(amount),
                tuple(dict.fromkeys(str(a) for a in allowed)),
                _optional_text(item, "funder", where),
            )
        )
    check_pool(cells, contributions, weighting)
    return PoolInput(cells, contributions, weighting)


def _optional_text(item: dict, key: str, where: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise PooledBudgetError("not_text", "must be text", item=where, field=key)
    return value
