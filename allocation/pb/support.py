"""Who supports what, as arrays the rules can count fast.

Projects are put in tie-break order (by default the project id compared as a string, as
pabutools does; ``TIE_BREAKS`` lists the others), so "the lower index wins a tie" everywhere in
the rules. Each project keeps the indices of its
supporters and, for points and ranked ballots, a code for each supporter's weight; the exact
weights live in ``weight_values`` (ints or Fractions), never in floats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from itertools import chain
from operator import attrgetter

import numpy as np

from allocation.pb.election import Election, Number


@dataclass
class Support:
    """An election reduced to what the counting rules read.

    ``ids[j]``, ``costs[j]``: project j in tie-break order. ``voters[j]``: indices of its
    supporters (int32, ascending). ``codes[j]``: for each supporter, an index into
    ``weight_values`` (None when every weight is 1, as for approval ballots).
    ``scores[j]``: total weight (approvals, points or Borda points). ``n``: number of ballots,
    empty ones included (each voter gets an equal share of the budget in Equal Shares).
    """

    ids: list[str]
    costs: list[Number]
    budget: Number
    n: int
    voters: list[np.ndarray]
    codes: list[np.ndarray | None]
    weight_values: list[Number]
    scores: list[Number]
    # Caches of the Equal Shares engines (``mes/``), filled on first use because add1 reruns
    # a count hundreds of times. Each holds what it was computed from, and is rebuilt when
    # that no longer matches (a test may edit a support in place). Not part of equality.
    # float_costs: (costs, [(float, error bound)] per cost), by mes.floats.float_costs;
    # float_weights: (codes, weight values, per project float weights), by float_weights;
    # ballot_classes: (voters, codes, weight values, Classes), by mes.classes.classes.
    float_costs: tuple | None = field(default=None, init=False, repr=False, compare=False)
    float_weights: tuple | None = field(default=None, init=False, repr=False, compare=False)
    ballot_classes: tuple | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def m(self) -> int:
        """Number of projects."""
        return len(self.ids)


TIE_BREAKS = ("id-text", "id-number", "cheaper-first")


def tie_order(
    election: Election, tie_break: str = "id-text", *, reverse: bool = False
) -> list[str]:
    """Project ids in tie-break order: the first wins a tie.

    ``id-text``: the id compared as text (pabutools' default, "1534" before "64");
    ``id-number``: ids that are whole numbers by their value, before the others (as text);
    ``cheaper-first``: the cheaper project, then the id as text. ``reverse``: the opposite
    order (used to find the projects a tie decided). Raises ValueError for another name.
    """
    if tie_break == "id-text":
        ids = sorted(p.id for p in election.projects)
    elif tie_break == "id-number":
        ids = sorted((p.id for p in election.projects), key=_as_number_first)
    elif tie_break == "cheaper-first":
        ids = [p.id for p in sorted(election.projects, key=lambda p: (p.cost, p.id))]
    else:
        raise ValueError(f"unknown tie-break {tie_break!r}; choose one of {', '.join(TIE_BREAKS)}")
    return ids[::-1] if reverse else ids


def _as_number_first(pid: str) -> tuple[int, int, str]:
    text = pid.strip()
    if text.isascii() and text.isdigit():
        return (0, int(text), pid)
    return (1, 0, pid)


def build_support(
    election: Election,
    *,
    as_approval: bool = False,
    tie_break: str = "id-text",
    reverse_ties: bool = False,
) -> Support:
    """Return the support arrays of ``election``, projects in ``tie_break`` order.

    With ``as_approval`` every supported project gets weight 1 (for rules defined on
    approval ballots only, such as Phragmén). Raises ValueError for an unknown tie-break,
    nothing else: the election is already sound.
    """
    ids = tie_order(election, tie_break, reverse=reverse_ties)
    index = {pid: j for j, pid in enumerate(ids)}
    cost_of = {p.id: p.cost for p in election.projects}
    m = len(ids)
    weighted = not as_approval and election.vote_type not in ("approval", "choose-1")
    # Every (voter, project, weight) as flat lists, voter by voter, leaving out weights <= 0.
    votes = list(map(attrgetter("vote"), election.ballots))
    weights: list[Number] | None = None
    if not any(issubclass(kind, dict) for kind in set(map(type, votes))):  # approvals, rankings
        flat: list[str] = list(chain.from_iterable(votes))
        lengths = list(map(len, votes))
        if weighted:  # a ranking's Borda points: its length minus the position
            weights = [k - i for k in lengths for i in range(k)]
    else:  # points (a ranking among them gets Borda points, as above)
        flat, lengths, weights = [], [], []
        for vote in votes:
            if isinstance(vote, dict):
                items = [(p, w) for p, w in vote.items() if w > 0]
            else:
                items = [(p, len(vote) - i) for i, p in enumerate(vote)]
            flat.extend(p for p, _w in items)
            weights.extend(w for _p, w in items)
            lengths.append(len(items))
        if not weighted:
            weights = None
    project = np.fromiter(map(index.__getitem__, flat), dtype=np.int32, count=len(flat))
    voter = np.repeat(np.arange(len(votes), dtype=np.int32), lengths)
    # Grouped by project, voters ascending within each (a stable sort keeps their order).
    order = np.argsort(project, kind="stable")
    bounds = np.searchsorted(project[order], np.arange(m + 1))
    voters = [voter[order[bounds[j] : bounds[j + 1]]] for j in range(m)]
    weight_values: list[Number] = [1]
    codes: list[np.ndarray | None] = [None] * m
    if weights is not None:
        code_of: dict[Number, int] = {}
        code = np.fromiter(
            (code_of.setdefault(w, len(code_of)) for w in weights),
            dtype=np.int32,
            count=len(weights),
        )
        weight_values = list(code_of)
        codes = [code[order[bounds[j] : bounds[j + 1]]] for j in range(m)]
    scores: list[Number] = []
    for j in range(m):
        if codes[j] is None:
            scores.append(len(voters[j]))
        else:
            counts = np.bincount(codes[j], minlength=len(weight_values)).tolist()
            total = sum((weight_values[c] * k for c, k in enumerate(counts) if k), start=0)
            scores.append(_whole(total))
    return Support(
        ids=ids,
        costs=[cost_of[i] for i in ids],
        budget=election.budget,
        n=len(election.ballots),
        voters=voters,
        codes=codes,
        weight_values=weight_values,
        scores=scores,
    )


def _whole(x: Number) -> Number:
    if isinstance(x, Fraction) and x.denominator == 1:
        return int(x)
    return x


def overlap(support: Support) -> np.ndarray:
    """Return an m x m boolean matrix: True where two projects share at least one supporter."""
    m, n = support.m, support.n
    if m == 0 or n == 0:
        return np.zeros((m, m), dtype=bool)
    # Each voter's projects as bits (64 a word); a project's row is the OR of its supporters'
    # bits. Linear in the number of approvals (a dense m x n product cost more than the count).
    words = (m + 63) // 64
    bits = np.zeros((n, words), dtype=np.uint64)
    for j, v in enumerate(support.voters):
        bits[v, j // 64] |= np.uint64(1 << (j % 64))
    out = np.zeros((m, m), dtype=bool)
    shifts = np.arange(64, dtype=np.uint64)
    for j, v in enumerate(support.voters):
        if len(v):
            row = np.bitwise_or.reduce(bits[v], axis=0)
            flags = ((row[:, None] >> shifts[None, :]) & np.uint64(1)).astype(bool).ravel()
            out[j] = flags[:m]
    return out
