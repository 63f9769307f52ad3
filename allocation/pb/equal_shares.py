"""The Method of Equal Shares (MES) with cost utilities, and its "add1" completion.

Peters, Pierczyński and Skowron, *Proportional participatory budgeting with additive
utilities* (NeurIPS 2021); https://equalshares.net. Each voter gets an equal share of the
budget. A project can be bought when its supporters together hold its cost; among those, the
one whose supporters pay the least per unit of utility (``alpha``) is bought next, the
supporters paying in proportion to their weight (1 per approval; the points or the Borda
score on points and ranked ballots, the "points x cost" utility), each paying at most what
they have left. Ties go to the smaller project id (as a string), as in pabutools.

Every decision is exact: budgets are Fractions. Voters are kept in groups of equal budget
(a group never changes; voters move to a new group when they pay), so a project's price is
computed from a few dozen distinct budgets rather than from every voter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from allocation.pb.affine import Affine, key, value, watch
from allocation.pb.election import Number
from allocation.pb.support import Support, overlap


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


class _State:
    """Budgets of one run, by group of voters with equal budget."""

    def __init__(self, support: Support, per_voter: Fraction | Affine) -> None:
        self.s = support
        self.group = np.ones(support.n, dtype=np.int32)  # group 0: nothing left
        zero = per_voter * 0
        self.budget: list = [zero, per_voter]
        self.id_of: dict[object, int] = {key(zero): 0, key(per_voter): 1}
        self.k = len(support.weight_values)

    def entries(self, j: int) -> list[tuple[Fraction, Number, int, int]]:
        """Supporters of j with money left, as (budget, weight, count, key); key as in ``_keys``."""
        keys, counts = self._keys(j)
        s, k = self.s, self.k
        out = []
        for packed, c in zip(keys.tolist(), counts.tolist(), strict=True):
            g, code = divmod(packed, k)
            if g:
                out.append((self.budget[g], s.weight_values[code], c, packed))
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
        return Fraction(sum((value(b) * c for b, _w, c, _k in self.entries(j)), start=0))

    def alpha(self, j: int) -> tuple[Fraction, Fraction] | None:
        """Return (alpha, price per weight unit) for j, or None when its supporters cannot pay."""
        cost = self.s.costs[j]
        entries = self.entries(j)
        if sum(b * c for b, _w, c, _k in entries) < cost:
            return None
        if self.s.codes[j] is None:
            entries.sort(key=lambda e: e[0])
        else:
            entries.sort(key=lambda e: e[0] / e[1])
        rest = Fraction(cost)
        rich = sum(w * c for _b, w, c, _k in entries)
        # Poorest first (budget per weight): a voter who cannot pay price*weight pays all
        # they have; the price is what the others must then pay per unit of weight.
        for b, w, c, _k in entries:
            if rest * w <= b * rich:
                break
            rest -= b * c
            rich -= w * c
        price = rest / rich
        return price / cost, price

    def buy(self, j: int, price: Fraction) -> list[tuple[Fraction, int]]:
        """Charge j's supporters ``price`` per weight unit (at most all they have)."""
        voters = self.s.voters[j]
        g = self.group[voters]
        codes = self.s.codes[j]
        keys = g.astype(np.int64) * self.k + (0 if codes is None else codes)
        uniq, inverse = np.unique(keys, return_inverse=True)
        new = np.empty(len(uniq), dtype=np.int32)
        paid: dict[Fraction, int] = {}
        counts = np.bincount(inverse, minlength=len(uniq)).tolist()
        for i, packed in enumerate(uniq.tolist()):
            gid, code = divmod(packed, self.k)
            b = self.budget[gid]
            pay = min(b, price * self.s.weight_values[code])
            left = b - pay
            nid = self.id_of.get(key(left))
            if nid is None:
                nid = self.id_of[key(left)] = len(self.budget)
                self.budget.append(left)
            new[i] = nid
            amount = Fraction(value(pay))
            if amount:
                paid[amount] = paid.get(amount, 0) + counts[i]
        self.group[voters] = new[inverse.ravel()]
        return sorted(paid.items(), reverse=True)


