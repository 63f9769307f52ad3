"""A need index from domain ranks, by the Index of Multiple Deprivation's own method.

The English Indices of Deprivation combine their domains by ranking each domain's score,
transforming the ranks to an exponential distribution, and taking a weighted sum
(MHCLG, *The English Indices of Deprivation 2019: Technical Report*, section 3.8; unchanged in
2025). The transform of rank ``r`` among ``N`` areas (rank 1 = most deprived) is::

    R = (N - r + 1) / N                      (so the most deprived area has R = 1)
    X = -23 * ln(1 - R * (1 - exp(-100/23)))

X runs from about 0 (least deprived) to 100 (most deprived) and stretches the deprived end, so a
high rank in one domain is only partly cancelled by a low rank in another.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from .errors import NeedDataError

#: Lower-layer super output areas in England, 2021 boundaries (IoD2025).
IOD2025_AREAS = 33_755
#: Lower-layer super output areas in England, 2011 boundaries (IoD2019).
IOD2019_AREAS = 32_844

#: The IMD's domain weights (the same in 2019 and 2025).
IMD_WEIGHTS: Mapping[str, float] = {
    "income": 0.225,
    "employment": 0.225,
    "education": 0.135,
    "health": 0.135,
    "crime": 0.093,
    "barriers": 0.093,
    "living_env": 0.093,
}

_SPREAD = 1.0 - math.exp(-100.0 / 23.0)


def exponential_transform(ranks: Sequence[float] | np.ndarray, areas: int) -> np.ndarray:
    """The IMD's exponential transform of ranks (1 = most deprived of ``areas``).

    Returns
    -------
    numpy.ndarray of floats between 0 and 100, higher meaning more deprived.

    Raises
    ------
    NeedDataError
        ``areas`` is not a positive whole number, or a rank is not a whole number in 1..areas.
    """
    if not isinstance(areas, int | np.integer) or areas < 1:
        raise NeedDataError("the number of areas must be a positive whole number", column="areas")
    r = np.asarray(ranks, dtype=float)
    bad = ~np.isfinite(r) | (r < 1) | (r > areas) | (r != np.floor(r))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise NeedDataError(
            f"rank {r[i]:g} (item {i + 1}) is not a whole number from 1 to {areas}", column="ranks"
        )
    share = (areas - r + 1.0) / areas
    return -23.0 * np.log1p(-share * _SPREAD)


def need_index(
    ranks: Mapping[str, Sequence[float] | np.ndarray],
    weights: Mapping[str, float] = IMD_WEIGHTS,
    *,
    areas: int = IOD2025_AREAS,
) -> np.ndarray:
    """Combine domain ranks into one need score per area, as the IMD does.

    Parameters
    ----------
    ranks:
        Domain name -> the ranks of the areas in that domain (same order and length for every
        domain; rank 1 = most deprived of ``areas``).
    weights:
        Domain name -> weight, for the domains to use; the score is the weighted sum, as in the
        IMD, whose weights (the default) add up to 0.999, not 1: they are used as published,
        not rescaled, so give fractions (0.225), not percentages.
    areas:
        How many areas the ranks are out of (33,755 LSOAs for IoD2025).

    Returns
    -------
    numpy.ndarray of scores, one per area, from 0 to 100, higher meaning more need. With the
    default weights and the IoD2025 domain ranks this is the published IMD 2025 score.

    Raises
    ------
    NeedDataError
        A weighted domain has no ranks, a weight is negative or all are zero, the domains have
        different numbers of areas, or a rank is out of range.
    """
    if not weights:
        raise NeedDataError("choose at least one domain", column="weights")
    for domain, weight in weights.items():
        if not math.isfinite(weight) or weight < 0:
            raise NeedDataError(
                f"the weight of '{domain}' must be a number of 0 or more", column="weights"
            )
        if domain not in ranks:
            raise NeedDataError(f"there are no ranks for the domain '{domain}'", column=domain)
    if not any(w > 0 for w in weights.values()):
        raise NeedDataError("the weights must not all be zero", column="weights")
    lengths = {len(ranks[d]) for d in weights}
    if len(lengths) > 1:
        raise NeedDataError("every domain must rank the same areas", column="ranks")
    score = np.zeros(lengths.pop())
    for domain, weight in weights.items():
        try:
            transformed = exponential_transform(ranks[domain], areas)
        except NeedDataError as exc:
            raise NeedDataError(exc.reason, column=domain) from None
        score += weight * transformed
    return score
