"""The exact engine of Equal Shares: every budget a rational, every decision exact.

Peters, Pierczyński and Skowron, *Proportional participatory budgeting with additive
utilities* (NeurIPS 2021); https://equalshares.net. Each voter gets an equal share of the
budget. A project can be bought when its supporters together hold its cost; among those, the
one whose supporters pay the least per unit of utility (``alpha``) is bought next, the
supporters paying in proportion to their weight (1 per approval; the points or the Borda
score on points and ranked ballots, the "points x cost" utility), each paying at most what
they have left. Ties go to the smaller project id (as a string), as in pabutools.

Budgets are rationals (gmpy2's ``mpq`` when installed, which is the same arithmetic as
``fractions.Fraction``, only faster; results are handed out as Fractions). Voters are kept in
groups of equal budget (a group never changes; voters move to a new group when they pay), so a
project's price is computed from a few dozen distinct budgets rather than from every voter.
This engine is the definition the others (``floats``, ``batch``) are proven against; it is
also the only one that records payments and the one that tracks slopes (``affine.py``).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from allocation.pb.election import Number
from allocation.pb.mes.affine import Affine, key, value
from allocation.pb.mes.outcome import MesRun, Purchase, Q, as_fraction
from allocation.pb.support import Support


def walk(entries: list, cost) -> tuple:
    """(alpha, price) from supporters (budget, weight, count, _) sorted poorest first.

    Shared with add1's interval proof, which prices bounds of budgets the same way."""
    rest = cost
    rich = sum(w * c for _b, w, c, _f in entries)
    # A voter who cannot pay price*weight pays all they have; the price is what the others
    # must then pay per unit of weight.
    for b, w, c, _f in entries:
        if rest * w <= b * rich:
            break
        rest -= b * c
        rich -= w * c
    price = rest / rich
    return price / cost, price


