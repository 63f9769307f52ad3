"""Core funding for voluntary and community (VCS) groups by a published formula.

A round shares a pot (several funders' money combined) between groups without making them bid.
Each group's award per year is

    award_o = clamp(base_o + e_o + λ · (Σ_n p_{o,n} · m_n)^β, lower_o, upper_o)

where ``base_o`` is the base for the group's income (stepped by band, or tapered between band
edges so that there are no cliffs); ``p_{o,n} = light + k · intensive`` the unique people it
supports in neighbourhood ``n``, intensive support weighted ``k``; ``m_n = (N_n / N̄)^α`` that
neighbourhood's need relative to the mean; ``β ≤ 1`` makes the reach term concave (diminishing
returns); ``e_o`` the group's part of the equality share, shared by the same rule on city-wide
reach between groups serving communities of identity or people without a fixed address;
``upper_o = min(cap, c · income_o + allowance, (1 + δ) · previous_o)`` and
``lower_o = (1 − δ) · previous_o`` (0 for a new group; a cap below the floor wins). The price
``λ ≥ 0`` is the one that makes the awards add up to the pot. Reach not yet checked by an
officer counts for at most the round's cap. A trading group's award is refused if it would take
its Minimal Financial Assistance over the threshold.

The parameters added after the first version default to the first version's formula
(``β = 1``, ``k = 1``, stepped bands, no equality share, no unchecked cap, no allowance), so a
round written before them computes the same awards. ``docs/core-funding.md`` explains the
formula, the rounding and the command line.

Modules: :mod:`.model` (inputs and outputs), :mod:`.terms` (each group's figures),
:mod:`.solver` (the price and whole pounds), :mod:`.compute` (the round, the effect of more
reach, subsidy control), :mod:`.errors`, :mod:`.values` (exact numbers).
"""

from allocation.core_funding.compute import ReachEffect, compute_core_awards, reach_effect
from allocation.core_funding.errors import ERROR_CODES, CoreFundingError
from allocation.core_funding.model import (
    DEFAULT_MFA_THRESHOLD,
    LOWER_BOUND,
    MAX_INCOME_YEARS,
    UPPER_BOUNDS,
    Award,
    CoreFundingResult,
    Group,
    Neighbourhood,
    Number,
    Reach,
    Round,
    RoundParameters,
    SizeBand,
)

__all__ = [
    "DEFAULT_MFA_THRESHOLD",
    "ERROR_CODES",
    "LOWER_BOUND",
    "MAX_INCOME_YEARS",
    "UPPER_BOUNDS",
    "Award",
    "CoreFundingError",
    "CoreFundingResult",
    "Group",
    "Neighbourhood",
    "Number",
    "Reach",
    "ReachEffect",
    "Round",
    "RoundParameters",
    "SizeBand",
    "compute_core_awards",
    "reach_effect",
]
