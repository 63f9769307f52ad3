"""Many runs of Equal Shares at once, one per per-voter budget, every decision proven exact.

add1 (``add1.py``) needs what Equal Shares selects with each voter's budget ``B/n``, ``B/n + 1``,
``B/n + 2``... often 150 runs or more. On a small electorate a single float run
(``fastmes.run_fast``) spends most of its time in NumPy's cost per call: about a hundred price
computations, each a dozen or so array operations on a few hundred supporters. Here the runs
for ``R`` budgets go in step: budgets are a matrix with a row for each class of voters (below)
and a column for each run, and when several runs need the price of the same project at the
same moment it is computed for all of them with one set of array operations, as are the
purchases. Runs for neighbouring budgets mostly buy the same projects in the same order: on
Wieliczka 2023, 151 runs in step compute about 10 prices a moment where one run alone
computes about 3.

Voters who cast the same ballot hold the same budget in every run, so each such class of
voters is one row, counted with its number of voters (Wieliczka 2023: 6,586 voters, 1,190
different ballots). Classes are found by hashing and then checked exactly, so a hash
collision can only cost speed (the voters are then kept one by one), never a wrong result.

The proofs are those of ``fastmes._VoterRun``, run by run: each budget carries a rigorous
bound on its distance to the exact rational, a project is known affordable (or not) only when
the bounds prove it, a price is proven to lie in a small interval by evaluating the monotone
"what the supporters pay at price p" at both ends, and the next purchase is taken only when
its alpha (price per unit of utility) is proven below every other project's. A run where a
proof does not go through is dropped (``None``), and the caller runs that budget alone (floats,
then exact rationals). A run that finishes therefore selects exactly what the exact run does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocation.pb.fastmes import _TINY, U, _costs, _float_and_error, _start
from allocation.pb.support import Support

# Budgets and their error bounds: at most this many floats each (R runs x classes of voters).
# Larger batches fall out of the processor's cache: on Warsaw 2026, 64 runs at once took 42 ms
# a run, 16 at once 22 ms.
CELLS = 1_000_000
# A budget that may be exactly 0 or a little more (below its run's error bound).
_LEAST = float(np.finfo(np.float64).tiny)


@dataclass
class Classes:
    """Voters grouped by identical ballots.

    For project j: ``voters[j]`` the classes that support it (ascending), ``counts[j]`` how
    many voters each holds (float), ``wc[j]`` weight times count as exact integers (int64)
    and ``weights[j]`` each class's weight as a float (None: every weight is 1).
    """

    n: int
    voters: list[np.ndarray]
    counts: list[np.ndarray]
    wc: list[np.ndarray]
    weights: list[np.ndarray | None]


def classes(s: Support) -> Classes:
    """The ballot classes of ``s`` (kept on the support: add1 asks for them again)."""
    key = (s.voters, s.codes, list(s.weight_values))
    found = getattr(s, "_ballot_classes", None)
    if found is not None and found[0] is key[0] and found[1] is key[1] and found[2] == key[2]:
        return found[3]
    result = _grouped(s) or _one_by_one(s)
    s._ballot_classes = (*key, result)  # type: ignore[attr-defined]
    return result


def _one_by_one(s: Support) -> Classes:
    wf = [float(w) for w in s.weight_values]
    wi = np.array([int(w) for w in s.weight_values], dtype=np.int64)
    weights = [None if c is None else np.array(wf)[c] for c in s.codes]
    wc = [
        np.ones(len(v), dtype=np.int64) if c is None else wi[c]
        for v, c in zip(s.voters, s.codes, strict=True)
    ]
    counts = [np.ones(len(v)) for v in s.voters]
    return Classes(s.n, [v.astype(np.int64) for v in s.voters], counts, wc, weights)


def _grouped(s: Support) -> Classes | None:
    """Classes of identical ballots, or None if a hash collision merged different ones."""
    if s.n == 0:
        return None
    kinds = max(1, len(s.weight_values))
    keys = _mix(np.arange(1, s.m * kinds + 1, dtype=np.uint64)).reshape(s.m, kinds)
    h = np.zeros(s.n, dtype=np.uint64)
    for j in range(s.m):
        codes = s.codes[j]
        h[s.voters[j]] += keys[j, 0] if codes is None else keys[j, codes]  # wraps: fine
    _, cls, size = np.unique(h, return_inverse=True, return_counts=True)
    cls = cls.ravel()
    nc = len(size)
    # Number the classes so that each large project's supporters sit close together (they
    # are read as whole rows: gathering scattered rows costs more than the arithmetic).
    # Sort key: one bit per project, the most supported project the most significant.
    key = np.zeros(nc, dtype=np.uint64)
    by_support = sorted(range(s.m), key=lambda j: -len(s.voters[j]))[:64]
    for rank, j in enumerate(by_support):
        key[cls[s.voters[j]]] |= np.uint64(1 << (63 - rank))
    order = np.argsort(~key, kind="stable")
    renumber = np.empty(nc, dtype=np.int64)
    renumber[order] = np.arange(nc)
    cls, size = renumber[cls], size[order]
    wf = np.array([float(w) for w in s.weight_values])
    wi = np.array([int(w) for w in s.weight_values], dtype=np.int64)
    voters, counts, wcs, weights = [], [], [], []
    for j in range(s.m):
        c = cls[s.voters[j]]
        per = np.bincount(c, minlength=nc)
        ids = np.flatnonzero(per)
        # Every voter of a class must back j, with the same weight, or none of them.
        if not np.array_equal(per[ids], size[ids]):
            return None
        codes = s.codes[j]
        if codes is None:
            weights.append(None)
            wcs.append(size[ids].astype(np.int64))
        else:
            code_of = np.full(nc, -1, dtype=np.int64)
            code_of[c] = codes
            if not np.array_equal(code_of[c], codes):
                return None
            weights.append(wf[code_of[ids]])
            wcs.append(wi[code_of[ids]] * size[ids])
        voters.append(ids)
        counts.append(size[ids].astype(np.float64))
    return Classes(nc, voters, counts, wcs, weights)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64: a well-spread 64-bit key for each whole number (wrapping arithmetic)."""
    x = x * np.uint64(0x9E3779B97F4A7C15)
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def batch_usable(s: Support) -> bool:
    """Weights and counts small enough that every total weight is an exact float."""
    return all(int(x.sum()) < (1 << 52) for x in classes(s).wc)


