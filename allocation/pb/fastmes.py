"""One run of Equal Shares in floating point, every decision certified exact.

The exact run (``equal_shares.run_mes``) carries every budget as a rational; on a city-wide file
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

from fractions import Fraction

import numpy as np

from allocation.pb.support import Support

U = 2.0**-52  # twice the unit roundoff: every bound below is deliberately generous
_TINY = 1e-300


class Uncertain(Exception):
    """A decision too close to call in floating point: rerun exactly."""


def usable(support: Support) -> bool:
    """True when the float run applies: integer weights small enough to be exact in floats."""
    return all(
        isinstance(w, int) and 0 < w < (1 << 31) for w in support.weight_values
    ) and support.n < (1 << 31)


def _float_and_error(x) -> tuple[float, float]:
    """``float(x)`` and a bound on its distance to the exact ``x``."""
    f = float(x)
    err = abs(Fraction(x) - Fraction(f))
    return f, (float(err) * 2.0 if err else 0.0)


def _costs(s: Support) -> list[tuple[float, float]]:
    """Each cost as a float and its error bound, kept on the support (add1 reruns a lot)."""
    found = getattr(s, "_float_costs", None)
    if found is None or found[0] != s.costs:
        found = (list(s.costs), [_float_and_error(c) for c in s.costs])
        s._float_costs = found  # type: ignore[attr-defined]
    return found[1]


def _weights(s: Support) -> list[np.ndarray | None]:
    """Each project's supporters' weights as floats (None: all 1), kept on the support.

    Read-only: add1 reruns a lot and rebuilding these cost about 0.5 ms a run on Krakow.
    """
    found = getattr(s, "_float_weights", None)
    if found is None or found[0] is not s.codes or found[1] != s.weight_values:
        wf = np.array([float(w) for w in s.weight_values])
        arrays = [None if codes is None else wf[codes] for codes in s.codes]
        for a in arrays:
            if a is not None:
                a.flags.writeable = False
        found = (s.codes, list(s.weight_values), arrays)
        s._float_weights = found  # type: ignore[attr-defined]
    return found[2]


class _Run:
    def __init__(self, support: Support, per_voter, shares: np.ndarray) -> None:
        s = self.s = support
        self.shares = shares
        self.k = len(s.weight_values)
        self.wf = np.array([float(w) for w in s.weight_values])
        self.costs = _costs(s)
        self.group = np.ones(s.n, dtype=np.int64)  # group 0: exactly nothing left
        x, ex = _float_and_error(per_voter)
        self.gb = np.zeros(256)
        self.ge = np.zeros(256)
        self.gb[1], self.ge[1] = x, ex
        self.size = 2

    # -- groups of supporters ---------------------------------------------------------------

    def _groups(self, j: int):
        """(group ids, weight codes, counts) of j's supporters with possibly money left."""
        g = self.group[self.s.voters[j]]
        codes = self.s.codes[j]
        if codes is None:
            counts = np.bincount(g, minlength=self.size)
            counts[0] = 0
            gid = np.flatnonzero(counts)
            return gid, None, counts[gid]
        keys = g * self.k + codes
        size = self.size * self.k
        if size <= 4 * len(keys) + 4096:
            counts = np.bincount(keys, minlength=size)
            counts[: self.k] = 0
            uniq = np.flatnonzero(counts)
            cnt = counts[uniq]
        else:
            uniq, cnt = np.unique(keys, return_counts=True)
            keep = uniq >= self.k
            uniq, cnt = uniq[keep], cnt[keep]
        gid, code = np.divmod(uniq, self.k)
        return gid, code, cnt

    # -- prices -----------------------------------------------------------------------------

    def alpha(self, j: int):
        """None if surely unaffordable, else (alpha_lo, alpha_hi, exact W or 0, p, a).

        The exact price per weight unit lies in [p - a, p + a]; alpha in [alpha_lo, alpha_hi];
        when W is not 0 the exact alpha is 1/W.
        """
        gid, code, cnt = self._groups(j)
        cost, ec = self.costs[j]
        b = self.gb[gid]
        e = self.ge[gid]
        c = cnt.astype(np.float64)
        w = np.ones(len(gid)) if code is None else self.wf[code]
        k = len(gid)
        total = float(b @ c)
        err = float(e @ c) + (k + 4) * U * total + _TINY
        if total - err >= (cost + ec) * (1 + 2 * U):
            pass
        elif total + err < (cost - ec) * (1 - 2 * U):
            return None
        else:
            raise Uncertain
        wc = w * c
        big_w = int(wc.sum())  # exact: integers far below 2**53 (zero-budget voters left out)
        # Everyone rich at the equal split? Then the price is cost/W exactly.
        p_all = (cost + ec) / big_w * (1 + 4 * U)
        if k and bool(np.all((b - e) * (1 - 4 * U) >= p_all * w * (1 + 4 * U))):
            p = cost / big_w
            a = (ec / big_w) * 2 + 4 * U * p + _TINY
            alpha = 1.0 / big_w
            return (alpha * (1 - 4 * U), alpha * (1 + 4 * U), big_w, p, a)
        ratio = b / w
        order = np.argsort(ratio, kind="stable")
        bs, ws, cs, es = b[order], w[order], c[order], e[order]
        bc = bs * cs
        paid = np.cumsum(bc) - bc
        wsum = np.cumsum(wc[order]) - wc[order]
        rest = cost - paid
        rich = big_w - wsum
        ok = rest * ws <= bs * rich
        i = int(np.argmax(ok))
        if not ok[i] or rich[i] <= 0:
            raise Uncertain
        p = float(rest[i] / rich[i])
        poor_err = float(np.cumsum(cs * es)[i])
        est = (ec + poor_err + (k + 8) * U * 2 * (cost + float(paid[i]))) / float(
            rich[i]
        ) + 8 * U * p
        for factor in (4.0, 256.0):
            a = factor * est + _TINY
            if self._holds(b, e, w, c, cost, ec, p - a, p + a):
                return (
                    (p - a) / (cost + ec) * (1 - 4 * U),
                    (p + a) / (cost - ec) * (1 + 4 * U),
                    0,
                    p,
                    a,
                )
        raise Uncertain

    @staticmethod
    def _f(b, e, w, c, p: float) -> tuple[float, float]:
        """Float f(p) = sum of c * min(b, p w) and a bound on its distance to the exact f(p)."""
        pw = p * w
        val = float(np.minimum(b, pw) @ c)
        near = (b - e) * (1 - 4 * U) < pw * (1 + 4 * U)
        err = float(e[near] @ c[near]) + (len(b) + 4) * U * val + _TINY
        return val, err

    def _holds(self, b, e, w, c, cost, ec, p_lo, p_hi) -> bool:
        """Proves f(p_lo) < cost <= f(p_hi) for the exact budgets and cost."""
        hi, err_hi = self._f(b, e, w, c, p_hi)
        if not hi - err_hi >= (cost + ec) * (1 + 2 * U):
            return False
        if p_lo <= 0:
            return True  # f(0) = 0 < cost
        lo, err_lo = self._f(b, e, w, c, p_lo)
        return lo + err_lo < (cost - ec) * (1 - 2 * U)

    # -- paying -----------------------------------------------------------------------------

    def buy(self, j: int, p: float, a: float) -> None:
        """Every supporter keeps max(0, budget - P * weight), P within a of p."""
        voters = self.s.voters[j]
        g = self.group[voters]
        codes = self.s.codes[j]
        keys = g if codes is None else g * self.k + codes
        gid, code, _cnt = self._groups(j)
        b, e = self.gb[gid], self.ge[gid]
        w = np.ones(len(gid)) if code is None else self.wf[code]
        pw = p * w
        raw = b - pw
        err = e + w * a + 2 * U * (pw + np.abs(raw)) + _TINY
        zero = raw + err <= 0  # surely nothing left: exactly 0
        keep = ~zero
        fresh = int(keep.sum())
        start = self.size
        if start + fresh > len(self.gb):
            grow = max(len(self.gb), fresh + 1)
            self.gb = np.concatenate([self.gb, np.zeros(grow)])
            self.ge = np.concatenate([self.ge, np.zeros(grow)])
        new_ids = np.zeros(len(gid), dtype=np.int64)
        new_ids[keep] = np.arange(start, start + fresh)
        self.gb[start : start + fresh] = np.maximum(raw[keep], 0.0)
        self.ge[start : start + fresh] = err[keep]
        self.size = start + fresh
        remap = np.zeros(self.size * (1 if codes is None else self.k), dtype=np.int64)
        remap[gid if codes is None else gid * self.k + code] = new_ids
        self.group[voters] = remap[keys]


