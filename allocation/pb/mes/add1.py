"""The "add1" completion of Equal Shares, without rerunning it a thousand times.

add1 reruns Equal Shares with each voter's budget ``B/n``, ``B/n + 1``, ``B/n + 2``... and keeps
the first outcome that is exhaustive, or the one before the first that costs more than ``B``
(pabutools' ``voter_budget_increment=1``). On a city-wide file that is hundreds of reruns.

Two exact proofs let us skip reruns whose outcome is already known:

* **Whole intervals** (:func:`same_outcome_for_budgets`): run Equal Shares once on *intervals*
  of budgets, every voter's budget known only to lie in ``[lo, hi]`` for all per-voter budgets
  in ``[x, x + d]``. A project's price only falls when its supporters have more money, so
  prices and payments get exact bounds; if every choice (which project is cheapest, which is
  affordable) is the same at both ends of every bound, every budget in the interval selects
  the same projects, and the ``d + 1`` whole steps in it need no rerun.
* **Slopes** (see ``affine.py``): a plain run that also tracks how each amount moves with the
  budget proves how far the budget may rise before any decision could change.

Both are used only to skip; any doubt falls back to an ordinary exact rerun.

When every weight is a whole number (approval, Borda, integer points: every shared file), the
search runs on ``batch.py`` instead (:func:`_add1_batch`): float runs for many shares at
once, whose every decision is proven by rigorous error bounds; a share whose run meets a
near-tie is run alone (floats, then exact rationals).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import NamedTuple

import numpy as np

from allocation.pb.election import Number
from allocation.pb.mes import batch, classes, floats
from allocation.pb.mes.affine import Affine, watch
from allocation.pb.mes.chain import run_mes
from allocation.pb.mes.exact import float_order, walk
from allocation.pb.mes.outcome import UNPROVEN, MesRun, Q, Selection, is_exhaustive, spent
from allocation.pb.support import Support, overlap

_MAX_SPAN = 1 << 12
# Beyond this many voters budgets part ways at almost every step, so the slope proof (three
# plain runs' worth of work) almost never reaches the next step: use plain runs.
_SLOPES_UP_TO = 1000
# Budgets (runs x classes of ballots) in the first batch of the batched search (see _add1_batch).
FIRST_BATCH = 250_000
# A batch of R runs does about R x m^2 array work (m moments, each over an R x m matrix): the
# first batch holds at most this many, so that 500 projects start with 80 runs, not 512.
_MOMENT_CELLS = 20_000_000
# After a batch that selected the same projects throughout, slope probes (see _add1_batch)
# continue until two in a row prove fewer than this many shares.
_PROBE_PAYS = 64


def _price(entries: list[tuple[object, object, int, float]], cost) -> object:
    """Price per weight unit at which supporters (budget, weight, count, float ratio) pay ``cost``.

    The entries must hold at least ``cost`` in all; they are put poorest first here, by the
    float ratio where floats are far enough apart to be trusted, else exactly.
    """
    order = float_order(np.array([e[3] for e in entries]))
    if order is None:
        entries.sort(key=lambda e: e[0] / e[1])
    else:
        entries = [entries[i] for i in order.tolist()]
    return walk(entries, cost)[1]


class Bounds(NamedTuple):
    """A project's alpha and price over an interval of shares (``same_outcome_for_budgets``):
    each lies between its low and high bound for every share in the interval; ``alpha_high``
    and ``price_high`` are None when the project may be unaffordable somewhere in it."""

    alpha_low: Fraction
    alpha_high: Fraction | None
    price_low: Fraction
    price_high: Fraction | None


class Verdict(NamedTuple):
    """What the add1 search makes of one selection: its cost, whether that is over the
    budget, and whether the search stops at it (exhaustive, or every supported project in)."""

    cost: Number
    over: bool
    done: bool


def same_outcome_for_budgets(support: Support, low, high, shares: np.ndarray) -> Selection:
    """Projects Equal Shares selects for every per-voter budget in ``[low, high]``, or UNPROVEN.

    The interval engine. Invariant: every voter's budget, for every share in the interval, lies
    in the group's ``[lo, hi]``, and a choice is taken only when it is the same at both ends of
    every bound. UNPROVEN means the proof did not go through (the outcome may or may not
    change inside the interval); a list is exact for every budget in the interval.
    """
    s = support
    costs = [Q(c) for c in s.costs]
    weights = [Q(w) for w in s.weight_values]
    kk = len(weights)
    group = np.ones(s.n, dtype=np.int32)
    lo: list = [Q(0), Q(low)]
    hi: list = [Q(0), Q(high)]
    approx_lo = [0.0, float(low)]
    approx_hi = [0.0, float(high)]
    id_of: dict[tuple, int] = {(lo[0], hi[0]): 0, (lo[1], hi[1]): 1}
    selected = [j for j in range(s.m) if len(s.voters[j]) and s.costs[j] == 0]
    live = [j for j in range(s.m) if len(s.voters[j]) and s.costs[j] > 0]
    # Lower bounds on each project's cheapest possible price per utility (alpha), valid for
    # the rest of the run because budgets only fall.
    floor = {j: 1 / Q(s.scores[j]) for j in live}
    fresh = dict.fromkeys(live, False)
    known: dict[int, Bounds] = {}

    def entries(j: int):
        g = group[s.voters[j]]
        codes = s.codes[j]
        if codes is None:
            counts = np.bincount(g, minlength=len(lo))
            keys = np.flatnonzero(counts)
            pairs = zip(keys.tolist(), counts[keys].tolist(), strict=True)
            return [(gid, 1, 1, c) for gid, c in pairs if gid]
        keys, counts = np.unique(g.astype(np.int64) * kk + codes, return_counts=True)
        out = []
        for packed, c in zip(keys.tolist(), counts.tolist(), strict=True):
            gid, code = divmod(packed, kk)
            if gid:
                out.append((gid, weights[code], float(weights[code]), c))
        return out

    def bounds(j: int) -> Bounds | str:
        """j's :class:`Bounds` over the interval, or "gone" when surely unaffordable."""
        cost = costs[j]
        es = entries(j)
        if sum(hi[g] * c for g, _w, _f, c in es) < cost:
            return "gone"
        price_low = _price([(hi[g], w, c, approx_hi[g] / f) for g, w, f, c in es], cost)
        if sum(lo[g] * c for g, _w, _f, c in es) < cost:
            return Bounds(price_low / cost, None, price_low, None)
        price_high = _price([(lo[g], w, c, approx_lo[g] / f) for g, w, f, c in es], cost)
        return Bounds(price_low / cost, price_high / cost, price_low, price_high)

    while live:
        order = sorted(live, key=lambda j: (float(floor[j]), j))
        winner = -1
        top = None  # the winner's highest possible alpha
        looked = []
        gone = []
        for j in order:
            if top is not None and floor[j] > top:
                break
            if not fresh[j]:
                b = bounds(j)
                if b == "gone":
                    gone.append(j)
                    continue
                known[j] = b
                floor[j] = b.alpha_low
                fresh[j] = True
            looked.append(j)
            high_j = known[j].alpha_high
            if high_j is not None and (
                top is None or high_j < top or (high_j == top and j < winner)
            ):
                top, winner = high_j, j
        for j in gone:
            live.remove(j)
        if top is None:
            if any(known[j].alpha_high is None for j in looked):
                return UNPROVEN  # some project may still be affordable: no proof
            break
        for j in looked:
            low_j = known[j].alpha_low
            if j != winner and not (low_j > top or (low_j == top and winner < j)):
                return UNPROVEN  # another project might be cheaper somewhere in the interval
        price_low, price_high = known[winner].price_low, known[winner].price_high
        live.remove(winner)
        selected.append(winner)
        voters = s.voters[winner]
        codes = s.codes[winner]
        g = group[voters]
        keys = g.astype(np.int64) * kk + (0 if codes is None else codes)
        uniq, inverse = np.unique(keys, return_inverse=True)
        new = np.empty(len(uniq), dtype=np.int32)
        for i, packed in enumerate(uniq.tolist()):
            gid, code = divmod(packed, kk)
            w = weights[code]
            # Pays min(budget, price * weight): what is left rises with the budget and
            # falls with the price, so the bounds pair low budget with high price.
            new_lo = max(Q(0), lo[gid] - price_high * w)
            new_hi = max(Q(0), hi[gid] - price_low * w)
            nid = id_of.get((new_lo, new_hi))
            if nid is None:
                nid = id_of[(new_lo, new_hi)] = len(lo)
                lo.append(new_lo)
                hi.append(new_hi)
                approx_lo.append(float(new_lo))
                approx_hi.append(float(new_hi))
            new[i] = nid
        group[voters] = new[inverse.ravel()]
        row = shares[winner]
        for j in live:
            if row[j]:
                fresh[j] = False
    return selected


