"""Many runs of Equal Shares at once, one per per-voter budget, every decision proven exact.

add1 (``add1.py``) needs what Equal Shares selects with each voter's budget ``B/n``, ``B/n + 1``,
``B/n + 2``... often 150 runs or more. On a small electorate a single float run
(``floats.run_fast``) spends most of its time in NumPy's cost per call: about a hundred price
computations, each a dozen or so array operations on a few hundred supporters. Here the runs
for ``R`` budgets go in step: budgets are a matrix with a row for each class of voters (below)
and a column for each run, and when several runs need the price of the same project at the
same moment it is computed for all of them with one set of array operations, as are the
purchases. Runs for neighbouring budgets mostly buy the same projects in the same order: on
Wieliczka 2023, 151 runs in step compute about 10 prices a moment where one run alone
computes about 3.

Voters who cast the same ballot hold the same budget in every run (Wieliczka 2023: 6,586
voters, 1,190 different ballots; classes are found by hashing and then checked exactly, so a
hash collision can only cost speed). More: voters hold the same budget as long as they backed
the same projects among those bought so far, so a row of the matrix is a *group* of voters
who hold the same in every run. Everyone starts in one group, and each purchase splits off
its supporters. Over a run a project's supporters fill on average a quarter of the rows they
would as classes of ballots on Warsaw 2026, a twentieth on Krakow 2024; a group left with
exactly nothing in every run drops out of every sum.

The proofs are those of ``floats._VoterRun``, run by run: each budget carries a rigorous
bound on its distance to the exact rational, and a project is known affordable (or not) only
when the bounds prove it. A price comes from the fixed point "those who cannot pay it pay all
they have", started from the last price proven for that project (prices only rise); it is
proven by checking that every supporter's budget is farther from price x weight than the
error bounds, so that the exact price solves the same linear equation, or, when someone is
that close, by evaluating the monotone "what the supporters pay at price p" either side of
it. The next purchase is taken only when its alpha (price per unit of utility) is proven
below every other project's. A run where a
proof does not go through is dropped (``None``), and the caller runs that budget alone (floats,
then exact rationals). A run that finishes therefore selects exactly what the exact run does.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from allocation.pb.mes.classes import Classes, classes
from allocation.pb.mes.floats import TINY, U, float_and_error, float_costs, opening
from allocation.pb.mes.outcome import UNPROVEN, Selection
from allocation.pb.support import Support

# At most this many budgets in a batch, counted as runs x classes of ballots (the groups that
# are the rows are fewer). Measured on Warsaw 2026 (add1, CPU s, one run each on a shared
# machine): 1M 0.76, 2M 0.65, 4M 0.57, 8M 0.62; Krakow 2024 about 0.40 from 2M up.
CELLS = 4_000_000
# Largest scratch array for finding distinct (group, weight) pairs (8 bytes each).
_SLOTS = 1 << 22
# A budget that may be exactly 0 or a little more (below its run's error bound).
_LEAST = float(np.finfo(np.float64).tiny)
# When to work on every run's column instead of picking the columns of the runs concerned
# (reading whole rows is much faster than gathering columns; the other runs' columns are
# wasted work). A price computation wastes a whole fixed-point search on each extra column,
# so it goes wide only when 3/4 of the runs need it; a purchase wastes one subtraction of a
# zero price on each, so it goes wide from 1/4.
_WIDE_PRICE = 3 / 4
_WIDE_BUY = 1 / 4


class Prices(NamedTuple):
    """One project's prices in a set of runs (``_Runs.alpha``).

    ``ok`` and ``gone`` are positions among the runs asked about: the runs where the price is
    proven, and those where the project is surely unaffordable; the others are unproven. For
    the runs of ``ok``, as in ``floats.Price``: alpha lies in [lo, hi], and is exactly 1/W when
    W > 0; the price per weight unit lies in [p - a, p + a].
    """

    ok: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    w: np.ndarray
    p: np.ndarray
    a: np.ndarray
    gone: np.ndarray


class Rows(NamedTuple):
    """A project's supporters who may still hold money, one row per group and weight: the
    groups, voters in each, exact weight x voters, float weights (None: all 1), total weight."""

    ids: np.ndarray
    counts: np.ndarray
    wc: np.ndarray
    w: np.ndarray | None
    total: float


# A price computation that proved no run (read-only, shared).
_NONE = np.zeros(0, dtype=np.int64)
_EMPTY = np.zeros(0)
_NONE.flags.writeable = _EMPTY.flags.writeable = False


def _unproven(gone: np.ndarray) -> Prices:
    return Prices(_NONE, _EMPTY, _EMPTY, _NONE, _EMPTY, _EMPTY, gone)


class _Runs:
    """Budgets of R runs, held by groups of voters who hold the same budget in every run.

    At first everyone holds the same share, so there is one group; each purchase splits the
    groups its supporters share with others (they now hold less). ``b`` and ``e`` hold each
    group's budgets and error bounds, one row a group, one column a run (a project's
    supporters are whole rows, read in one go); ``group`` maps each class of identical
    ballots to its group. ``b == 0`` is exactly 0 (then ``e == 0``); a budget that may be 0
    or a little more is held as the smallest positive float, so ``b > 0`` says who may still
    hold money. A group that holds exactly nothing in every run is left out of every sum.
    """

    def __init__(self, s: Support, budgets: list, cl: Classes, shares: np.ndarray) -> None:
        self.cl = cl
        self.shares = shares  # overlap(s): which projects share supporters
        self.costs = float_costs(s)
        self.runs = len(budgets)
        first = [float_and_error(x) for x in budgets]
        start = np.array([x for x, _ in first])
        # Rows for as many groups as there are classes (groups seldom outnumber them: only a
        # class split by weight leaves an empty group): memory is only touched as rows are
        # used, and growing (_grow) copies everything.
        room = cl.n + 1
        self.b, self.e = np.empty((room, self.runs)), np.empty((room, self.runs))
        self.b[0], self.e[0] = start, [ex for _, ex in first]
        self.groups = 1
        self.group = np.zeros(cl.n, dtype=np.int64)
        self.size = np.zeros(room, dtype=np.int64)  # classes in each group
        self.size[0] = cl.n
        self.dead = np.zeros(room, dtype=bool)  # exactly nothing left in every run
        # No float budget ever exceeds its run's first one: fl(x - y) <= x for y >= 0.
        self.top = start
        self.whole = [wc // c.astype(np.int64) for wc, c in zip(cl.wc, cl.counts, strict=True)]
        self.span = [int(w.max(initial=0)) + 1 for w in self.whole]
        self.wmax = [float(max(1, x - 1)) for x in self.span]
        # Each project's rows, kept until its supporters' groups split (buy).
        self.cache: dict[int, tuple] = {}
        self.slot = np.empty(0, dtype=np.int64)  # scratch for _pairs

    def _wide(self, rows: np.ndarray, share: float) -> bool:
        """Whether to work on every run's column rather than on ``rows`` only: when ``rows``
        are at least ``share`` of the runs (``_WIDE_PRICE``, ``_WIDE_BUY``)."""
        return len(rows) >= share * self.runs

    def _pairs(self, j: int):
        """Project j's supporters as (group, weight) pairs: the distinct pairs, and for each
        class of its supporters the index of its pair."""
        span = self.span[j]
        keys = self.group[self.cl.voters[j]] * span + self.whole[j]
        if self.groups * span > _SLOTS:  # points up to thousands: sort instead
            pair, row = np.unique(keys, return_inverse=True)
            return pair // span, pair % span, row.ravel()
        # Distinct keys in time linear in their number: each key's slot in a scratch array
        # (never cleared: only slots written just now are read) holds its last position,
        # then the number of its pair.
        if len(self.slot) < self.groups * span:
            self.slot = np.empty(min(_SLOTS, 2 * self.groups * span), dtype=np.int64)
        at = np.arange(len(keys))
        self.slot[keys] = at
        last = self.slot[keys]
        pair = keys[last == at]  # each distinct key once
        self.slot[pair] = np.arange(len(pair))
        return pair // span, pair % span, self.slot[keys]

    def rows_of(self, j: int) -> Rows:
        """Project j's :class:`Rows` (cached until its supporters' groups split)."""
        found = self.cache.get(j)
        if found is None:
            ids, wts, row = self._pairs(j)
            cl = self.cl
            counts = np.bincount(row, weights=cl.counts[j], minlength=len(ids))
            wc = np.bincount(row, weights=cl.wc[j].astype(np.float64), minlength=len(ids))
            live = ~self.dead[ids]
            if not live.all():
                ids, wts, counts, wc = ids[live], wts[live], counts[live], wc[live]
            w = None if cl.weights[j] is None else wts.astype(np.float64)
            found = self.cache[j] = Rows(ids, counts, wc, w, float(wc.sum()))  # exact: < 2**52
        return found

    def alpha(self, j: int, rows: np.ndarray, floor: np.ndarray) -> Prices:
        """Project j's :class:`Prices` in the runs ``rows`` (positions in ``rows``).

        ``floor``: a price each run's exact price is known not to be below (0: none)."""
        ids, c, wcf, w, w_all = self.rows_of(j)
        b, e = self.b.take(ids, axis=0), self.e.take(ids, axis=0)
        if not self._wide(rows, _WIDE_PRICE):
            return self._alpha(j, b[:, rows], e[:, rows], c, wcf, w, w_all, self.top[rows], floor)
        start = np.zeros(self.runs)
        start[rows] = floor
        ok, *found, gone = self._alpha(j, b, e, c, wcf, w, w_all, self.top, start)
        at = np.full(self.runs, -1)
        at[rows] = np.arange(len(rows))
        ok_at, gone_at = at[ok], at[gone]
        keep = ok_at >= 0
        return Prices(ok_at[keep], *(x[keep] for x in found), gone_at[gone_at >= 0])

    def _alpha(self, j: int, b, e, c, wcf, w, w_all: float, top, floor) -> Prices:
        wcol = None if w is None else w[:, None]
        cost, ec = self.costs[j]
        k, r = b.shape
        total = c.dot(b)
        err = c.dot(e) + (k + 4) * U * total + TINY
        gone = (total + err < (cost - ec) * (1 - 2 * U)).nonzero()[0]
        at = (total - err >= (cost + ec) * (1 + 2 * U)).nonzero()[0]
        if not len(at):
            return _unproven(gone)
        if len(at) < r:
            b, e, top, floor = b[:, at], e[:, at], top[at], floor[at]
        # Fixed point: p' = (cost - what the poor hold) / weight of the rich. Started below
        # the exact price (at ``floor``, or the equal split of the cost), it only rises.
        p = np.maximum(floor, cost / w_all)
        poor = None
        for _ in range(64):
            d = b - (p[None, :] if w is None else p[None, :] * wcol)
            now = d < 0
            if poor is not None and not (now ^ poor).any():
                break
            poor = now
            rich_w = w_all - wcf.dot(now)  # exact integers
            held = c.dot(b * now)
            bad = rich_w <= 0  # nobody left to pay the rest (floats at a near-tie): unproven
            if bad.any():  # frozen with everyone poor, so that the others can settle
                rich_w = np.where(bad, 1.0, rich_w)
                p = np.where(bad, np.inf, (cost - held) / rich_w)
            else:
                bad = None
                p = (cost - held) / rich_w
        else:
            return _unproven(gone)  # not settled
        # While every supporter stays on the same side of P * weight, the exact price P solves
        # (what the poor hold) + (weight of the rich) * P = cost: it lies within ``est`` of p.
        if bad is not None:
            p = np.where(bad, 0.0, p)
        poor_err = c.dot(e * poor)
        est = (ec + poor_err + (k + 8) * U * 2 * cost) / rich_w + 8 * U * p
        a = 2.0 * est + TINY
        # They do when every supporter is more than a * weight + e from p * weight (with
        # rounding of d = b - p * weight, which is at most top + p * weight in size).
        slack = a + 2 * U * p
        np.abs(d, out=d)
        d -= e
        if w is None:
            clear = d.min(axis=0) >= slack + 2 * U * (top + p) + TINY
        else:
            d -= slack[None, :] * wcol
            clear = d.min(axis=0) >= 2 * U * (top + p * self.wmax[j]) + TINY
        if bad is not None:
            clear &= ~bad
        ok = clear.nonzero()[0]
        p_ok, a_ok = p[ok], a[ok]
        lo = (p_ok - a_ok) / (cost + ec) * (1 - 4 * U)
        hi = (p_ok + a_ok) / (cost - ec) * (1 + 4 * U)
        big = np.zeros(len(ok), dtype=np.int64)
        # The poor all hold exactly nothing: every supporter with money pays the equal
        # split, and alpha is exactly 1 / (weight of the rich).
        nothing = (held[ok] == 0).nonzero()[0]
        if len(nothing):
            cols = ok[nothing]
            nothing = nothing[~np.any(poor[:, cols] & (b[:, cols] > 0), axis=0)]
            rich = rich_w[ok[nothing]]
            alpha = 1.0 / rich
            lo[nothing], hi[nothing] = alpha * (1 - 4 * U), alpha * (1 + 4 * U)
            big[nothing] = rich.astype(np.int64)
        if len(ok) == len(at):
            return Prices(at, lo, hi, big, p_ok, a_ok, gone)
        # Someone near p * weight: prove the price by evaluating what the supporters pay.
        todo = (~clear if bad is None else ~bad & ~clear).nonzero()[0]
        found = [(ok, lo, hi, big, p_ok, a_ok)]
        if len(todo):
            b, e, p, est = b[:, todo], e[:, todo], p[todo], est[todo]
            low = (b - e) * (1 - 4 * U)  # below the exact budget
            for factor in (4.0, 256.0):
                a = factor * est + TINY
                good = self._holds(b, e, low, wcol, c, cost, ec, p - a, p + a)
                pg, ag = p[good], a[good]
                found.append(
                    (
                        todo[good],
                        (pg - ag) / (cost + ec) * (1 - 4 * U),
                        (pg + ag) / (cost - ec) * (1 + 4 * U),
                        np.zeros(len(pg), dtype=np.int64),
                        pg,
                        ag,
                    )
                )
                if good.all():
                    break
                keep = ~good
                todo, p, est = todo[keep], p[keep], est[keep]
                b, e, low = b[:, keep], e[:, keep], low[:, keep]
        ok, lo, hi, big, p_ok, a_ok = (np.concatenate(x) for x in zip(*found, strict=True))
        return Prices(at[ok], lo, hi, big, p_ok, a_ok, gone)

    @staticmethod
    def _f(b, e, low, wcol, c, p):
        """Float f(p) = sum of c * min(b, p w) per run, and a bound on its error."""
        pw = p[None, :] if wcol is None else p[None, :] * wcol
        val = c.dot(np.minimum(b, pw))
        near = low < pw * (1 + 4 * U)
        err = c.dot(e * near) + (b.shape[0] + 4) * U * val + TINY
        return val, err

    def _holds(self, b, e, low, wcol, c, cost, ec, p_lo, p_hi) -> np.ndarray:
        """Runs where f(p_lo) < cost <= f(p_hi) is proven for the exact budgets and cost."""
        hi, err_hi = self._f(b, e, low, wcol, c, p_hi)
        ok = hi - err_hi >= (cost + ec) * (1 + 2 * U)
        lo, err_lo = self._f(b, e, low, wcol, c, np.maximum(p_lo, 0.0))
        return ok & ((p_lo <= 0) | (lo + err_lo < (cost - ec) * (1 - 2 * U)))

    def _grow(self, need: int) -> None:
        room = max(need, 4 * len(self.size))
        for name in ("b", "e", "size", "dead"):
            old = getattr(self, name)
            grown = np.zeros((room, *old.shape[1:]), dtype=old.dtype)
            grown[: self.groups] = old[: self.groups]
            setattr(self, name, grown)

    def _split(self, j: int):
        """Give j's supporters groups of their own: each group they share with voters who do
        not back j (or back it with another weight) is split in two. Returns j's groups
        before and after (the new groups' budgets are still to be written) and weights."""
        cl = self.cl
        ids, wts, row = self._pairs(j)
        per = np.bincount(row, minlength=len(ids))
        split = (per != self.size[ids]) & ~self.dead[ids]
        if not split.any():
            return ids, ids, wts
        old = ids[split]
        if self.groups + len(old) > len(self.size):
            self._grow(self.groups + len(old))
        new = np.arange(self.groups, self.groups + len(old))
        self.groups += len(old)
        np.subtract.at(self.size, old, per[split])  # a group may split by several weights
        self.size[new] = per[split]
        self.dead[new] = False
        target = ids.copy()
        target[split] = new
        self.group[cl.voters[j]] = target[row]
        # Only projects sharing supporters with j can have rows in the groups just split.
        shares = self.shares[j]
        for k in [k for k in self.cache if shares[k]]:
            del self.cache[k]
        return ids, target, wts

    def buy(self, j: int, rows: np.ndarray, price: np.ndarray, margin: np.ndarray) -> None:
        """In each run of ``rows`` every supporter of j keeps max(0, budget - P * weight),
        with that run's price P within ``margin`` of ``price``. First the groups that j's
        supporters share with others are split: the supporters (by weight) get new groups."""
        ids, target, wts = self._split(j)
        live = ~self.dead[ids]
        if not live.all():
            ids, target, wts = ids[live], target[live], wts[live]
        # Rounding of p * w and of b - p * w, at most 2U (p w + |b - p w|), |b - p w| being
        # at most top + p * w; the same for every supporter in the run.
        rounding = 2 * U * (2 * price * self.wmax[j] + self.top[rows]) + TINY
        if self._wide(rows, _WIDE_BUY):
            # Every run's column (whole rows are read much faster than picked columns): the
            # other runs pay 0 with no margin, and the formula leaves them as they were.
            b, e = self.b.take(ids, axis=0), self.e.take(ids, axis=0)
            cells = target
            p, a, r = np.zeros(self.runs), np.zeros(self.runs), np.zeros(self.runs)
            p[rows], a[rows], r[rows] = price, margin, rounding
        else:  # only the runs that pay; new groups first take their old group's budgets
            moved = target != ids
            if moved.any():
                self.b[target[moved]] = self.b[ids[moved]]
                self.e[target[moved]] = self.e[ids[moved]]
            cells = np.ix_(target, rows)
            b, e = self.b[cells], self.e[cells]
            p, a, r = price, margin, rounding
        if self.cl.weights[j] is None:
            raw = b - p[None, :]
            e += (a + r)[None, :]
        else:
            w = wts.astype(np.float64)[:, None]
            raw = b - p[None, :] * w
            e += a[None, :] * w + r[None, :]
        zero = raw <= -e  # surely nothing left: exactly 0
        np.maximum(raw, _LEAST, out=raw)
        raw[zero] = 0.0
        e[zero] = 0.0
        self.b[cells] = raw
        self.e[cells] = e
        emptied = zero.all(axis=1)
        if emptied.any():  # nothing left in the runs that paid: in every run?
            maybe = target[emptied]
            self.dead[maybe[~self.b[maybe].any(axis=1)]] = True