def _tally(keys: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ``keys`` (all below ``size``) ascending, and how often each occurs."""
    if size <= 4 * len(keys) + 4096:  # counting beats sorting while the range is small
        counts = np.bincount(keys, minlength=size)
        distinct = np.flatnonzero(counts)
        return distinct, counts[distinct]
    return np.unique(keys, return_counts=True)


def float_order(key: np.ndarray) -> np.ndarray | None:
    """Indices that sort ``key`` (floats of exact ratios), or None if two are too close to trust.

    A float ratio is within a few units in the last place of the exact one, so keys more than
    1e-12 apart (relative) are in exact order; closer ones are left to exact comparison.
    """
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    if len(ordered) > 1 and np.any(ordered[1:] - ordered[:-1] <= 1e-12 * np.abs(ordered[1:])):
        return None
    return order


class _State:
    """Budgets of one run, by group of voters with equal budget."""

    def __init__(self, support: Support, per_voter: Fraction | Affine) -> None:
        self.s = support
        self.costs = [Q(c) for c in support.costs]
        self.weights = [Q(w) for w in support.weight_values]
        self.group = np.ones(support.n, dtype=np.int32)  # group 0: nothing left
        zero = per_voter * 0
        self.budget: list = [zero, per_voter]
        # A float beside each exact budget, only to order and screen (see ``alpha``).
        self.approx: list[float] = [0.0, float(value(per_voter))]
        self._approx = np.zeros(64)
        self._approx[1] = self.approx[1]
        self._weight_f = np.array([float(w) for w in self.weights])
        whole = all(isinstance(w, int) for w in support.weight_values)
        self._weight_i = np.array(support.weight_values, dtype=np.int64) if whole else None
        self.id_of: dict[object, int] = {_key(zero): 0, _key(per_voter): 1}
        self.k = len(support.weight_values)
        # Float shortcuts decide nothing when slopes are being tracked (each exact
        # comparison must be seen by the Room), so they are used on plain runs only.
        self.fast = not isinstance(per_voter, Affine)

    def entries(self, j: int) -> list[tuple[Fraction, Number, int, float]]:
        """Supporters of j with money left, as (budget, weight, count, float budget per weight)."""
        keys, counts = self._keys(j)
        s, k = self.s, self.k
        budget, approx, weights = self.budget, self.approx, self.weights
        out = []
        if s.codes[j] is None:
            for g, c in zip(keys.tolist(), counts.tolist(), strict=True):
                if g:
                    out.append((budget[g], 1, c, approx[g]))
            return out
        for packed, c in zip(keys.tolist(), counts.tolist(), strict=True):
            g, code = divmod(packed, k)
            if g:
                w = weights[code]
                out.append((budget[g], w, c, approx[g] / w))
        return out

    def _keys(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        g = self.group[self.s.voters[j]]
        codes = self.s.codes[j]
        if codes is None:
            counts = np.bincount(g, minlength=len(self.budget))
            keys = np.flatnonzero(counts)
            return keys, counts[keys]
        return np.unique(g.astype(np.int64) * self.k + codes, return_counts=True)

    def money_left(self, j: int) -> Fraction:
        """Total budget the supporters of j hold now."""
        return as_fraction(sum((value(b) * c for b, _w, c, _f in self.entries(j)), start=0))

    def alpha(self, j: int) -> tuple[Fraction, Fraction] | None:
        """Return (alpha, price per weight unit) for j, or None when its supporters cannot pay."""
        if self.fast:
            return self._alpha_fast(j)
        cost = self.costs[j]
        entries = self.entries(j)
        if sum(b * c for b, _w, c, _f in entries) < cost:
            return None
        entries.sort(key=lambda e: e[0] / e[1])
        return walk(entries, cost)

    def _alpha_fast(self, j: int) -> tuple[Fraction, Fraction] | None:
        """``alpha`` with NumPy floats to screen and order; every decision still exact."""
        s = self.s
        cost = self.costs[j]
        g = self.group[s.voters[j]]
        codes = s.codes[j]
        approx = self._approx[: len(self.budget)]
        if codes is None:
            counts = np.bincount(g, minlength=len(self.budget))
            counts[0] = 0
            gid = np.flatnonzero(counts)
            cnt = counts[gid]
            code = np.zeros(len(gid), dtype=np.int64)
            key = approx[gid]
            total = float(key @ cnt)
        else:
            keys, cnt = _tally(g.astype(np.int64) * self.k + codes, len(self.budget) * self.k)
            gid, code = np.divmod(keys, self.k)
            keep = gid != 0
            gid, code, cnt = gid[keep], code[keep], cnt[keep]
            key = approx[gid] / self._weight_f[code]
            total = float(approx[gid] @ cnt)
        budget, weights = self.budget, self.weights
        # Floats only screen: each float budget is within 2**-52 (relative) of the exact one
        # and a sum of positive terms adds at most (terms x 2**-53) relative error, far below
        # the 1e-9 margin; inside the margin the exact sum decides.
        if abs(total - float(cost)) <= 1e-9 * (total + float(cost)):
            exact = sum(budget[a] * c for a, c in zip(gid.tolist(), cnt.tolist(), strict=True))
            if exact < cost:
                return None
        elif total < float(cost):
            return None
        order = float_order(key)
        if order is None:  # near-equal floats: order those exactly
            entries = [
                (budget[a], weights[b], c, 0.0)
                for a, b, c in zip(gid.tolist(), code.tolist(), cnt.tolist(), strict=True)
            ]
            entries.sort(key=lambda e: e[0] / e[1])
            return walk(entries, cost)
        rest = cost
        if codes is None:
            rich = int(cnt.sum())
        elif self._weight_i is not None:
            rich = int(self._weight_i[code] @ cnt)
        else:
            rich = sum(weights[b] * c for b, c in zip(code.tolist(), cnt.tolist(), strict=True))
        # Poorest first (budget per weight): a voter who cannot pay price*weight pays all
        # they have; the price is what the others must then pay per unit of weight. Most
        # supporters are rich, so the walk reads a few entries: take them a handful at a time.
        gid, code, cnt = gid[order], code[order], cnt[order]
        for at in range(0, len(order), 8):
            for a, b, c in zip(
                gid[at : at + 8].tolist(),
                code[at : at + 8].tolist(),
                cnt[at : at + 8].tolist(),
                strict=True,
            ):
                bud, w = budget[a], weights[b]
                if rest * w <= bud * rich:
                    price = rest / rich
                    return price / cost, price
                rest -= bud * c
                rich -= w * c
        raise AssertionError("supporters hold the cost, so someone pays the full price")

    def buy(self, j: int, price: Fraction, *, record: bool = False) -> list[tuple[Fraction, int]]:
        """Charge j's supporters ``price`` per weight unit (at most all they have).

        Returns, when ``record``, the payments as (amount, number of voters), largest first.
        """
        voters = self.s.voters[j]
        g = self.group[voters]
        codes = self.s.codes[j]
        if codes is None:  # one weight: the groups themselves, no sort needed
            counts_all = np.bincount(g, minlength=len(self.budget))
            uniq = np.flatnonzero(counts_all)
            counts = counts_all[uniq].tolist()
            remap = np.arange(len(self.budget), dtype=np.int32)
        else:
            keys = g.astype(np.int64) * self.k + codes
            uniq, counts_arr = _tally(keys, len(self.budget) * self.k)
            counts = counts_arr.tolist()
            remap = np.zeros(len(self.budget) * self.k, dtype=np.int32)
        dues = [price * w for w in self.weights]
        paid: dict = {}
        budget, id_of = self.budget, self.id_of
        if self.fast and codes is None and not record:
            # The common case (approval ballots, a plain run), kept lean: it runs for every
            # group of payers of every project bought in every rerun.
            due = dues[0]
            fresh: list[float] = []
            for gid in uniq.tolist():
                b = budget[gid]
                if due < b:
                    left = b - due
                    nid = id_of.get(left)
                    if nid is None:
                        nid = id_of[left] = len(budget)
                        budget.append(left)
                        fresh.append(float(left))
                    remap[gid] = nid
                else:
                    remap[gid] = 0
            self._note_many(fresh)
            self.group[voters] = remap[g]
            return []
        for i, packed in enumerate(uniq.tolist()):
            gid, code = divmod(packed, self.k)
            b = budget[gid]
            due = dues[code]
            if due < b:
                pay, left = due, b - due
                slot = _key(left)
                nid = id_of.get(slot)
                if nid is None:
                    nid = id_of[slot] = len(budget)
                    budget.append(left)
                    self._note_approx(float(value(left)))
            else:  # pays all they have
                pay, nid = b, (0 if self.fast else self._zero_of(b - b))
            remap[gid if codes is None else packed] = nid
            if record:
                amount = value(pay)
                if amount:
                    paid[amount] = paid.get(amount, 0) + counts[i]
        self.group[voters] = remap[g] if codes is None else remap[keys]
        return sorted(((as_fraction(a), c) for a, c in paid.items()), reverse=True)

    def _note_many(self, xs: list[float]) -> None:
        """Keep the floats of the newest groups, in the list and in the NumPy mirror."""
        if not xs:
            return
        at = len(self.approx)
        self.approx.extend(xs)
        while len(self.approx) > len(self._approx):
            self._approx = np.concatenate([self._approx, np.zeros(len(self._approx))])
        self._approx[at : len(self.approx)] = xs

    def _note_approx(self, x: float) -> None:
        """Keep the float of the newest group, in the list and in the NumPy mirror."""
        self.approx.append(x)
        n = len(self.approx)
        if n > len(self._approx):
            self._approx = np.concatenate([self._approx, np.zeros(len(self._approx))])
        self._approx[n - 1] = x

    def _zero_of(self, zero) -> int:
        """Group of an amount that is zero now (its slope may not be zero)."""
        slot = _key(zero)
        nid = self.id_of.get(slot)
        if nid is None:
            nid = self.id_of[slot] = len(self.budget)
            self.budget.append(zero)
            self._note_approx(0.0)
        return nid


def _key(x: Fraction | Affine) -> object:
    """Dictionary key of an amount (two amounts are one key only if equal as functions)."""
    if isinstance(x, Affine):
        return key(x)
    return x


def run_exact(
    support: Support,
    per_voter: Number | Affine,
    run: MesRun,
    *,
    record: bool,
    shares: np.ndarray,
) -> MesRun:
    """The exact engine: fill ``run`` (empty, with its share set) with what MES buys.

    Invariant: every amount is an exact rational (an :class:`Affine` of rationals when
    ``per_voter`` is one: the slope run of add1), so the outcome is MES's by definition;
    floats only order candidates and screen sums far from a tie. Never unproven.
    With ``record`` the run also keeps each purchase's payments and, for every project, the
    money its supporters held at the end. ``shares`` is ``overlap(support)``.
    """
    s = support
    if isinstance(per_voter, Affine):
        per_voter = Affine(Q(per_voter.v), Q(per_voter.s))
    else:
        per_voter = Q(per_voter)
    state = _State(s, per_voter)
    live = []
    for j in range(s.m):
        if len(s.voters[j]):
            if s.costs[j] == 0:  # free and wanted: bought before anything else
                run.selected.append(j)
            else:
                live.append(j)
    # alpha only grows as budgets shrink, so a stale alpha is a lower bound; "fresh" marks
    # the projects whose supporters have not paid since their alpha was computed.
    bound: dict[int, Fraction] = {j: 1 / Q(s.scores[j]) for j in live}
    approx = {j: float(bound[j]) for j in live}
    fresh = dict.fromkeys(live, False)
    price_of: dict[int, Fraction] = {}
    fast = state.fast
    while live:
        best_j = -1
        best: Fraction | None = None
        best_approx = 0.0
        gone = []
        # float() is monotone on exact values (a < b implies float(a) <= float(b)), so a float
        # strictly above the best float is exactly above it: that alone may end the search.
        order = (
            sorted(live, key=lambda j: (approx[j], j))
            if fast
            else sorted(live, key=lambda j: (bound[j], j))
        )
        for j in order:
            if best is not None:
                if fast and approx[j] > best_approx:
                    break
                # bound[j] is exact and alpha never falls: a project whose bound is above
                # the best, or equal to it with a higher index, cannot win this moment (without
                # the tie case, m projects tied at one alpha each needed a new price after
                # every purchase: m^2 prices a run).
                if bound[j] > best or (bound[j] == best and j > best_j):
                    if fast:
                        continue
                    break
            if not fresh[j]:
                found = state.alpha(j)
                if found is None:
                    gone.append(j)
                    continue
                bound[j], price_of[j] = found
                approx[j] = float(value(bound[j]))
                fresh[j] = True
            if best is None or bound[j] < best or (bound[j] == best and j < best_j):
                best, best_j, best_approx = bound[j], j, approx[j]
        for j in gone:
            live.remove(j)
        if best is None:
            break
        live.remove(best_j)
        payments = state.buy(best_j, price_of[best_j], record=record)
        run.selected.append(best_j)
        if record:
            run.purchases.append(
                Purchase(
                    best_j, as_fraction(value(best)), as_fraction(value(price_of[best_j])), payments
                )
            )
        row = shares[best_j]
        for j in live:
            if row[j]:
                fresh[j] = False
    if record:
        run.money_left = {j: state.money_left(j) for j in range(s.m)}
    return run