def equal_shares_add1(
    support: Support, *, record: bool = False, stop_when_exhaustive: bool = True
) -> MesRun:
    """MES with the "add1" completion cities use.

    Rerun with every voter's budget B/n, B/n + 1, B/n + 2, ... until the outcome is
    exhaustive (keep it) or costs more than B (keep the previous one), as pabutools'
    ``voter_budget_increment=1`` does. With ``stop_when_exhaustive=False`` only overspending
    stops the search (the last outcome that fits is kept): the variant that reproduces the
    published Wieliczka 2023 result (docs/counting.md). ``runs`` counts the Equal Shares runs actually made
    (interval proofs included).
    """
    s = support
    if s.n == 0:
        return MesRun(Fraction(0), [])
    shares = overlap(s)
    wanted = sum(1 for j in range(s.m) if len(s.voters[j]))
    if floats.usable(s) and classes.batch_usable(s):
        chosen = _add1_batch(s, shares, wanted, stop_when_exhaustive)
        if record and chosen.selected:
            runs = chosen.runs
            chosen = run_mes(s, chosen.budget_per_voter, exact=True, record=True, shares=shares)
            chosen.runs = runs
        return chosen
    start = Fraction(s.budget) / s.n
    previous = MesRun(start, [])
    step = runs = 0
    span = 4  # whole steps the next interval proof tries to cover
    plain_runs_left = wait = 0
    proof_pause = proof_wait = 0  # back off from interval proofs while they keep failing
    while True:
        chosen = None
        if proof_pause:
            proof_pause -= 1
        elif span >= 2:
            runs += 1
            found = same_outcome_for_budgets(s, start + step, start + step + span - 1, shares)
            if found is not UNPROVEN:
                # One outcome for steps step .. step + span - 1: the stop test gives the
                # same answer at each, so it is decided at the first of them.
                if spent(s, found) > s.budget:
                    chosen = previous
                elif (stop_when_exhaustive and is_exhaustive(s, found)) or len(found) == wanted:
                    chosen = MesRun(start + step, found)
                else:
                    step += span
                    previous = MesRun(start + step - 1, found)
                    span = min(2 * span, _MAX_SPAN)
                    proof_wait = 0
                    continue
                break
            if span == 2:
                proof_wait = min(64, 2 * proof_wait + 1)
                proof_pause = proof_wait
            span //= 2
        if plain_runs_left or s.n > _SLOPES_UP_TO:
            plain_runs_left = max(0, plain_runs_left - 1)
            run = run_mes(s, start + step, shares=shares)
            jump = 1
        else:
            with watch() as room:
                run = run_mes(s, Affine(start + step, 1), shares=shares)
            # Every run with a budget in [start + step, start + step + room) decides as this
            # one did (see affine.py): jump to the first whole step that may decide otherwise.
            jump = 1 if room.limit is None else max(1, math.ceil(room.limit))
            # Tracking slopes costs about three plain runs; on large electorates the proof
            # rarely reaches the next step, so back off while it does not pay.
            wait = 0 if jump > 1 else min(64, 2 * wait + 1)
            plain_runs_left = wait
        runs += 1
        if spent(s, run.selected) > s.budget:
            chosen = previous
            break
        # Once every supported project is in, raising shares changes nothing more.
        if (stop_when_exhaustive and is_exhaustive(s, run.selected)) or len(run.selected) == wanted:
            chosen = run
            break
        step += jump
        previous = MesRun(start + step - 1, run.selected)
        span = max(span, 2)
    assert chosen is not None
    if record and chosen.selected:
        chosen = run_mes(s, chosen.budget_per_voter, exact=True, record=True, shares=shares)
    chosen.runs = runs
    return chosen


