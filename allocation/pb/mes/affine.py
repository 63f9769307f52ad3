"""Exact money that also knows how it moves with the budget per voter.

The "add1" completion of Equal Shares reruns the whole method with each voter's budget raised
by 1, then 2, then 3... Every amount in one run (budgets, prices, payments) is an affine
function ``v + s * (x - beta)`` of the per-voter budget ``x`` near the budget ``beta`` being
counted, and every decision the run takes is a comparison of two such amounts. An
:class:`Affine` carries the exact value ``v`` (a Fraction) and the slope ``s``; each comparison
notes how far ``x`` may rise before that comparison could come out differently. When a run
ends, the smallest such distance (:func:`watch`'s ``room``) is a proof that every run with a
per-voter budget in ``[beta, beta + room)`` takes exactly the same decisions, so those
reruns can be skipped without changing the outcome. Nothing here is approximate.
"""

from __future__ import annotations

import numbers
import threading
from contextlib import contextmanager
from fractions import Fraction

_local = threading.local()

Scalar = int | Fraction


class Room:
    """How far the per-voter budget may rise with every decision so far unchanged (None: no limit)."""

    __slots__ = ("limit",)

    def __init__(self) -> None:
        self.limit: Fraction | None = None

    def note(self, dv: Fraction, ds: Fraction) -> None:
        """Record a comparison whose difference is ``dv + ds * t`` (t the rise in budget)."""
        if not ds:
            return  # the difference never changes: the decision stands for every budget
        if not dv:
            self.limit = Fraction(0)  # a tie now that breaks as soon as the budget moves
            return
        if (dv > 0) == (ds > 0):
            return  # moving away from zero: the sign never flips as the budget rises
        at = -dv / ds
        if self.limit is None or at < self.limit:
            self.limit = at


@contextmanager
def watch():
    """Context in which every Affine comparison is noted; yields the :class:`Room`."""
    room = Room()
    previous = getattr(_local, "room", None)
    _local.room = room
    try:
        yield room
    finally:
        _local.room = previous


class Affine:
    """An exact amount ``v`` at the current per-voter budget, with slope ``s`` per unit of it."""

    __slots__ = ("v", "s")

    def __init__(self, v: Scalar, s: Scalar = 0) -> None:
        self.v = v
        self.s = s

    @property
    def key(self) -> tuple[Scalar, Scalar]:
        """The function itself (value and slope), for use as a dictionary key."""
        return (self.v, self.s)

    def __add__(self, other: Affine | Scalar) -> Affine:
        if isinstance(other, Affine):
            return Affine(self.v + other.v, self.s + other.s)
        return Affine(self.v + other, self.s)

    __radd__ = __add__

    def __sub__(self, other: Affine | Scalar) -> Affine:
        if isinstance(other, Affine):
            return Affine(self.v - other.v, self.s - other.s)
        return Affine(self.v - other, self.s)

    def __rsub__(self, other: Scalar) -> Affine:
        return Affine(other - self.v, -self.s)

    def __mul__(self, k: Scalar) -> Affine:
        if isinstance(k, Affine):
            raise TypeError("the product of two budget-dependent amounts is not affine")
        return Affine(self.v * k, self.s * k)

    __rmul__ = __mul__

    def __truediv__(self, k: Scalar) -> Affine:
        if isinstance(k, Affine):
            raise TypeError("the ratio of two budget-dependent amounts is not affine")
        return Affine(self.v / k, self.s / k)

    def _diff(self, other: Affine | Scalar) -> Fraction:
        if isinstance(other, Affine):
            dv, ds = self.v - other.v, self.s - other.s
        else:
            dv, ds = self.v - other, self.s
        room = getattr(_local, "room", None)
        if room is not None:
            room.note(dv, ds)
        return dv

    def __lt__(self, other: Affine | Scalar) -> bool:
        return self._diff(other) < 0

    def __le__(self, other: Affine | Scalar) -> bool:
        return self._diff(other) <= 0

    def __gt__(self, other: Affine | Scalar) -> bool:
        return self._diff(other) > 0

    def __ge__(self, other: Affine | Scalar) -> bool:
        return self._diff(other) >= 0

    def __eq__(self, other: object) -> bool:
        # numbers.Rational, not just Fraction: gmpy2's mpq is one, and a tie between an Affine
        # and an mpq must compare equal (not fall back to identity).
        if not isinstance(other, Affine | numbers.Rational):
            return NotImplemented
        return self._diff(other) == 0

    __hash__ = None  # type: ignore[assignment]

    def __bool__(self) -> bool:
        return self._diff(0) != 0

    def __repr__(self) -> str:
        return f"Affine({self.v}, slope {self.s})"


def value(x: Affine | Scalar) -> Scalar:
    """The exact amount at the current per-voter budget."""
    return x.v if isinstance(x, Affine) else x


def key(x: Affine | Scalar) -> object:
    """A dictionary key that tells two amounts apart as functions, not just by value."""
    return x.key if isinstance(x, Affine) else x