class _VoterRun:
    """Budgets voter by voter (float ``b`` and error bound ``e``; exactly 0 when both are 0).

    For a plain run this beats groups of equal budget: floats rarely coincide, so groups
    would be nearly as many as voters, and arrays over a project's supporters need no
    counting of groups. The price is found by the fixed point of "those who cannot pay the
    price pay all they have" (the price only rises, so a few rounds settle it), then proven
    by the same test as :meth:`_Run.alpha`.
    """

    def __init__(self, support: Support, per_voter) -> None:
        s = self.s = support
        self.costs = _costs(s)
        x, ex = _float_and_error(per_voter)
        self.b = np.full(s.n, x)
        self.e = np.full(s.n, ex)
        self.w = _weights(s)

    def alpha(self, j: int):
        """As :meth:`_Run.alpha`."""
        voters = self.s.voters[j]
        w = self.w[j]
        cost, ec = self.costs[j]
        b = self.b[voters]
        e = self.e[voters]
        n = len(b)
        total = float(b.sum())
        err = float(e.sum()) + (n + 4) * U * total + _TINY
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
            a = (ec / big_w) * 2 + 4 * U * p + _TINY
            alpha = 1.0 / big_w
            return (alpha * (1 - 4 * U), alpha * (1 + 4 * U), big_w, p, a)
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
            a = factor * est + _TINY
            if self._holds(b, e, w, cost, ec, p - a, p + a):
                return (
                    (p - a) / (cost + ec) * (1 - 4 * U),
                    (p + a) / (cost - ec) * (1 + 4 * U),
                    0,
                    p,
                    a,
                )
        raise Uncertain

    @staticmethod
    def _f(b, e, w, p: float) -> tuple[float, float]:
        """As :meth:`_Run._f`, voter by voter (``w`` None: every weight 1)."""
        pw = p if w is None else p * w
        val = float(np.minimum(b, pw).sum())
        near = (b - e) * (1 - 4 * U) < pw * (1 + 4 * U)
        err = float(e[near].sum()) + (len(b) + 4) * U * val + _TINY
        return val, err

    def _holds(self, b, e, w, cost, ec, p_lo, p_hi) -> bool:
        """As :meth:`_Run._holds`."""
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
        err = e + (a if w is None else w * a) + 2 * U * (pw + np.abs(raw)) + _TINY
        zero = raw + err <= 0  # surely nothing left: exactly 0
        self.b[voters] = np.where(zero, 0.0, np.maximum(raw, 0.0))
        self.e[voters] = np.where(zero, 0.0, err)