class _Runs:
    """Budgets (``b``) and error bounds (``e``) of R runs: one row a class of voters, one
    column a run (so a project's supporters are whole rows, read in one go). ``b == 0`` is
    exactly 0 (then ``e == 0``); a budget that may be 0 or a little more is held as the
    smallest positive float, so ``b > 0`` says who may still hold money."""

    def __init__(self, s: Support, budgets: list, cl: Classes) -> None:
        self.cl = cl
        self.costs = _costs(s)
        self.runs = len(budgets)
        first = [_float_and_error(x) for x in budgets]
        start = np.array([x for x, _ in first])
        self.b = np.repeat(start[None, :], cl.n, axis=0)
        self.e = np.repeat(np.array([ex for _, ex in first])[None, :], cl.n, axis=0)
        # No float budget ever exceeds its run's first one: fl(x - y) <= x for y >= 0.
        self.top = start
        self.wcf = [x.astype(np.float64) for x in cl.wc]
        self.w_all = [float(x.sum()) for x in cl.wc]  # exact: below 2**52 (batch_usable)
        self.wmax = [1.0 if w is None else float(w.max(initial=1.0)) for w in cl.weights]

    def _wide(self, rows: np.ndarray) -> bool:
        """Whether to work on every run's column (reading whole rows is much faster than
        picking columns) rather than on ``rows`` only."""
        return 4 * len(rows) >= 3 * self.runs

    def alpha(self, j: int, rows: np.ndarray, floor: np.ndarray):
        """Project j's alpha in each run of ``rows``, as arrays over those runs:
        (status, lo, hi, W, p, a). status: 0 proven, 1 surely unaffordable, 2 not proven.
        As in ``fastmes``: alpha in [lo, hi], exactly 1/W when W > 0; price in [p-a, p+a].
        ``floor``: a price each run's exact price is known not to be below (0: none)."""
        cols = self.cl.voters[j]
        b, e = np.take(self.b, cols, axis=0), np.take(self.e, cols, axis=0)
        if self._wide(rows):
            start = np.zeros(self.runs)
            start[rows] = floor
            found = self._alpha(j, b, e, self.top, start)
            return tuple(x[rows] for x in found)
        return self._alpha(j, b[:, rows], e[:, rows], self.top[rows], floor)

    def _alpha(self, j: int, b: np.ndarray, e: np.ndarray, top: np.ndarray, floor: np.ndarray):
        cl = self.cl
        c, w = cl.counts[j], cl.weights[j]
        wcol = None if w is None else w[:, None]
        cost, ec = self.costs[j]
        wcf, w_all = self.wcf[j], self.w_all[j]
        k, r = b.shape
        status = np.full(r, 2, dtype=np.int8)
        lo, hi, p_out, a_out = np.zeros(r), np.zeros(r), np.zeros(r), np.zeros(r)
        big = np.zeros(r, dtype=np.int64)
        total = c @ b
        err = c @ e + (k + 4) * U * total + _TINY
        sure = total - err >= (cost + ec) * (1 + 2 * U)
        status[total + err < (cost - ec) * (1 - 2 * U)] = 1
        at = np.flatnonzero(sure)
        if not len(at):
            return status, lo, hi, big, p_out, a_out
        if len(at) < r:
            b, e, top, floor = b[:, at], e[:, at], top[at], floor[at]
        # Fixed point: p' = (cost - what the poor hold) / weight of the rich. Started below
        # the exact price (at ``floor``, or the equal split of the cost), it only rises.
        p = np.maximum(floor, cost / w_all)
        poor = None
        for _ in range(64):
            d = b - (p[None, :] if w is None else p[None, :] * wcol)
            now = d < 0
            if poor is not None and np.array_equal(now, poor):
                break
            poor = now
            rich_w = w_all - wcf @ now  # exact integers
            held = c @ (b * now)
            bad = rich_w <= 0  # nobody left to pay the rest (floats at a near-tie): unproven
            if bad.any():  # frozen with everyone poor, so that the others can settle
                rich_w = np.where(bad, 1.0, rich_w)
                p = np.where(bad, np.inf, (cost - held) / rich_w)
            else:
                p = (cost - held) / rich_w
        else:
            return status, lo, hi, big, p_out, a_out  # not settled: the rest stay unproven
        # While every supporter stays on the same side of P * weight, the exact price P solves
        # (what the poor hold) + (weight of the rich) * P = cost: it lies within ``est`` of p.
        p = np.where(bad, 0.0, p)
        poor_err = c @ (e * poor)
        est = (ec + poor_err + (k + 8) * U * 2 * cost) / rich_w + 8 * U * p
        a = 2.0 * est + _TINY
        # They do when every supporter is more than a * weight + e from p * weight (with
        # rounding of d = b - p * weight, which is at most top + p * weight in size).
        slack = a + 2 * U * p
        np.abs(d, out=d)
        d -= e
        if w is None:
            clear = d.min(axis=0) >= slack + 2 * U * (top + p) + _TINY
        else:
            d -= slack[None, :] * wcol
            clear = d.min(axis=0) >= 2 * U * (top + p * self.wmax[j]) + _TINY
        clear &= ~bad
        if clear.any():
            ok = np.flatnonzero(clear)
            rr = at[ok]
            status[rr] = 0
            lo[rr] = (p[ok] - a[ok]) / (cost + ec) * (1 - 4 * U)
            hi[rr] = (p[ok] + a[ok]) / (cost - ec) * (1 + 4 * U)
            p_out[rr], a_out[rr] = p[ok], a[ok]
            # The poor all hold exactly nothing: every supporter with money pays the equal
            # split, and alpha is exactly 1 / (weight of the rich).
            nothing = ok[held[ok] == 0]
            if len(nothing):
                nothing = nothing[~np.any(poor[:, nothing] & (b[:, nothing] > 0), axis=0)]
                rr = at[nothing]
                alpha = 1.0 / rich_w[nothing]
                lo[rr], hi[rr] = alpha * (1 - 4 * U), alpha * (1 + 4 * U)
                big[rr] = rich_w[nothing].astype(np.int64)
        # Someone near p * weight: prove the price by evaluating what the supporters pay.
        todo = np.flatnonzero(~bad & ~clear)
        if len(todo):
            b, e, p, est = b[:, todo], e[:, todo], p[todo], est[todo]
            low = (b - e) * (1 - 4 * U)  # below the exact budget
            for factor in (4.0, 256.0):
                a = factor * est + _TINY
                ok = self._holds(b, e, low, wcol, c, cost, ec, p - a, p + a)
                rr = at[todo[ok]]
                status[rr] = 0
                lo[rr] = (p[ok] - a[ok]) / (cost + ec) * (1 - 4 * U)
                hi[rr] = (p[ok] + a[ok]) / (cost - ec) * (1 + 4 * U)
                p_out[rr], a_out[rr] = p[ok], a[ok]
                if ok.all():
                    break
                keep = ~ok
                todo, p, est = todo[keep], p[keep], est[keep]
                b, e, low = b[:, keep], e[:, keep], low[:, keep]
        return status, lo, hi, big, p_out, a_out

    @staticmethod
    def _f(b, e, low, wcol, c, p):
        """Float f(p) = sum of c * min(b, p w) per run, and a bound on its error."""
        pw = p[None, :] if wcol is None else p[None, :] * wcol
        val = c @ np.minimum(b, pw)
        near = low < pw * (1 + 4 * U)
        err = c @ (e * near) + (b.shape[0] + 4) * U * val + _TINY
        return val, err

    def _holds(self, b, e, low, wcol, c, cost, ec, p_lo, p_hi) -> np.ndarray:
        """Runs where f(p_lo) < cost <= f(p_hi) is proven for the exact budgets and cost."""
        hi, err_hi = self._f(b, e, low, wcol, c, p_hi)
        ok = hi - err_hi >= (cost + ec) * (1 + 2 * U)
        lo, err_lo = self._f(b, e, low, wcol, c, np.maximum(p_lo, 0.0))
        return ok & ((p_lo <= 0) | (lo + err_lo < (cost - ec) * (1 - 2 * U)))

    def buy(self, j: int, rows: np.ndarray, price: np.ndarray, margin: np.ndarray) -> None:
        """In each run of ``rows`` every supporter of j keeps max(0, budget - P * weight),
        with that run's price P within ``margin`` of ``price``."""
        cl = self.cl
        w = cl.weights[j]
        cols = cl.voters[j]
        # Rounding of p * w and of b - p * w, at most 2U (p w + |b - p w|), |b - p w| being
        # at most top + p * w; the same for every supporter in the run.
        rounding = 2 * U * (2 * price * self.wmax[j] + self.top[rows]) + _TINY
        # Every run's column is worked on (reading whole rows is much faster than picking
        # columns): the other runs pay 0 with no margin, and the formula leaves them as they were.
        b, e = np.take(self.b, cols, axis=0), np.take(self.e, cols, axis=0)
        p, a, r = np.zeros(self.runs), np.zeros(self.runs), np.zeros(self.runs)
        p[rows], a[rows], r[rows] = price, margin, rounding
        if w is None:
            raw = b - p[None, :]
            e += (a + r)[None, :]
        else:
            raw = b - p[None, :] * w[:, None]
            e += a[None, :] * w[:, None] + r[None, :]
        zero = raw <= -e  # surely nothing left: exactly 0
        np.maximum(raw, _LEAST, out=raw)
        raw[zero] = 0.0
        e[zero] = 0.0
        self.b[cols] = raw
        self.e[cols] = e


