"""One run of Equal Shares in floating point, every decision certified exact.

The exact engine (``exact.run_exact``) carries every budget as a rational; on a city-wide file
that costs about 0.1 s a run, and the add1 completion needs hundreds of runs. This run keeps
each group of voters' budget as a float ``b`` with a rigorous bound ``e`` on its distance to the
exact budget (``|b - B| <= e``), and takes a decision only when the bounds prove it:

* affordability (the supporters hold at least the cost): the float total minus its error bound
  is above the cost, or plus its bound below it;
* a project's price ``P`` per unit of weight is the smallest ``p`` with
  ``f(p) = sum of min(budget, p * weight)`` over its supporters equal to its cost; ``f`` is
  non-decreasing, so a float ``p`` found by the usual walk is turned into an interval
  ``(p_lo, p_hi]`` that provably holds ``P``, by checking ``f(p_lo) < cost <= f(p_hi)`` with
  error bounds;
* the next purchase: the winner's interval of alpha (price per unit of utility) lies strictly
  below every other's, or both alphas are known exactly (supporters all rich: alpha is
  1 / total weight) and compare exactly, ties to the lower index as in the exact run.

What a voter has left, ``max(0, B - P * w)``, is continuous in ``B`` and ``P``, so paying needs
no decision: the bound grows by the price's uncertainty. Whenever a proof does not go through
(a near-tie), :class:`Uncertain` is raised and the caller reruns exactly; a finished run
therefore selects exactly what the exact run selects.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from allocation.pb.mes.outcome import UNPROVEN, Selection
from allocation.pb.support import Support

U = 2.0**-52  # twice the unit roundoff: every bound below is deliberately generous
TINY = 1e-300


class Uncertain(Exception):
    """A decision too close to call in floating point: rerun exactly."""


class Price(NamedTuple):
    """A project's price proven from float budgets.

    The exact alpha (price per unit of utility) lies in [``alpha_lo``, ``alpha_hi``] and is
    exactly 1 / ``exact_w`` when that is not 0 (every supporter pays the equal split); the
    exact price per weight unit lies in [``p - a``, ``p + a``].
    """

    alpha_lo: float
    alpha_hi: float
    exact_w: int
    p: float
    a: float


class Opening(NamedTuple):
    """Before the first purchase: the free projects someone supports (bought at once), the
    projects still to buy, and a lower bound of each one's alpha (1 / its score)."""

    selected: list[int]
    live: list[int]
    lo: dict[int, float]


def usable(support: Support) -> bool:
    """True when the float run applies: integer weights small enough to be exact in floats."""
    return all(
        isinstance(w, int) and 0 < w < (1 << 31) for w in support.weight_values
    ) and support.n < (1 << 31)


def float_and_error(x) -> tuple[float, float]:
    """``float(x)`` and a bound on its distance to the exact ``x`` (an int, a Fraction or a
    gmpy2 ``mpq``), both Python floats."""
    f = float(x)
    num, den = map(int, x.as_integer_ratio())  # Python ints (gmpy2 gives mpz)
    fnum, fden = f.as_integer_ratio()
    diff = abs(num * fden - fnum * den)  # |x - f| = diff / (den * fden), in whole numbers
    # A distance below the smallest float would round to 0 and read as exact: floor it.
    return f, ((diff / (den * fden) * 2.0 or TINY) if diff else 0.0)


def float_costs(s: Support) -> list[tuple[float, float]]:
    """Each cost as a float and its error bound, kept on the support (add1 reruns a lot)."""
    found = s.float_costs
    if found is None or found[0] != s.costs:
        found = (list(s.costs), [float_and_error(c) for c in s.costs])
        s.float_costs = found
    return found[1]


def float_weights(s: Support) -> list[np.ndarray | None]:
    """Each project's supporters' weights as floats (None: all 1), kept on the support.

    Read-only: add1 reruns a lot and rebuilding these cost about 0.5 ms a run on Krakow.
    """
    found = s.float_weights
    if found is None or found[0] is not s.codes or found[1] != s.weight_values:
        wf = np.array([float(w) for w in s.weight_values])
        arrays = [None if codes is None else wf[codes] for codes in s.codes]
        for a in arrays:
            if a is not None:
                a.flags.writeable = False
        found = (s.codes, list(s.weight_values), arrays)
        s.float_weights = found
    return found[2]