def _start(s: Support) -> tuple[list[int], list[int], dict[int, float]]:
    """Before the first purchase: the free projects someone supports (bought at once), the
    projects still to buy, and a lower bound of each one's alpha (1 / its score)."""
    selected: list[int] = []
    live: list[int] = []
    for j in range(s.m):
        if len(s.voters[j]):
            if s.costs[j] == 0:
                selected.append(j)
            else:
                live.append(j)
    lo = {j: (1.0 / float(s.scores[j])) * (1 - 4 * U) for j in live}
    return selected, live, lo


def run_fast(support: Support, per_voter, shares: np.ndarray) -> list[int]:
    """Projects Equal Shares buys with ``per_voter`` each, in order (exact; see module doc).

    Raises :class:`Uncertain` when some decision is too close for floats.
    """
    s = support
    state = _VoterRun(s, per_voter)
    selected, live, lo = _start(s)
    hi: dict[int, float] = {}
    exact_w: dict[int, int] = {}
    price: dict[int, tuple[float, float]] = {}
    fresh = dict.fromkeys(live, False)
    while live:
        best = -1
        gone = []
        for j in sorted(live, key=lo.__getitem__):
            if best >= 0 and lo[j] > hi[best]:
                break
            if not fresh[j]:
                found = state.alpha(j)
                if found is None:
                    gone.append(j)
                    continue
                lo[j], hi[j], exact_w[j], p, a = found
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


