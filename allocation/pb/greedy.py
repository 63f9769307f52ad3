"""Utilitarian greedy: projects by score, highest first.

Score is the number of approvals, the total points, or the Borda points. Ties go to the
smaller project id (as a string), as in pabutools. A project nobody supports is never funded,
even when money is left (pabutools' greedy would fund it; we do not).
"""

from __future__ import annotations

from dataclasses import dataclass

from allocation.pb.election import Number
from allocation.pb.support import Support


@dataclass
class GreedyStep:
    """One project as greedy came to it: the money left at that moment and whether it was funded."""

    project: int
    money_left: Number
    funded: bool


def greedy_order(support: Support, threshold: Number | None = None) -> list[int]:
    """Supported projects (reaching ``threshold`` when given), highest score first."""
    return sorted(
        (
            j
            for j in range(support.m)
            if support.scores[j] > 0 and (threshold is None or support.scores[j] >= threshold)
        ),
        key=lambda j: (-support.scores[j], j),
    )


def greedy(
    support: Support,
    *,
    skip: bool = True,
    threshold: Number | None = None,
    already: list[int] | None = None,
) -> tuple[list[int], list[GreedyStep]]:
    """Fund projects by score while money lasts; return (selected, steps).

    ``skip``: pass over a project that no longer fits (False: stop there). ``already``:
    projects funded before (the money they cost is gone, and they are not counted again).
    """
    chosen = list(already or [])
    left = support.budget - sum((support.costs[j] for j in chosen), start=0)
    taken = set(chosen)
    steps = []
    for j in greedy_order(support, threshold):
        if j in taken:
            continue
        fits = support.costs[j] <= left
        steps.append(GreedyStep(j, left, fits))
        if fits:
            chosen.append(j)
            left -= support.costs[j]
        elif not skip:
            break
    return chosen, steps
