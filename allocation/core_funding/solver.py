"""The price λ that makes the awards add up to the pot, and whole-pound rounding.

``F(λ) = Σ_o clamp(fixed_o + λ·w_o, lower_o, upper_o)`` is piecewise linear and non-decreasing,
with a breakpoint wherever a group reaches one of its bounds, so λ is found exactly: sort the
breakpoints, walk them with exact rational arithmetic and solve the one linear piece that crosses
the pot. No float ever decides an award.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

from allocation.core_funding.errors import CoreFundingError
from allocation.core_funding.terms import Terms
from allocation.core_funding.values import clamp, pounds

__all__ = ["solve_price", "whole_pound_awards"]


def solve_price(terms: Sequence[Terms], pot: int) -> Fraction:
    """The least λ ≥ 0 with Σ clamp(fixed + λ·w, lower, upper) = pot, found exactly.

    Raises CoreFundingError with the totals when no λ ≥ 0 reaches the pot.
    """
    floors_total = sum(t.lower for t in terms)
    if floors_total > pot:
        raise CoreFundingError(
            f"round refused: the stability floors alone come to £{floors_total:,} a year, "
            f"£{floors_total - pot:,} more than the pot of £{pot:,}",
            code="floors_exceed_pot",
            field="pot",
            numbers={"pot": pot, "floors_total": floors_total},
        )

    # f(λ) = constant + slope·λ between breakpoints; start at λ = 0 and collect the breakpoints
    # where a group starts rising (leaves its floor) or stops (reaches its ceiling).
    constant = Fraction(0)
    slope = Fraction(0)
    events: dict[Fraction, list[tuple[Fraction, Fraction]]] = {}
    ceiling_total: Fraction | None = Fraction(0)
    for t in terms:
        if t.weight == 0:
            fixed = clamp(t.fixed, t.lower, t.upper)
            constant += fixed
            if ceiling_total is not None:
                ceiling_total += fixed
            continue
        if t.upper is None:
            ceiling_total = None
        elif ceiling_total is not None:
            ceiling_total += t.upper
        start = (t.lower - t.fixed) / t.weight
        stop = None if t.upper is None else (t.upper - t.fixed) / t.weight
        if stop is not None and stop <= 0:
            constant += t.upper  # already at its ceiling at λ = 0
            continue
        if start > 0:
            constant += t.lower
            # Leaving the floor at λ = start: value L becomes fixed + λ·w.
            events.setdefault(start, []).append((t.fixed - t.lower, t.weight))
        else:
            constant += t.fixed
            slope += t.weight
        if stop is not None:
            events.setdefault(stop, []).append((t.upper - t.fixed, -t.weight))

    if constant > pot:
        raise CoreFundingError(
            f"round refused: the base amounts (within caps and floors) come to "
            f"£{pounds(constant):,} a year, more than the pot of £{pot:,}, leaving nothing "
            f"to share by need-weighted reach",
            code="bases_exceed_pot",
            field="pot",
            numbers={"pot": pot, "base_total": constant},
        )
    if ceiling_total is not None and ceiling_total < pot:
        raise CoreFundingError(
            f"round refused: the caps allow at most £{pounds(ceiling_total):,} a year in "
            f"total, £{pounds(pot - ceiling_total):,} short of the pot of £{pot:,}",
            code="caps_below_pot",
            field="pot",
            numbers={"pot": pot, "ceiling_total": ceiling_total},
        )
    if constant == pot:
        return Fraction(0)

    for point in sorted(events):
        if constant + slope * point >= pot:
            break  # the pot is crossed on the linear piece ending here
        for d_constant, d_slope in events[point]:
            constant += d_constant
            slope += d_slope
    # f is below the pot at the piece's start and reaches it by its end, so slope > 0.
    return (pot - constant) / slope


def whole_pound_awards(exact: Sequence[Fraction], pot: int) -> tuple[list[int], int]:
    """Whole pounds by largest remainder, identical entitlements treated identically.

    Each award is first rounded down; the pounds left go one each to the largest remainders
    (equal remainders: the smaller entitlement first). All groups with the same exact entitlement
    move together: if the pounds left cannot reach all of them, none of them gets one and those
    pounds are returned as unallocated (fewer than the number of such groups).
    """
    amounts = [math.floor(x) for x in exact]
    left = pot - sum(amounts)
    classes: dict[Fraction, list[int]] = {}
    for i, x in enumerate(exact):
        if x != amounts[i]:
            classes.setdefault(x, []).append(i)
    for x in sorted(classes, key=lambda x: (-(x - math.floor(x)), x)):
        members = classes[x]
        if len(members) > left:
            break
        for i in members:
            amounts[i] += 1
        left -= len(members)
    return amounts, left