# -- one run for a whole range of budgets ----------------------------------------------------
#
# For every per-voter budget x0 + t with t in [t0, t1] at once: each group's budget is known as
# an affine function of t within an error, B(t) in b + s t +- e. A price is found at both ends
# and carried as the chord between them, widened by a margin ``a`` until a monotone test like
# the one above proves it for every t (the lower test uses that a sum of minima of affine
# functions is concave in t, so its least value is at an end; the upper test takes the greatest
# value of that concave, piecewise linear sum at its ends and breakpoints). Two such alphas
# are compared at both ends, for their difference is affine too. When a decision holds for
# part of the range only, the range is split (only whole steps t matter) and each part goes on
# from the state reached so far: the purchases all budgets share are computed once.


def _walk(bt, w, c, wc, cost: float, big_w: float) -> float | None:
    """Float price per weight unit from point budgets ``bt`` (None if the walk fails)."""
    order = np.argsort(bt / w, kind="stable")
    bs, ws = bt[order], w[order]
    bc = bs * c[order]
    wco = wc[order]
    rest = cost - (np.cumsum(bc) - bc)
    rich = big_w - (np.cumsum(wco) - wco)
    ok = rest * ws <= bs * rich
    i = int(np.argmax(ok))
    if not ok[i] or rich[i] <= 0:
        return None
    return float(rest[i] / rich[i])