class _VoterRun:
    """Budgets voter by voter (float ``b`` and error bound ``e``; exactly 0 when both are 0).

    The price is found by the fixed point of "those who cannot pay the price pay all they
    have" (the price only rises, so a few rounds settle it), then proven by evaluating
    ``f(p) = sum of min(budget, p * weight)`` with error bounds on both sides of it.
    ``batchmes.py`` does the same for many budgets at once, with voters of identical ballots
    counted once.
    """

    def __init__(self, support: Support, per_voter) -> None:
        s = self.s = support
        self.costs = float_costs(s)
        x, ex = float_and_error(per_voter)
        self.b = np.full(s.n, x)
        self.e = np.full(s.n, ex)
        self.w = float_weights(s)

    def alpha(self, j: int) -> Price | None:
        """None if j is surely unaffordable, else its proven :class:`Price`.

        Raises Uncertain when no proof goes through.
        """
        voters = self.s.voters[j]
        w = self.w[j]
        cost, ec = self.costs[j]
        b = self.b[voters]
        e = self.e[voters]
        n = len(b)
        total = float(b.sum())
        err = float(e.sum()) + (n + 4) * U * total + TINY
        if total - err >= (cost + ec) * (1 + 2 * U):
            pass
        elif total + err < (cost - ec) * (1 - 2 * U):
            return None
        else:
            raise Uncertain
        live = (b > 0) | (e > 0)  # the others hold exactly nothing
        if w is None:
            big_w = int(np.count_nonzero(live))
            low = float(np.min(b - e, where=live, initial=np.inf))
            p_all = (cost + ec) / big_w * (1 + 4 * U)
            rich_all = low * (1 - 4 * U) >= p_all * (1 + 4 * U)
        else:
            big_w = int(w[live].sum())  # exact: integers far below 2**53
            p_all = (cost + ec) / big_w * (1 + 4 * U)
            rich_all = bool(np.all(~live | ((b - e) * (1 - 4 * U) >= p_all * w * (1 + 4 * U))))
        if rich_all:
            p = cost / big_w
            a = (ec / big_w) * 2 + 4 * U * p + TINY
            alpha = 1.0 / big_w
            return Price(alpha * (1 - 4 * U), alpha * (1 + 4 * U), big_w, p, a)
        # fixed point: p' = (cost - what the poor hold) / weight of the rich; it only rises
        p = cost / big_w
        poor = None
        w_sum = 0.0 if w is None else float(w.sum())  # exact: whole numbers far below 2**53
        for _ in range(64):
            now = b < p if w is None else b < p * w
            if poor is not None and np.array_equal(now, poor):
                break
            poor = now
            rich_w = n - int(np.count_nonzero(poor)) if w is None else w_sum - float(w[poor].sum())
            if rich_w <= 0:
                raise Uncertain
            p = (cost - float(b[poor].sum())) / rich_w
        else:
            raise Uncertain
        poor_err = float(e[poor].sum())
        est = (ec + poor_err + (n + 8) * U * 2 * cost) / rich_w + 8 * U * p
        for factor in (4.0, 256.0):
            a = factor * est + TINY
            if self._holds(b, e, w, cost, ec, p - a, p + a):
                return Price(
                    (p - a) / (cost + ec) * (1 - 4 * U),
                    (p + a) / (cost - ec) * (1 + 4 * U),
                    0,
                    p,
                    a,
                )
        raise Uncertain

    @staticmethod
    def _f(b, e, w, p: float) -> tuple[float, float]:
        """Float f(p) = sum of min(b, p w) and a bound on its distance to the exact f(p)
        (``w`` None: every weight 1)."""
        pw = p if w is None else p * w
        val = float(np.minimum(b, pw).sum())
        near = (b - e) * (1 - 4 * U) < pw * (1 + 4 * U)
        err = float(e[near].sum()) + (len(b) + 4) * U * val + TINY
        return val, err

    def _holds(self, b, e, w, cost, ec, p_lo, p_hi) -> bool:
        """Proves f(p_lo) < cost <= f(p_hi) for the exact budgets and cost."""
        hi, err_hi = self._f(b, e, w, p_hi)
        if not hi - err_hi >= (cost + ec) * (1 + 2 * U):
            return False
        if p_lo <= 0:
            return True
        lo, err_lo = self._f(b, e, w, p_lo)
        return lo + err_lo < (cost - ec) * (1 - 2 * U)

    def buy(self, j: int, p: float, a: float) -> None:
        """Every supporter keeps max(0, budget - P * weight), P within a of p."""
        voters = self.s.voters[j]
        w = self.w[j]
        b, e = self.b[voters], self.e[voters]
        pw = p if w is None else p * w
        raw = b - pw
        err = e + (a if w is None else w * a) + 2 * U * (pw + np.abs(raw)) + TINY
        zero = raw + err <= 0  # surely nothing left: exactly 0
        self.b[voters] = np.where(zero, 0.0, np.maximum(raw, 0.0))
        self.e[voters] = np.where(zero, 0.0, err)


