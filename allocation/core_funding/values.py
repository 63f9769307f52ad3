"""Reading numbers exactly, checking them, and showing them: shared by the core-funding modules."""

from __future__ import annotations

import decimal
import math
import numbers
from decimal import Decimal
from fractions import Fraction

from allocation.core_funding.errors import CoreFundingError

__all__ = [
    "clamp",
    "decimal_power",
    "exact",
    "identifier",
    "non_negative",
    "plain",
    "pounds",
    "whole_pounds",
]

# Irrational figures (need multipliers with a fractional α, reach to a fractional power) are
# computed once in decimal arithmetic with a fixed context (software arithmetic, so the same on
# every machine) and then used exactly. 30 significant digits is far below a penny on any pot.
_CONTEXT = decimal.Context(prec=30, rounding=decimal.ROUND_HALF_EVEN)


def exact(value: object, name: str, gid: str | None = None) -> Fraction:
    """A number as an exact fraction; floats by their shortest decimal form.

    Any real number type is accepted (NumPy's and pandas' too, for analysts in a notebook).
    """
    where = f"group {gid!r}: " if gid is not None else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Real | Decimal):
        raise CoreFundingError(
            f"{where}{name} must be a number, not {value!r}",
            code="wrong_type",
            field=name,
            group=gid,
        )
    if isinstance(value, Decimal):
        if value.is_finite():
            return Fraction(value)
    elif isinstance(value, numbers.Rational):
        return Fraction(int(value.numerator), int(value.denominator))
    elif math.isfinite(float(value)):
        return Fraction(repr(float(value)))
    raise CoreFundingError(
        f"{where}{name} must be a finite number, not {value}",
        code="not_finite",
        field=name,
        group=gid,
    )


def non_negative(value: object, name: str, gid: str | None = None) -> Fraction:
    number = exact(value, name, gid)
    if number < 0:
        where = f"group {gid!r}: " if gid is not None else ""
        raise CoreFundingError(
            f"{where}{name} must not be negative, not {plain(number)}",
            code="negative",
            field=name,
            group=gid,
        )
    return number


def whole_pounds(value: object, name: str) -> int:
    number = non_negative(value, name)
    if number.denominator != 1:
        raise CoreFundingError(
            f"{name} must be a whole number of pounds, not {float(number)}",
            code="not_whole_pounds",
            field=name,
        )
    return number.numerator


def identifier(value: object, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise CoreFundingError(
            f"{name} must be a non-empty text id, not {value!r}", code="wrong_type", field=name
        )
    return value


def decimal_power(base: Fraction, exponent: Fraction) -> Fraction:
    """``base ** exponent`` exactly when it can be, else to 30 significant digits (same everywhere)."""
    if exponent.denominator == 1:
        return base**exponent.numerator
    if base == 0:
        return Fraction(0)
    number = _CONTEXT.divide(Decimal(base.numerator), Decimal(base.denominator))
    power = _CONTEXT.divide(Decimal(exponent.numerator), Decimal(exponent.denominator))
    return Fraction(_CONTEXT.power(number, power))


def clamp(x: Fraction, lower: int, upper: int | None) -> Fraction:
    if upper is not None and x > upper:
        return Fraction(upper)
    return Fraction(lower) if x < lower else x


def pounds(x: Fraction | int) -> int | float:
    """Money for display: whole pounds as an int, otherwise pounds and pence."""
    x = Fraction(x)
    return x.numerator if x.denominator == 1 else float(round(x, 2))


def plain(x: Fraction) -> int | float:
    return x.numerator if x.denominator == 1 else float(x)