class _RangeRun(_Run):
    """Budgets for every per-voter budget x0 + t, t in [t0, t1] (t counted from x0)."""

    def __init__(self, support: Support, per_voter, width: int, shares: np.ndarray) -> None:
        super().__init__(support, per_voter, shares)
        self.gs = np.zeros(len(self.gb))
        self.gs[1] = 1.0
        self.t0, self.t1 = 0.0, float(width)

    def narrowed(self, t0: int, t1: int) -> _RangeRun:
        """A copy that answers for t in [t0, t1] only (everything known stays valid there)."""
        other = object.__new__(_RangeRun)
        other.__dict__.update(self.__dict__)
        other.group = self.group.copy()
        other.gb, other.gs, other.ge = self.gb.copy(), self.gs.copy(), self.ge.copy()
        other.t0, other.t1 = float(t0), float(t1)
        return other

    def alpha(self, j: int):
        """None if unaffordable for every t; else (lo, hi, exact W or 0, alpha0, slope, r,
        q0, qs, a): alpha(t) within r of alpha0 + slope t, price within a of q0 + qs t.

        Raises Uncertain when no proof holds for the whole range.
        """
        gid, code, cnt = self._groups(j)
        cost, ec = self.costs[j]
        t0, t1 = self.t0, self.t1
        tm = t1
        b, s, e = self.gb[gid], self.gs[gid], self.ge[gid]
        c = cnt.astype(np.float64)
        w = np.ones(len(gid)) if code is None else self.wf[code]
        k = len(gid)
        b0, b1 = b + s * t0, b + s * t1
        sum0, sum1 = float(b0 @ c), float(b1 @ c)
        err = float(e @ c) + (k + 8) * U * (float((np.abs(b) + np.abs(s) * tm) @ c))
        err += _TINY
        if min(sum0, sum1) - err >= (cost + ec) * (1 + 2 * U):
            pass
        elif max(sum0, sum1) + err < (cost - ec) * (1 - 2 * U):
            return None
        else:
            raise Uncertain
        wc = w * c
        big_w = int(wc.sum())
        p_all = (cost + ec) / big_w * (1 + 4 * U)
        low_b = np.minimum(b0, b1) - e - 4 * U * (np.abs(b) + np.abs(s) * tm)
        if k and bool(np.all(low_b * (1 - 4 * U) >= p_all * w * (1 + 4 * U))):
            p = cost / big_w
            a = (ec / big_w) * 2 + 4 * U * p + _TINY
            alpha = 1.0 / big_w
            lo, hi = alpha * (1 - 4 * U), alpha * (1 + 4 * U)
            return (lo, hi, big_w, alpha, 0.0, hi - alpha, p, 0.0, a)
        p0 = _walk(b0, w, c, wc, cost, big_w)
        p1 = _walk(b1, w, c, wc, cost, big_w)
        pm = _walk(b + s * ((t0 + t1) / 2), w, c, wc, cost, big_w)
        if p0 is None or p1 is None or pm is None:
            raise Uncertain
        qs = (p1 - p0) / (t1 - t0) if t1 > t0 else 0.0
        q0 = p0 - qs * t0
        dev = abs(pm - (p0 + p1) / 2)
        # a first guess of the margin: the curve's bow, plus the budget errors of those who
        # may pay all they have, spread over those who surely pay the price
        pmax = max(p0, p1, pm)
        surely_rich = low_b > pmax * w * (1 + 1e-9)
        rich_w = float(wc[surely_rich].sum())
        near_err = float(e[~surely_rich] @ c[~surely_rich])
        base = dev + (ec + near_err) / max(1.0, rich_w) + 16 * U * pmax
        for factor in (1.25, 2.0, 8.0, 64.0):
            a = factor * base + _TINY
            if self._holds_range(b, s, e, w, c, cost, ec, q0, qs, a):
                break
        else:
            raise Uncertain
        pmax = max(abs(p0), abs(p1)) + a
        c_lo = cost - ec
        r = (a + ec * pmax / c_lo) / c_lo * (1 + 8 * U)
        r += 8 * U * (abs(q0) + abs(qs) * tm + pmax) / c_lo + _TINY
        alpha0, slope = q0 / cost, qs / cost
        at0, at1 = alpha0 + slope * t0, alpha0 + slope * t1
        lo = (min(at0, at1) - r) * (1 - 4 * U)
        hi = (max(at0, at1) + r) * (1 + 4 * U)
        return (lo, hi, 0, alpha0, slope, r, q0, qs, a)

    def _holds_range(self, b, s, e, w, c, cost, ec, q0, qs, a) -> bool:
        """Proves f_t(q(t) - a) < cost <= f_t(q(t) + a) for every t in [t0, t1]."""
        t0, t1 = self.t0, self.t1
        tm = t1
        n = len(b) + 8
        # Rounding: a budget line evaluated anywhere in the range is within err_b of the
        # exact line, a price line times weight within err_q. A term min(x, y) is
        # 1-Lipschitz; when the budget is surely above the price line, only err_q counts.
        err_b = 4 * U * (np.abs(b) + np.abs(s) * tm + e)
        err_q = 4 * U * (np.abs(q0 * w) + np.abs(qs * w) * tm + a * w)
        budget_low = np.minimum(b + s * t0, b + s * t1) - e - err_b
        q_high = max(q0 + qs * t0, q0 + qs * t1) + a
        rich = budget_low > q_high * w + err_q
        term_err = np.where(rich, err_q, err_b + err_q)
        need = (cost + ec) * (1 + 2 * U)
        for t in (t0, t1):  # concave in t: the least value is at an end
            m = np.minimum(b + s * t - e, (q0 + qs * t + a) * w)
            val = float(m @ c)
            slack = float(term_err @ c) + n * U * float(np.abs(m) @ c) + _TINY
            if not val - slack >= need:
                return False
        # Upper bound of f_t(q(t) - a): G(t) = sum of c min(b + s t + e, (q0 - a + qs t) w) is
        # concave and piecewise linear; its greatest value is at an end or where some term's
        # two lines cross. Crossings are computed in floats: G is Lipschitz, so a crossing
        # off by dt costs at most lip * dt.
        if q0 - a + qs * t0 <= 0 and q0 - a + qs * t1 <= 0:
            return True  # f(q) <= 0 < cost
        top_b = b + e
        ql = (q0 - a) * w
        qw = qs * w
        den = qw - s
        with np.errstate(divide="ignore", invalid="ignore"):
            tc = (top_b - ql) / den
        inside = (den != 0) & (tc > t0) & (tc < t1)
        ts = np.concatenate([[t0, t1], tc[inside]])
        values = np.minimum(
            top_b[:, None] + s[:, None] * ts[None, :], ql[:, None] + qw[:, None] * ts[None, :]
        )
        top = float((c @ values).max())
        lip = float((np.abs(s) + np.abs(qw)) @ c)
        dt = 8 * U * tm
        if inside.any():
            off = (np.abs(tc) + (np.abs(top_b) + np.abs(ql)) / np.abs(den))[inside]
            dt += 8 * U * float(off.max())
        slack = float((err_b + err_q) @ c) + n * U * float(np.abs(values).max(axis=1) @ c)
        slack += lip * dt + _TINY
        return top + slack < (cost - ec) * (1 - 2 * U)

    def buy_range(self, j: int, q0: float, qs: float, a: float) -> None:
        """Every supporter keeps max(0, B(t) - P(t) w), P(t) within a of q0 + qs t."""
        voters = self.s.voters[j]
        g = self.group[voters]
        codes = self.s.codes[j]
        keys = g if codes is None else g * self.k + codes
        gid, code, _cnt = self._groups(j)
        t0, t1 = self.t0, self.t1
        tm = t1
        b, s, e = self.gb[gid], self.gs[gid], self.ge[gid]
        w = np.ones(len(gid)) if code is None else self.wf[code]
        li = b - q0 * w
        ls = s - qs * w
        l0, l1 = li + ls * t0, li + ls * t1
        err = e + w * a
        err += 8 * U * (np.abs(b) + np.abs(q0 * w) + (np.abs(s) + np.abs(qs * w)) * tm) + _TINY
        zero = np.maximum(l0, l1) + err <= 0  # nothing left for any t: exactly 0
        pos = np.minimum(l0, l1) - err > 0
        cross = ~(zero | pos)
        nb, ns, ne = li, ls, err
        if cross.any():
            # max(0, line) is convex: the chord between the ends lies above it by at most
            # the chord's height at the kink; centre it and widen the error by half that.
            nb, ns, ne = li.copy(), ls.copy(), err.copy()
            ll0, ll1 = l0[cross], l1[cross]
            c0, c1 = np.maximum(ll0, 0.0), np.maximum(ll1, 0.0)
            with np.errstate(divide="ignore", invalid="ignore"):
                tk = np.where(ll1 != ll0, ll0 / (ll0 - ll1), 0.0)
            tk = np.clip(tk, 0.0, 1.0)
            height = c0 + (c1 - c0) * tk
            height = height * (1 + 8 * U) + 8 * U * (c0 + c1)
            slope = (c1 - c0) / (t1 - t0) if t1 > t0 else np.zeros(len(c0))
            nb[cross] = c0 - slope * t0 - height / 2
            ns[cross] = slope
            ne[cross] = err[cross] + height / 2
            ne[cross] += 8 * U * (c0 + c1 + height + np.abs(slope) * tm) + _TINY
        keep = ~zero
        fresh = int(keep.sum())
        start = self.size
        if start + fresh > len(self.gb):
            grow = max(len(self.gb), fresh + 1)
            self.gb = np.concatenate([self.gb, np.zeros(grow)])
            self.ge = np.concatenate([self.ge, np.zeros(grow)])
            self.gs = np.concatenate([self.gs, np.zeros(grow)])
        new_ids = np.zeros(len(gid), dtype=np.int64)
        new_ids[keep] = np.arange(start, start + fresh)
        self.gb[start : start + fresh] = nb[keep]
        self.gs[start : start + fresh] = ns[keep]
        self.ge[start : start + fresh] = ne[keep]
        self.size = start + fresh
        remap = np.zeros(self.size * (1 if codes is None else self.k), dtype=np.int64)
        remap[gid if codes is None else gid * self.k + code] = new_ids
        self.group[voters] = remap[keys]