def outcomes(
    s: Support, budgets: list, shares: np.ndarray, expected: set[int] | None = None
) -> list[list[int] | None]:
    """What Equal Shares selects, in order, for each per-voter budget in ``budgets``; None for
    a budget where some decision was too close to prove in floats (run it alone).

    ``shares`` is ``overlap(s)``. Every weight must be a whole number (``fastmes.usable``).

    ``expected``: projects the runs are likely to buy (say, what neighbouring budgets bought).
    Voters whose ballots agree on those projects pay the same in every run that buys only
    among them, so they are one row (on Krakow 2024: 31,410 classes of identical ballots, 6,083
    of ballots that agree on the 44 projects add1 runs buy). A run about to buy any other
    project is done again on the classes of identical ballots: the outcomes do not depend on
    ``expected``, only the time does.
    """
    return batch(s, budgets, shares, expected)[0]


def batch(
    s: Support, budgets: list, shares: np.ndarray, expected: set[int] | None = None
) -> tuple[list[list[int] | None], int]:
    """``outcomes``, and the number of rows (classes of voters) most runs were counted on."""
    fine = classes(s)
    if expected and len(budgets) > 2:
        # The largest budget first, alone: what it buys, the others mostly buy too.
        last, _ = _outcomes(s, budgets[-1:], shares, fine, None)
        expected = expected | set(last[0] or ())
        inside = np.zeros(s.m, dtype=bool)
        inside[sorted(expected)] = True
        merged = _merged(fine, inside)
        if merged is not None and merged.n < fine.n:
            found, outside = _outcomes(s, budgets[:-1], shares, merged, inside)
            redo = np.flatnonzero(outside).tolist()
            if redo:
                again, _ = _outcomes(s, [budgets[i] for i in redo], shares, fine, None)
                for i, selected in zip(redo, again, strict=True):
                    found[i] = selected
            return found + last, merged.n
    return _outcomes(s, budgets, shares, fine, None)[0], fine.n