def _dominated(big: np.ndarray, wlow: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Per run and project: True where the project's exact lower bound 1/wlow is not below
    the alpha 1/W of the run's best fresh exact project (largest W, then lowest index), and
    loses the tie by index when equal. Exact: integers only."""
    w_best = big.max(axis=1)
    i_best = big.argmax(axis=1)  # the first (lowest index) of the largest
    w_best_col, i_best_col = w_best[:, None], i_best[:, None]
    return (
        (w_best_col > 0)
        & (wlow > 0)
        & ((wlow < w_best_col) | ((wlow == w_best_col) & (index[None, :] > i_best_col)))
    )


def outcomes(s: Support, budgets: list, shares: np.ndarray) -> list[Selection]:
    """The batch engine: what Equal Shares selects, in order, for each per-voter budget in
    ``budgets``; UNPROVEN for a budget where some decision was too close to prove in floats
    (run it alone, through ``chain.run_mes``).

    Invariant (run by run, as in ``floats``): each group's exact budget lies within ``e`` of
    its float ``b``, and a run takes a decision only when those bounds prove it, so a selection
    returned is exactly the exact engine's for that budget. ``shares`` is ``overlap(s)``.
    Every weight must be a whole number (``floats.usable``, ``classes.batch_usable``).
    """
    runs = len(budgets)
    m = s.m
    first, live0, lo0 = opening(s)
    if not runs:
        return []
    if not live0:
        return [list(first) for _ in range(runs)]
    state = _Runs(s, budgets, classes(s), shares)
    inf = np.inf
    # Per run and project: ``lo`` a lower bound of its alpha (inf once bought or surely
    # unaffordable); ``hi`` an upper bound, known since its supporters last paid ("fresh"),
    # else inf; ``stale`` equals ``lo`` where the alpha is to be computed again in a run still
    # going, else inf; ``big`` the exact W of alpha = 1/W where fresh and known, else 0.
    lo = np.full((runs, m), inf)
    lo[:, live0] = [lo0[j] for j in live0]
    stale = lo.copy()
    hi = np.full((runs, m), inf)
    big = np.zeros((runs, m), dtype=np.int64)
    # ``wlow``: an exact W with alpha >= 1/W for the rest of the run (alpha never falls):
    # the score at first, then the W of the last exact price. A project whose wlow is below
    # (or equal to, with a higher index) the best fresh exact W cannot win the moment, so it
    # needs no new price: without this, m projects tied at alpha 1/W (equal costs, everyone
    # approving all) each needed a new price after every purchase, m^2 a run.
    wlow = np.zeros((runs, m), dtype=np.int64)
    wlow[:, live0] = [int(s.scores[j]) for j in live0]
    price = np.zeros((runs, m))
    margin = np.zeros((runs, m))
    left = np.full(runs, len(live0))  # projects not yet bought nor gone
    active = np.ones(runs, dtype=bool)
    failed = np.zeros(runs, dtype=bool)
    bought: list[np.ndarray] = []  # per moment: the project each run bought (-1: none)
    index = np.arange(m)
    most = np.finfo(np.float64).max
    while True:
        # Price the projects that could be next: in each run, the one with the lowest lower
        # bound among the stale ones, while that bound is not above the best upper bound
        # known (alpha only grows, so old lower bounds stay valid).
        while True:
            need = stale <= np.minimum(hi.min(axis=1), most)[:, None]
            need &= ~_dominated(big, wlow, index)
            rows = need.any(axis=1).nonzero()[0]
            if not len(rows):
                break
            pick = stale[rows].argmin(axis=1)
            for j in np.bincount(pick, minlength=m).nonzero()[0].tolist():
                rs = need[:, j].nonzero()[0]
                floor = np.maximum(price[rs, j] - margin[rs, j], 0.0)
                ok, a_lo, a_hi, a_w, a_p, a_a, gone = state.alpha(j, rs, floor)
                stale[rs, j] = inf
                if len(ok) < len(rs):
                    undecided = np.ones(len(rs), dtype=bool)
                    undecided[ok] = False
                    if len(gone):
                        undecided[gone] = False
                        gone = rs[gone]
                        lo[gone, j] = inf
                        left[gone] -= 1
                    lost = rs[undecided]
                    failed[lost] = True
                    active[lost] = False
                    stale[lost] = inf
                rs = rs[ok]
                lo[rs, j], hi[rs, j], big[rs, j] = a_lo, a_hi, a_w
                wlow[rs, j] = np.where(a_w > 0, a_w, wlow[rs, j])
                price[rs, j], margin[rs, j] = a_p, a_a
        act = (active & (left > 0)).nonzero()[0]
        active[:] = False
        if not len(act):
            break
        active[act] = True
        # The winner: lowest upper bound (ties: lower index); it must be proven below all.
        h = hi[act]
        win = h.argmin(axis=1)
        at = np.arange(len(act))
        h_win = h[at, win]
        w_all = big[act]
        w_win = w_all[at, win][:, None]
        both_exact = (w_win > 0) & (w_all > 0)
        beaten = (w_all < w_win) | ((w_all == w_win) & (index[None, :] > win[:, None]))
        proven = (lo[act] > h_win[:, None]) | (both_exact & beaten)
        proven[at, win] = True
        # A project that cannot beat the best fresh exact one (wlow) loses to the winner
        # when that one does.
        i_best = w_all.argmax(axis=1)
        proven |= _dominated(w_all, wlow[act], index) & proven[at, i_best][:, None]
        good = proven.all(axis=1)
        if not good.all():
            lost = act[~good]
            failed[lost] = True
            active[lost] = False
            stale[lost] = inf
            act, win = act[good], win[good]
        step = np.full(runs, -1, dtype=np.int64)
        step[act] = win
        bought.append(step)
        for j in np.bincount(win, minlength=m).nonzero()[0].tolist():
            rs = act[win == j]
            state.buy(j, rs, price[rs, j], margin[rs, j])
        lo[act, win] = hi[act, win] = inf
        big[act, win] = 0
        wlow[act, win] = 0
        left[act] -= 1
        # Projects sharing supporters with the one bought: their alpha is to be found again.
        again = shares[win]
        stale[act] = np.where(again, lo[act], stale[act])
        hi[act] = np.where(again, inf, hi[act])
        big[act] = np.where(again, 0, big[act])
    order = np.array(bought).T if bought else np.zeros((runs, 0), dtype=np.int64)
    return [
        UNPROVEN if failed[r] else list(first) + [j for j in order[r].tolist() if j >= 0]
        for r in range(runs)
    ]