class _Branch:
    """One part of the range and the run so far, valid for every t in it."""

    def __init__(self, state, selected, live, lo, info, fresh) -> None:
        self.state, self.selected, self.live = state, selected, live
        self.lo, self.info, self.fresh = lo, info, fresh

    def split(self, t0: int, t1: int) -> _Branch:
        state = self.state.narrowed(t0, t1)
        info = dict(self.info)
        lo = dict(self.lo)
        for j, f in info.items():  # tighter bounds on the narrower range
            if f[2] == 0:
                at0, at1 = f[3] + f[4] * t0, f[3] + f[4] * t1
                lo_j, hi_j = (
                    (min(at0, at1) - f[5]) * (1 - 4 * U),
                    (max(at0, at1) + f[5]) * (1 + 4 * U),
                )
                info[j] = (max(lo_j, f[0]), min(hi_j, f[1]), *f[2:])
                if self.fresh.get(j):
                    lo[j] = info[j][0]
        return _Branch(state, list(self.selected), list(self.live), lo, info, dict(self.fresh))

    def better(self, j: int, i: int) -> bool:
        """alpha_j < alpha_i (ties to the lower index) for every t; Uncertain if unproven."""
        fj, fi = self.info[j], self.info[i]
        if fj[2] and fi[2]:
            return fj[2] > fi[2] or (fj[2] == fi[2] and j < i)
        t0, t1 = self.state.t0, self.state.t1
        d0 = fi[3] - fj[3]
        ds = fi[4] - fj[4]
        diff0, diff1 = d0 + ds * t0, d0 + ds * t1
        r = (fi[5] + fj[5]) * (1 + 8 * U) + 8 * U * (abs(fi[3]) + abs(fj[3])) * (1 + t1)
        r += 8 * U * (abs(fi[4]) + abs(fj[4])) * t1 * 2
        if min(diff0, diff1) > r:
            return True
        if max(diff0, diff1) < -r:
            return False
        raise Uncertain

    def finish(self, shares: np.ndarray) -> None:
        """Go on to the end of the run (Uncertain: some decision differs within the range)."""
        state, live, lo, info, fresh = self.state, self.live, self.lo, self.info, self.fresh
        while live:
            best = -1
            gone = []
            for j in sorted(live, key=lo.__getitem__):
                if best >= 0 and lo[j] > info[best][1]:
                    break
                if not fresh[j]:
                    found = state.alpha(j)
                    if found is None:
                        gone.append(j)
                        continue
                    info[j] = found
                    lo[j] = found[0]
                    fresh[j] = True
                if best < 0 or self.better(j, best):
                    best = j
            for j in gone:
                live.remove(j)
            if best < 0:
                break
            live.remove(best)
            f = info[best]
            state.buy_range(best, f[6], f[7], f[8])
            self.selected.append(best)
            row = shares[best]
            for j in live:
                if row[j]:
                    fresh[j] = False


def outcomes_for_budgets(
    support: Support, low, width: int, shares: np.ndarray
) -> list[list[int] | None]:
    """What Equal Shares selects, in order, with per-voter budget ``low + t`` for each whole
    t in 0..width; None where no proof went through (that step must be run exactly)."""
    s = support
    out: list[list[int] | None] = [None] * (width + 1)
    selected, live, lo = _start(s)
    root = _Branch(
        _RangeRun(s, low, width, shares), selected, live, lo, {}, dict.fromkeys(live, False)
    )
    todo = [root]
    while todo:
        branch = todo.pop()
        t0, t1 = int(branch.state.t0), int(branch.state.t1)
        try:
            branch.finish(shares)
        except Uncertain:
            if t0 < t1:  # each half goes on from here; the state so far holds for both
                mid = (t0 + t1) // 2
                todo.append(branch.split(mid + 1, t1))
                todo.append(branch.split(t0, mid))
            continue
        for t in range(t0, t1 + 1):
            out[t] = list(branch.selected)
    return out
