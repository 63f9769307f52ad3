"""The one error of the core-funding library, with a machine-readable code and its figures."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

__all__ = ["ERROR_CODES", "CoreFundingError"]

#: Every ``CoreFundingError.code``, with what it means. Callers choose their words from the code
#: and the figures in ``numbers``, never from the message.
ERROR_CODES: dict[str, str] = {
    "missing": "a field the round needs is missing (command line)",
    "wrong_type": "a field is not of the kind the round needs (number, text id, object, list)",
    "not_finite": "a number is NaN or infinite",
    "negative": "a number that must not be negative is",
    "not_whole_pounds": "the pot is not a whole number of pounds",
    "out_of_range": "a parameter is outside its allowed range (delta, shares, exponents)",
    "duplicate": "a group or neighbourhood id is listed twice",
    "unknown_neighbourhood": "a group's reach names a neighbourhood the round does not list",
    "income_years": "a group gives more than three yearly incomes, or none",
    "above_bands": "a group's income is above every band's max_income",
    "no_bands": "the round has no size band",
    "bands_order": "with a tapered base, band limits must rise",
    "base_too_steep": "with a tapered base, a base may not move by more than £1 per £1 of income",
    "need_all_zero": "need weights reach but every neighbourhood has need 0",
    "floors_exceed_pot": "the stability floors alone exceed the pot (numbers: floors_total)",
    "bases_exceed_pot": "base and equality amounts alone exceed the pot (numbers: base_total)",
    "caps_below_pot": "the caps allow less than the pot in total (numbers: ceiling_total)",
    "subsidy_limit": "an award would take a trading group over the Minimal Financial Assistance "
    "threshold (numbers: threshold, received, award_total, total)",
    "unreadable": "the command line could not read the file as JSON",
}


class CoreFundingError(ValueError):
    """A round that cannot be computed.

    ``code`` is one of :data:`ERROR_CODES`; ``field`` names the input and ``group`` the group it
    belongs to; ``numbers`` holds the figures that show why (for a refused round, for example
    ``{"pot": 50000, "floors_total": 61200}``). ``str(error)`` is one line for the command line;
    other callers should build their own words from ``code`` and ``numbers``.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str,
        field: str | None = None,
        group: str | None = None,
        numbers: Mapping[str, int | Fraction] | None = None,
    ) -> None:
        if code not in ERROR_CODES:  # pragma: no cover - a programming error
            raise AssertionError(f"unknown core-funding error code {code!r}")
        super().__init__(message)
        self.code = code
        self.field = field
        self.group = group
        self.numbers: dict[str, int | Fraction] = {
            name: value.numerator
            if isinstance(value, Fraction) and value.denominator == 1
            else value
            for name, value in (numbers or {}).items()
        }
