"""Whole pounds that add up exactly: largest-remainder (Hamilton) rounding.

Each amount is first rounded down; the pounds still missing go one each to the amounts that lost
most in rounding down. Ties are broken by the amount's key (its neighbourhood id), never by
position, so shuffling the input never moves a pound.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

# Remainders are compared to this many decimals, so that floating-point noise (1e-12 of a pound)
# cannot decide which neighbourhood gets a pound: such near-ties fall to the key.
_DECIMALS = 6


def largest_remainder(
    amounts: Sequence[float] | np.ndarray, total: int, keys: Sequence[str] | None = None
) -> np.ndarray:
    """Round non-negative ``amounts`` to whole numbers adding up to ``total`` exactly.

    Parameters
    ----------
    amounts:
        Unrounded amounts; their sum should be ``total`` (to within a pound per amount).
    total:
        The whole number the result must add up to.
    keys:
        One string per amount, breaking ties between equal remainders and equal amounts
        (smallest key first); without keys, ties go to the earlier amount.

    Returns
    -------
    numpy.ndarray of int64, each entry ``floor(a)`` or ``ceil(a)`` (of the amount adjusted
    for any rounding drift), summing to ``total``.

    Raises
    ------
    ValueError
        An amount is negative or not finite, ``total`` is negative, or the amounts are so far
        from ``total`` that no rounding of them can reach it.
    """
    x = np.asarray(amounts, dtype=float)
    if x.size == 0:
        if total != 0:
            raise ValueError("nothing to share the total among")
        return np.zeros(0, dtype=np.int64)
    if not np.all(np.isfinite(x)) or np.any(x < 0):
        raise ValueError("amounts must be finite and not negative")
    if total < 0:
        raise ValueError("the total must not be negative")
    base = np.floor(x).astype(np.int64)
    # 2.9999999999 has remainder 1.0 here, so it is first in line for its third pound.
    remainder = np.round(x - base, _DECIMALS)
    missing = int(total - int(base.sum()))
    if missing < 0 or missing > x.size:
        raise ValueError(
            f"the amounts add up to {math.fsum(x):.2f}, too far from {total} to be rounded to it"
        )
    if missing:
        # Equal remainders: the larger amount first (so rounding never reverses the order of
        # two amounts), then the key.
        larger = -np.round(x, _DECIMALS)
        tie = np.arange(x.size) if keys is None else np.asarray(keys, dtype=object).astype(str)
        order = np.lexsort((tie, larger, -remainder))
        base[order[:missing]] += 1
    return base
