"""Sequential Phragmén for participatory budgeting.

Los, Christoff and Grossi, *Proportional budget allocations: towards a systematization*
(IJCAI 2022). Voters earn virtual money at the same rate; a project is bought as soon as its
supporters together have earned its cost, their loads being evened out. The rule stops at the
first project bought this way that does not fit in the budget (as pabutools does, it also
stops when any project tied for that moment does not fit). It is defined on approval ballots:
on points and ranked ballots a voter supports every project they gave points to or ranked.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from allocation.pb.support import Support


def phragmen(support: Support) -> tuple[list[int], list[Fraction]]:
    """Return the projects bought, in order, and the load (time) at which each was bought."""
    s = support
    live = [j for j in range(s.m) if len(s.voters[j]) and s.costs[j] <= s.budget]
    group = np.zeros(s.n, dtype=np.int32)  # voters with equal load share a group
    loads: list[Fraction] = [Fraction(0)]
    selected: list[int] = []
    times: list[Fraction] = []
    spent = 0
    while live:
        best: Fraction | None = None
        tied: list[int] = []
        for j in live:
            counts = np.bincount(group[s.voters[j]], minlength=len(loads)).tolist()
            carried = sum((loads[g] * c for g, c in enumerate(counts) if c), start=Fraction(0))
            time = (carried + s.costs[j]) / len(s.voters[j])
            if best is None or time < best:
                best, tied = time, [j]
            elif time == best:
                tied.append(j)
        assert best is not None
        if any(spent + s.costs[j] > s.budget for j in tied):
            break
        j = min(tied)
        loads.append(best)
        group[s.voters[j]] = len(loads) - 1
        selected.append(j)
        times.append(best)
        spent += s.costs[j]
        live.remove(j)
    return selected, times