def _add1_batch(s: Support, shares: np.ndarray, wanted: int, stop_when_exhaustive: bool) -> MesRun:
    """add1 with many float runs in step (batch.py); a run not proven goes alone.

    Where a whole batch selects the same projects the search is on a plateau (forint budgets:
    Budapest VIII stays on one selection for thousands of shares): a slope run (affine.py)
    proves how far the share may rise before any decision of the run could change, and the
    search jumps there, probing again until two probes in a row jump fewer than
    ``_PROBE_PAYS`` shares (on Budapest VIII a probe costs about as much as 30 shares of a
    batch), then batches again from the first batch's size. Only up to ``_SLOPES_UP_TO``
    voters: a probe is one exact run, and on Budapest 2024 (28,943 voters) probes cost four
    times the stepping they saved. The shares
    jumped over select exactly what the probe selected, so the result is the one stepping
    one unit at a time gives (tests/allocation/pb/test_add1_jumps.py).
    """
    start = Fraction(s.budget) / s.n
    previous = MesRun(start, [])
    step = runs = 0
    kinds = max(1, classes.classes(s).n)  # classes of identical ballots
    # The first batch holds about 250,000 budgets (16 to 512 runs): a small electorate is
    # usually done in one batch, a large one starts small so that little is computed past the
    # share where the search stops. Then twice as many runs each time, within CELLS budgets,
    # and no more than the spending's trend says are left before it passes the budget.
    size = first = min(
        512, max(16, FIRST_BATCH // kinds), max(16, _MOMENT_CELLS // max(1, s.m) ** 2)
    )
    judged: dict[tuple[int, ...], Verdict] = {}

    def judge(selected: list[int]) -> Verdict:
        # Neighbouring shares mostly select the same projects: judge each selection once.
        key = tuple(selected)
        if key not in judged:
            cost = spent(s, selected)
            judged[key] = Verdict(
                cost,
                cost > s.budget,
                (stop_when_exhaustive and is_exhaustive(s, selected)) or len(selected) == wanted,
            )
        return judged[key]

    while True:
        count = min(size, max(8, batch.CELLS // kinds))
        budgets = [start + step + t for t in range(count)]
        outs = batch.outcomes(s, budgets, shares)
        runs += count
        spends = []
        seen = set()
        for selected in outs:
            if selected is UNPROVEN:
                selected = run_mes(s, start + step, shares=shares).selected
                runs += 1
            cost, over, done = judge(selected)
            if over:
                previous.runs = runs
                return previous
            if done:
                return MesRun(start + step, selected, runs=runs)
            previous = MesRun(start + step, selected)
            spends.append(cost)
            seen.add(tuple(selected))
            step += 1
        if len(seen) == 1 and s.n <= _SLOPES_UP_TO:  # a plateau: jump while jumps are long
            short = 0
            while short < 2:
                with watch() as room:
                    run = run_mes(s, Affine(start + step, 1), shares=shares)
                runs += 1
                cost, over, done = judge(run.selected)
                if over:
                    previous.runs = runs
                    return previous
                if done:
                    return MesRun(start + step, run.selected, runs=runs)
                jump = 1 if room.limit is None else max(1, math.ceil(room.limit))
                step += jump
                previous = MesRun(start + step - 1, run.selected)
                short = short + 1 if jump < _PROBE_PAYS else 0
            size = first
            continue
        size *= 2
        rise = (spends[-1] - spends[0]) / max(1, len(spends) - 1)
        if rise > 0:
            left = float((s.budget - spends[-1]) / rise)
            size = min(size, max(8, math.ceil(1.25 * left) + 4))
