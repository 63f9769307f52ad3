"""The gradient of a sharing in one number: how much more per head the best-funded
neighbourhood gets than the least-funded one.

A choice of ``u`` and ``α`` is hard to picture; its result is not. ``per_head_spread`` gives the
highest-to-lowest amount per head and the 90th-to-10th percentile ratio, and
``NHS_PRACTICE_SPREAD`` is a yardstick: NHS England's weighted populations (need-adjusted
capitation) for Sheffield's 76 GP practices in 2024/25 give 1.41 times as much per registered
patient at the 90th percentile as at the 10th (``Final WP`` / ``pop 2022/23`` in
``sheffield_gp_practice_nhs_weighted_populations_2024_25.csv``; OGL v3, NHS England).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .errors import NeedDataError

#: 90th / 10th percentile of NHS weighted population per head, Sheffield's GP practices 2024/25.
NHS_PRACTICE_SPREAD = 1.41
NHS_PRACTICE_SPREAD_SOURCE = (
    "NHS England weighted populations 2024/25, Sheffield's 76 GP practices: 90th to 10th "
    "percentile of need-weighted population per registered patient"
)


@dataclass(frozen=True)
class Spread:
    """Amount per head: the highest, the lowest, their ratio (``None`` when the lowest is £0)
    and the 90th-to-10th percentile ratio (over neighbourhoods, unweighted)."""

    highest: float
    lowest: float
    highest_to_lowest: float | None
    p90_to_p10: float | None

    def to_dict(self) -> dict:
        return {
            "highest": self.highest,
            "lowest": self.lowest,
            "highest_to_lowest": self.highest_to_lowest,
            "p90_to_p10": self.p90_to_p10,
        }


def per_head_spread(
    amounts: Sequence[float] | np.ndarray, population: Sequence[float] | np.ndarray
) -> Spread:
    """The spread of amount per head over neighbourhoods.

    Raises
    ------
    NeedDataError
        No neighbourhoods, lengths differ, or a population is not above 0.
    """
    a = np.asarray(amounts, dtype=float)
    p = np.asarray(population, dtype=float)
    if a.size == 0 or a.shape != p.shape:
        raise NeedDataError("give one amount and one population per neighbourhood")
    if not np.all(np.isfinite(p) & (p > 0)):
        raise NeedDataError("every population must be above 0", column="population")
    per_head = a / p
    high, low = float(per_head.max()), float(per_head.min())
    p10, p90 = (float(x) for x in np.percentile(per_head, [10, 90]))
    return Spread(
        high,
        low,
        high / low if low > 0 else None,
        p90 / p10 if p10 > 0 else None,
    )
