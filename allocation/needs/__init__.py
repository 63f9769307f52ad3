"""Need indices and needs-weighted budgets between neighbourhoods.

Need data::

    from allocation.needs import (read_deprivation_file, read_lsoa_lookup, neighbourhood_need,
                                  lsoa_need_index, read_indicator_file, indicator_table)

    lsoas = read_deprivation_file("File_7_IoD2025.csv")          # list[LsoaDeprivation]
    lookup = read_lsoa_lookup("lsoa21_to_ward24_lookup.csv")     # LsoaLookup
    wards = neighbourhood_need(lsoas, lookup)                     # population-weighted averages
    wards[0].scores["imd"], wards[0].population
    imd = lsoa_need_index(lsoas)                                  # {lsoa code: IMD 2025 score}
    mine = lsoa_need_index(lsoas, {"income": 2, "health": 1})     # a need index of your own
    other = indicator_table(read_indicator_file("life_expectancy.csv"))  # {indicator: {code: v}}

A need index from any ranks (rank 1 = most deprived of ``areas``)::

    from allocation.needs import need_index
    scores = need_index({"income": [1, 500], "health": [20, 33755]},
                        {"income": 0.6, "health": 0.4}, areas=33755)

Needs-weighted shares (proportionate universalism) in whole pounds adding up to the budget::

    from allocation.needs import Neighbourhood, needs_weighted_shares
    result = needs_weighted_shares(
        [Neighbourhood("E05010861", population=25321, need=61.4, previous_amount=90_000), ...],
        budget=1_000_000, universal=0.5, alpha=1.0, floor=0.8, ceiling=1.5,
        pace="nhs", minimum_growth=0.0, max_decrease=0.05)   # NHS-style pace of change
    result.amounts()              # {id: pounds}
    result.lines[0].target, result.lines[0].distance_share, result.lines[0].years_to_target
    result.lines[0].explanation   # how that amount was computed
    result.to_dict()              # inputs, parameters and outputs, for storing

Every fault a user can cause raises ``NeedDataError`` (with ``row``, ``column``, ``source``);
a file with a fault returns nothing. The method is described in ``docs/needs.md``.
"""

from .deprivation import (
    DOMAIN_LABELS,
    PEOPLE_MEASURES,
    LsoaDeprivation,
    LsoaLookup,
    NeighbourhoodNeed,
    lsoa_need_index,
    neighbourhood_need,
    read_deprivation_file,
    read_lsoa_lookup,
)
from .errors import NeedDataError
from .gradient import NHS_PRACTICE_SPREAD, NHS_PRACTICE_SPREAD_SOURCE, Spread, per_head_spread
from .index import IMD_WEIGHTS, IOD2019_AREAS, IOD2025_AREAS, exponential_transform, need_index
from .indicators import (
    DIRECTIONS,
    HIGHER_IS_MORE_NEED,
    LOWER_IS_MORE_NEED,
    IndicatorValue,
    indicator_table,
    need_from,
    read_indicator_file,
)
from .pace import (
    AT_TARGET,
    BAND,
    FURTHEST,
    NHS,
    PROPORTIONAL,
    PaceOutcome,
    glide_path,
    nhs_pace,
)
from .rounding import largest_remainder
from .shares import (
    Neighbourhood,
    ShareLine,
    ShareRules,
    SharesResult,
    needs_weighted_amounts,
    needs_weighted_shares,
)

__all__ = [
    "DIRECTIONS",
    "HIGHER_IS_MORE_NEED",
    "LOWER_IS_MORE_NEED",
    "NHS_PRACTICE_SPREAD",
    "NHS_PRACTICE_SPREAD_SOURCE",
    "PEOPLE_MEASURES",
    "Spread",
    "need_from",
    "per_head_spread",
    "AT_TARGET",
    "BAND",
    "FURTHEST",
    "NHS",
    "PROPORTIONAL",
    "PaceOutcome",
    "glide_path",
    "nhs_pace",
    "DOMAIN_LABELS",
    "IMD_WEIGHTS",
    "IOD2019_AREAS",
    "IOD2025_AREAS",
    "IndicatorValue",
    "LsoaDeprivation",
    "LsoaLookup",
    "NeedDataError",
    "Neighbourhood",
    "NeighbourhoodNeed",
    "ShareLine",
    "ShareRules",
    "SharesResult",
    "exponential_transform",
    "indicator_table",
    "largest_remainder",
    "lsoa_need_index",
    "need_index",
    "needs_weighted_amounts",
    "needs_weighted_shares",
    "neighbourhood_need",
    "read_deprivation_file",
    "read_indicator_file",
    "read_lsoa_lookup",
]