def run_mes(support: Support, per_voter: Number | Affine, *, record: bool = False,
            shares: np.ndarray | None = None) -> MesRun:
    """Run MES once with ``per_voter`` for each voter; return what it bought, in order.

    With ``record`` the run also keeps each purchase's payments and, for every project, the
    money its supporters held at the end. ``shares`` is ``overlap(support)`` when the caller
    has it already (it is the same for every run of an election).
    """
    s = support
    if not isinstance(per_voter, Affine):
        per_voter = Fraction(per_voter)
    run = MesRun(budget_per_voter=Fraction(value(per_voter)), selected=[])
    if s.n == 0:
        return run
    shares = overlap(s) if shares is None else shares
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
    bound: dict[int, Fraction] = {j: Fraction(1, s.scores[j]) for j in live}
    fresh = dict.fromkeys(live, False)
    price_of: dict[int, Fraction] = {}
    while live:
        best_j = -1
        best: Fraction | None = None
        gone = []
        for j in sorted(live, key=lambda j: (bound[j], j)):
            if best is not None and bound[j] > best:
                break
            if not fresh[j]:
                found = state.alpha(j)
                if found is None:
                    gone.append(j)
                    continue
                bound[j], price_of[j] = found
                fresh[j] = True
            if best is None or bound[j] < best or (bound[j] == best and j < best_j):
                best, best_j = bound[j], j
        for j in gone:
            live.remove(j)
        if best is None:
            break
        live.remove(best_j)
        payments = state.buy(best_j, price_of[best_j])
        run.selected.append(best_j)
        if record:
            run.purchases.append(Purchase(best_j, Fraction(value(best)),
                                          Fraction(value(price_of[best_j])), payments))
        row = shares[best_j]
        for j in live:
            if row[j]:
                fresh[j] = False
    if record:
        run.money_left = {j: state.money_left(j) for j in range(s.m)}
    return run


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


def equal_shares(support: Support, *, record: bool = False) -> MesRun:
    """MES with an equal share B/n of the budget per voter, no completion."""
    if support.n == 0:
        return MesRun(Fraction(0), [])
    return run_mes(support, Fraction(support.budget) / support.n, record=record)


def equal_shares_add1(support: Support, *, record: bool = False) -> MesRun:
    """MES with the "add1" completion cities use.

    Rerun with every voter's budget B/n, B/n + 1, B/n + 2, ... until the outcome is
    exhaustive (keep it) or costs more than B (keep the previous one), as pabutools'
    ``voter_budget_increment=1`` does. ``runs`` counts the MES runs made.
    """
    s = support
    if s.n == 0:
        return MesRun(Fraction(0), [])
    shares = overlap(s)
    start = Fraction(s.budget) / s.n
    previous = MesRun(start, [])
    step = runs = 0
    # Tracking slopes costs about three times a plain run, and on large electorates the
    # proof rarely reaches the next whole step: probe with it, back off while it does not pay.
    plain_runs_left = wait = 0
    while True:
        if plain_runs_left:
            plain_runs_left -= 1
            run = run_mes(s, start + step, shares=shares)
            jump = 1
        else:
            with watch() as room:
                run = run_mes(s, Affine(start + step, 1), shares=shares)
            # Every run with a budget in [start + step, start + step + room) decides as this
            # one did (see affine.py): jump to the first whole step that may decide otherwise.
            jump = 1 if room.limit is None else max(1, math.ceil(room.limit))
            wait = 0 if jump > 1 else min(64, 2 * wait + 1)
            plain_runs_left = wait
        runs += 1
        if spent(s, run.selected) > s.budget:
            chosen = previous
            break
        if is_exhaustive(s, run.selected):
            chosen = run
            break
        step += jump
        previous = MesRun(start + step - 1, run.selected)
    if record and chosen.selected:
        chosen = run_mes(s, chosen.budget_per_voter, record=True, shares=shares)
    chosen.runs = runs
    return chosen