def opening(s: Support) -> Opening:
    """The :class:`Opening` of every run of ``s``."""
    selected: list[int] = []
    live: list[int] = []
    for j in range(s.m):
        if len(s.voters[j]):
            if s.costs[j] == 0:
                selected.append(j)
            else:
                live.append(j)
    lo = {j: (1.0 / float(s.scores[j])) * (1 - 4 * U) for j in live}
    return Opening(selected, live, lo)


def selection(support: Support, per_voter, shares: np.ndarray) -> Selection:
    """The float engine: what Equal Shares buys with ``per_voter`` each, or UNPROVEN.

    Invariant: every voter's exact budget B lies within ``e`` of its float ``b``, and a
    decision is taken only when those bounds prove it; so a selection returned is exactly the
    exact engine's. UNPROVEN at a near-tie, or when weights are not small whole numbers.
    """
    if not usable(support):
        return UNPROVEN
    try:
        return run_fast(support, per_voter, shares)
    except Uncertain:
        return UNPROVEN


def run_fast(support: Support, per_voter, shares: np.ndarray) -> list[int]:
    """Projects Equal Shares buys with ``per_voter`` each, in order (exact; see module doc).

    Raises :class:`Uncertain` when some decision is too close for floats.
    """
    s = support
    state = _VoterRun(s, per_voter)
    selected, live, lo = opening(s)
    hi: dict[int, float] = {}
    exact_w: dict[int, int] = {}
    price: dict[int, tuple[float, float]] = {}
    fresh = dict.fromkeys(live, False)
    # An exact W with alpha >= 1/W from now on (alpha never falls): the score, then the W of
    # the last exact price. A stale project that cannot beat the best exact one needs no new
    # price (m projects tied at 1/W each needed one after every purchase: m^2 a run).
    wlow = {j: int(s.scores[j]) for j in live}
    while live:
        best = -1
        gone = []
        for j in sorted(live, key=lo.__getitem__):
            if best >= 0 and lo[j] > hi[best]:
                break
            if not fresh[j]:
                wb = exact_w[best] if best >= 0 else 0
                if wb and (wlow[j] < wb or (wlow[j] == wb and j > best)):
                    continue
                found = state.alpha(j)
                if found is None:
                    gone.append(j)
                    continue
                lo[j], hi[j], exact_w[j], p, a = found
                if exact_w[j]:
                    wlow[j] = exact_w[j]
                price[j] = (p, a)
                fresh[j] = True
            if best < 0:
                best = j
                continue
            wj, wb = exact_w[j], exact_w[best]
            if wj and wb:
                if wj > wb or (wj == wb and j < best):
                    best = j
            elif hi[j] < lo[best]:
                best = j
            elif not hi[best] < lo[j]:
                raise Uncertain
        for j in gone:
            live.remove(j)
        if best < 0:
            break
        live.remove(best)
        state.buy(best, *price[best])
        selected.append(best)
        row = shares[best]
        for j in live:
            if row[j]:
                fresh[j] = False
    return selected
