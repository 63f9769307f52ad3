"""Any other need indicator, from a plain CSV of ``neighbourhood code, indicator, value``.

Life expectancy, child poverty, a local survey: one line per neighbourhood and indicator::

    neighbourhood code,indicator,value
    E05010861,child_poverty_rate,0.41
    E05010861,life_expectancy_female,78.2

Column names are matched ignoring case, spaces and underscores (``neighbourhood_code`` or
``code`` are accepted for the first). The whole file is checked before anything is returned.

Every indicator has a **direction** (``need_from``): most measure need (higher is more), some
measure its absence (life expectancy: lower is more need) and are turned into need by a stated
transform before any money follows them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ._table import Source, read_table
from .errors import NeedDataError


@dataclass(frozen=True)
class IndicatorValue:
    """One neighbourhood's value of one indicator."""

    neighbourhood: str
    indicator: str
    value: float

    def to_dict(self) -> dict:
        return {
            "neighbourhood": self.neighbourhood,
            "indicator": self.indicator,
            "value": self.value,
        }


_ALIASES = {
    "neighbourhood": (
        "neighbourhoodcode",
        "neighborhoodcode",
        "neighbourhood",
        "code",
        "areacode",
        "wardcode",
    ),
    "indicator": ("indicator", "indicatorname", "measure"),
    "value": ("value",),
}


def _key(header: str) -> str:
    return "".join(ch for ch in header.lower() if ch.isalnum())


def read_indicator_file(source: Source) -> list[IndicatorValue]:
    """Read a ``neighbourhood code, indicator, value`` CSV file.

    Returns
    -------
    One ``IndicatorValue`` per line, in file order.

    Raises
    ------
    NeedDataError
        A column is missing, a code or indicator name is blank, a value is not a finite
        number, or the same neighbourhood and indicator appear twice; the message names the
        line and column.
    """
    table = read_table(source)
    keys = {_key(h): h for h in table.header}
    columns: dict[str, str] = {}
    for role, aliases in _ALIASES.items():
        column = next((keys[a] for a in aliases if a in keys), None)
        if column is None:
            raise table.error(
                f"no '{role}' column: the header should be 'neighbourhood code,indicator,value'",
                row=1,
            )
        columns[role] = column
    hood_i, ind_i, val_i = (
        table.index(columns[r]) for r in ("neighbourhood", "indicator", "value")
    )
    result: list[IndicatorValue] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in table.rows:

        def cell(i: int, row: list[str] = row) -> str:
            return row[i].strip() if i < len(row) else ""

        hood, indicator = cell(hood_i), cell(ind_i)
        if not hood:
            raise table.error(
                "the neighbourhood code is missing", row=line, column=columns["neighbourhood"]
            )
        if not indicator:
            raise table.error(
                "the indicator name is missing", row=line, column=columns["indicator"]
            )
        value = table.number(cell(val_i), row=line, column=columns["value"])
        if (hood, indicator) in seen:
            raise table.error(
                f"{indicator} of {hood} already appeared on line {seen[(hood, indicator)]}",
                row=line,
                column=columns["indicator"],
            )
        seen[(hood, indicator)] = line
        result.append(IndicatorValue(hood, indicator, value))
    if not result:
        raise table.error("the file has a header but no values")
    return result


def indicator_table(values: Iterable[IndicatorValue]) -> dict[str, dict[str, float]]:
    """Indicator name -> {neighbourhood code -> value}, for picking one indicator as the need."""
    table: dict[str, dict[str, float]] = {}
    for v in values:
        table.setdefault(v.indicator, {})[v.neighbourhood] = v.value
    return table


#: An indicator's direction: a higher value means more need (deprivation, poverty) ...
HIGHER_IS_MORE_NEED = "higher"
#: ... or less need (life expectancy, healthy life expectancy, employment rate).
LOWER_IS_MORE_NEED = "lower"
DIRECTIONS = (HIGHER_IS_MORE_NEED, LOWER_IS_MORE_NEED)


def need_from(values: Mapping[str, float], direction: str) -> dict[str, float]:
    """An indicator turned into need (0 or more, higher meaning more need).

    ``"higher"``: the values as they are. ``"lower"``: how far each is below the best
    neighbourhood, ``max(values) − value`` (life expectancy 78.2 where the best is 84.0 is 5.8
    years of need; the best neighbourhood has 0).

    Raises
    ------
    NeedDataError
        ``direction`` is neither, or there are no values.
    """
    if direction not in DIRECTIONS:
        raise NeedDataError(
            f"say whether a higher value means more need ('higher') or less ('lower'), not "
            f"'{direction}'",
            column="direction",
        )
    if not values:
        raise NeedDataError("there are no values to turn into need", column="value")
    if direction == HIGHER_IS_MORE_NEED:
        return dict(values)
    best = max(values.values())
    return {code: best - value for code, value in values.items()}
