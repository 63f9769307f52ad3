"""What one run of Equal Shares yields, and the exact numbers every engine of ``mes`` shares.

Every engine (``floats``, ``batch``, ``exact``; see ``mes/__init__.py``) selects the same
projects; only the exact engine can also say who paid what (``MesRun.purchases``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from allocation.pb.election import Number
from allocation.pb.support import Support

_exact_type: type | None = None


def Q(*args) -> Fraction:  # noqa: N802 - named as the type it makes
    """An exact rational: gmpy2's ``mpq`` when installed (rationals in C; pabutools depends on
    gmpy2, so the reference setup has it), else a Fraction (same results, slower).

    gmpy2 is imported at the first exact amount, not with this module: its import pulls in
    importlib.metadata and the email package (about 50 ms of CPU), and a count whose float
    runs prove every decision (``tally`` on most files) never needs an exact amount.
    """
    global _exact_type
    if _exact_type is None:
        try:
            from gmpy2 import mpq as exact
        except ImportError:  # pragma: no cover
            exact = Fraction
        _exact_type = exact
    return _exact_type(*args)


@dataclass
class Purchase:
    """One project bought by MES: who paid what.

    ``alpha``: price per unit of utility; ``price``: what a supporter pays per approval or
    point when they can afford it; ``payments``: (amount one voter paid, how many voters
    paid that amount), largest first.
    """

    project: int
    alpha: Fraction
    price: Fraction
    payments: list[tuple[Fraction, int]]


@dataclass
class MesRun:
    """The outcome of one run of MES with a given budget per voter.

    ``money_left[j]``: what the supporters of project j held when the run ended (filled
    when the run was recorded).
    """

    budget_per_voter: Fraction
    selected: list[int]
    purchases: list[Purchase] = field(default_factory=list)
    money_left: dict[int, Fraction] = field(default_factory=dict)
    runs: int = 1


def as_fraction(x) -> Fraction:
    """An exact amount as a Fraction (what callers of this module get)."""
    return Fraction(int(x.numerator), int(x.denominator))


def spent(support: Support, selected: list[int]) -> Number:
    """Total cost of the projects ``selected``."""
    return sum((support.costs[j] for j in selected), start=0)


def is_exhaustive(support: Support, selected: list[int]) -> bool:
    """True when no supported project left out would still fit in the budget."""
    left = support.budget - spent(support, selected)
    chosen = set(selected)
    return not any(
        j not in chosen and len(support.voters[j]) and support.costs[j] <= left
        for j in range(support.m)
    )


# What an engine that may decline returns: the projects bought, in order, or UNPROVEN when
# some decision was too close for it to prove (the next engine of the chain then decides).
UNPROVEN = None
Selection = list[int] | None