def _merged(fine: Classes, inside: np.ndarray) -> Classes | None:
    """Classes of ballots that agree (same projects, same weights) on the projects ``inside``;
    None if a hash collision put different ones together (the caller then keeps ``fine``)."""
    m = len(fine.voters)
    if not fine.n:
        return None
    whole = [wc // c.astype(np.int64) for wc, c in zip(fine.wc, fine.counts, strict=True)]
    h = np.zeros(fine.n, dtype=np.uint64)
    for j in np.flatnonzero(inside).tolist():
        h[fine.voters[j]] += _mix((np.uint64(j + 1) << np.uint64(32)) | whole[j].astype(np.uint64))
    _, first, group, size = np.unique(h, return_index=True, return_inverse=True, return_counts=True)
    ng = len(size)
    # Numbered in the order of their first class, so that the rows keep the classes' order.
    renumber = np.empty(ng, dtype=np.int64)
    renumber[np.argsort(first)] = np.arange(ng)
    group, size = renumber[group.ravel()], size[np.argsort(first)]
    voters, counts, wcs, weights = [], [], [], []
    for j in range(m):
        g = group[fine.voters[j]]
        if inside[j]:
            # Every class of a group backs j, with the same weight, or none of them does.
            ids, row, per = _distinct(g, ng)
            if not np.array_equal(per, size[ids]):
                return None
            w_of = np.zeros(ng, dtype=np.int64)
            w_of[g] = whole[j]
            if not np.array_equal(w_of[g], whole[j]):
                return None
            wts = w_of[ids]
        else:  # a row for each group and weight among j's supporters
            top = int(whole[j].max(initial=0)) + 1
            keys, row, _ = _distinct(g * top + whole[j], ng * top)
            ids, wts = keys // top, keys % top
        voters.append(ids)
        counts.append(np.bincount(row, weights=fine.counts[j], minlength=len(ids)))
        total = np.bincount(row, weights=fine.wc[j].astype(np.float64), minlength=len(ids))
        wcs.append(total.astype(np.int64))  # exact: below 2**52 (batch_usable)
        weights.append(None if fine.weights[j] is None else wts.astype(np.float64))
    return Classes(ng, voters, counts, wcs, weights)


def _distinct(keys: np.ndarray, below: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct values of ``keys`` (whole numbers below ``below``), ascending; for each key
    the index of its value among them; and how many keys hold each value."""
    if below > 4 * len(keys) + 1_000_000:
        ids, row, per = np.unique(keys, return_inverse=True, return_counts=True)
        return ids, row.ravel(), per
    per = np.bincount(keys, minlength=below)
    held = per > 0
    ids = np.flatnonzero(held)
    return ids, (np.cumsum(held) - 1)[keys], per[ids]


def _outcomes(
    s: Support, budgets: list, shares: np.ndarray, cl: Classes, allowed: np.ndarray | None
) -> tuple[list[list[int] | None], np.ndarray]:
    """``outcomes`` on the classes ``cl``; with ``allowed``, a run about to buy a project not
    allowed stops, and is marked in the second list (its outcome there is None)."""
    runs = len(budgets)
    m = s.m
    first, live0, lo0 = _start(s)
    outside = np.zeros(runs, dtype=bool)
    if not runs:
        return [], outside
    if not live0:
        return [list(first) for _ in range(runs)], outside
    state = _Runs(s, budgets, cl)
    live = np.zeros((runs, m), dtype=bool)
    live[:, live0] = True
    lo = np.full((runs, m), np.inf)
    lo[:, live0] = [lo0[j] for j in live0]
    hi = np.full((runs, m), np.inf)
    big = np.zeros((runs, m), dtype=np.int64)
    price = np.zeros((runs, m))
    margin = np.zeros((runs, m))
    fresh = np.zeros((runs, m), dtype=bool)
    active = np.ones(runs, dtype=bool)
    failed = np.zeros(runs, dtype=bool)
    bought: list[np.ndarray] = []  # per moment: the project each run bought (-1: none)
    index = np.arange(m)
    while True:
        # Price the projects that could be next: in each run, the one with the lowest lower
        # bound among those not known since its supporters last paid, while that bound is not
        # above the best upper bound known (alpha only grows, so old bounds stay valid).
        while True:
            known = np.where(live & fresh, hi, np.inf).min(axis=1)
            need = live & ~fresh & (lo <= known[:, None]) & active[:, None]
            rows = np.flatnonzero(need.any(axis=1))
            if not len(rows):
                break
            pick = np.where(need[rows], lo[rows], np.inf).argmin(axis=1)
            for j in np.flatnonzero(np.bincount(pick, minlength=m)).tolist():
                rs = np.flatnonzero(need[:, j])
                floor = np.maximum(price[rs, j] - margin[rs, j], 0.0)
                status, a_lo, a_hi, a_w, a_p, a_a = state.alpha(j, rs, floor)
                gone = rs[status == 1]
                live[gone, j] = False
                lost = rs[status == 2]
                failed[lost] = True
                active[lost] = False
                ok = status == 0
                rs = rs[ok]
                lo[rs, j], hi[rs, j], big[rs, j] = a_lo[ok], a_hi[ok], a_w[ok]
                price[rs, j], margin[rs, j] = a_p[ok], a_a[ok]
                fresh[rs, j] = True
        act = np.flatnonzero(active & live.any(axis=1))
        active[:] = False
        if not len(act):
            break
        active[act] = True
        # The winner: lowest upper bound (ties: lower index); it must be proven below all.
        lv = live[act]
        fr = lv & fresh[act]
        h = np.where(fr, hi[act], np.inf)
        win = h.argmin(axis=1)
        at = np.arange(len(act))
        h_win = h[at, win]
        w_all = np.where(fr, big[act], 0)
        w_win = w_all[at, win][:, None]
        both_exact = (w_win > 0) & (w_all > 0)
        beaten = (w_all < w_win) | ((w_all == w_win) & (index[None, :] > win[:, None]))
        proven = ~lv | (lo[act] > h_win[:, None]) | (both_exact & beaten)
        proven[at, win] = True
        good = proven.all(axis=1)
        failed[act[~good]] = True
        active[act[~good]] = False
        act, win = act[good], win[good]
        if allowed is not None and not allowed[win].all():
            out = ~allowed[win]
            outside[act[out]] = True
            active[act[out]] = False
            act, win = act[~out], win[~out]
        step = np.full(runs, -1, dtype=np.int64)
        step[act] = win
        bought.append(step)
        for j in np.flatnonzero(np.bincount(win, minlength=m)).tolist():
            rs = act[win == j]
            state.buy(j, rs, price[rs, j], margin[rs, j])
            live[rs, j] = False
            stale = np.flatnonzero(shares[j])
            fresh[np.ix_(rs, stale)] = False
    order = np.array(bought).T if bought else np.zeros((runs, 0), dtype=np.int64)
    return [
        None if failed[r] or outside[r] else list(first) + [j for j in order[r].tolist() if j >= 0]
        for r in range(runs)
    ], outside
