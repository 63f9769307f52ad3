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


class _Run:
    def __init__(self, support: Support, per_voter, shares: np.ndarray) -> None:
        s = self.s = support
        self.shares = shares
        self.k = len(s.weight_values)
        self.wf = np.array([float(w) for w in s.weight_values])
        self.costs = [_float_and_error(c) for c in s.costs]
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


def run_fast(support: Support, per_voter, shares: np.ndarray) -> list[int]:
    """Projects Equal Shares buys with ``per_voter`` each, in order (exact; see module doc).

    Raises :class:`Uncertain` when some decision is too close for floats.
    """
    s = support
    state = _Run(s, per_voter, shares)
    selected: list[int] = []
    live: list[int] = []
    for j in range(s.m):
        if len(s.voters[j]):
            if s.costs[j] == 0:
                selected.append(j)
            else:
                live.append(j)
    lo = {j: (1.0 / float(s.scores[j])) * (1 - 4 * U) for j in live}
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
