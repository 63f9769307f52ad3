"""The documented pabutools call for each of our rules (the test oracle; see docs/counting.md).

Used by the live comparison tests and by ``make_reference.py``, which records what these
calls return on the big files. Never imported by ``allocation/``.
"""

from __future__ import annotations

from pabutools.election import (
    AdditiveSatisfaction,
    ApprovalBallot,
    ApprovalProfile,
    Cost_Sat,
    Instance,
    Project,
)
from pabutools.election.ballot import AbstractApprovalBallot, AbstractOrdinalBallot
from pabutools.rules import (
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
    sequential_phragmen,
)
from pabutools.tiebreaking import lexico_tie_breaking


def _weight(ballot, project) -> int:
    """1 per approval; the points of a points ballot; Borda (length minus position) if ranked."""
    if isinstance(ballot, AbstractApprovalBallot):
        return 1 if project in ballot else 0
    if isinstance(ballot, AbstractOrdinalBallot):
        ranking = list(ballot)
        return len(ranking) - ranking.index(project) if project in ranking else 0
    return ballot.get(project, 0)


class PointsTimesCost(AdditiveSatisfaction):
    """Satisfaction weight x cost: greedy then orders by total weight, MES shares by weight."""

    def __init__(self, instance, profile, ballot):
        super().__init__(
            instance, profile, ballot, lambda inst, prof, b, p, pre: _weight(b, p) * p.cost
        )


def sat_class(profile):
    """Cost_Sat for approval ballots, points x cost for points and ranked ballots."""
    first = next(iter(profile), None)
    return Cost_Sat if isinstance(first, AbstractApprovalBallot) else PointsTimesCost


def supported(profile) -> set[str]:
    """Ids of the projects at least one ballot supports."""
    ids: set[str] = set()
    for ballot in profile:
        for project in ballot:
            if _weight(ballot, project) > 0:
                ids.add(project.name)
    return ids


def score(profile, project) -> int:
    """Total weight a project receives."""
    return sum(_weight(b, project) * profile.multiplicity(b) for b in profile)


def as_approval(instance: Instance, profile):
    """The approval profile where each voter approves every project they supported."""
    if isinstance(next(iter(profile), None), AbstractApprovalBallot):
        return profile
    return ApprovalProfile(
        [ApprovalBallot([p for p in b if _weight(b, p) > 0]) for b in profile], instance=instance
    )


def reference(rule: str, instance: Instance, profile, meta: dict) -> list[str]:
    """Project ids pabutools selects for ``rule``, unsupported projects dropped, in its order."""
    sat = sat_class(profile)
    if rule == "greedy":
        out = greedy_utilitarian_welfare(instance, profile, sat_class=sat)
    elif rule == "greedy-threshold":
        threshold = float(meta["min_project_score_threshold"])
        kept = Instance(
            [p for p in instance if score(profile, p) >= threshold],
            budget_limit=instance.budget_limit,
        )
        out = greedy_utilitarian_welfare(kept, profile, sat_class=sat)
    elif rule == "greedy-no-skip":  # honours a threshold the file gives (docs/counting.md)
        if "min_project_score_threshold" in meta:
            threshold = float(meta["min_project_score_threshold"])
            instance = Instance(
                [p for p in instance if score(profile, p) >= threshold],
                budget_limit=instance.budget_limit,
            )
        out = _greedy_prefix(instance, profile, sat)
    elif rule == "mes":
        out = method_of_equal_shares(instance, profile, sat_class=sat)
    elif rule == "mes-add1":
        out = method_of_equal_shares(instance, profile, sat_class=sat, voter_budget_increment=1)
    elif rule == "mes-add1-greedy":
        out = completion_by_rule_combination(
            instance,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": sat, "voter_budget_increment": 1}, {"sat_class": sat}],
        )
    elif rule == "phragmen":
        out = sequential_phragmen(instance, as_approval(instance, profile))
    else:
        raise ValueError(rule)
    wanted = supported(profile)
    return [p.name for p in out if p.name in wanted]


def _greedy_prefix(instance: Instance, profile, sat) -> list[Project]:
    """greedy-no-skip: pabutools' greedy order, cut at the first project that does not fit.

    pabutools has no such rule; the order is computed exactly as its additive greedy does
    (lexicographic tie-breaking, then total satisfaction per unit of cost).
    """
    sat_profile = profile.as_sat_profile(sat)
    projects = lexico_tie_breaking.order(instance, profile, sorted(instance))

    def density(p):
        total = sat_profile.total_satisfaction_project(p)
        return (total / p.cost if p.cost else float("inf")) if total > 0 else 0

    order = sorted(projects, key=lambda p: (-density(p), projects.index(p)))
    left, out = instance.budget_limit, []
    for p in order:
        if p.cost > left:
            break
        out.append(p)
        left -= p.cost
    return out
