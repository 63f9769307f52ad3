"""Why each project was or was not funded, as data the result pages render.

For every project: funded or not, its supporters, score and cost. Under Equal Shares, a funded
project shows how its cost was shared among its supporters; a project left out shows the money
its supporters still held, what it lacked, and how much they had spent on other projects they
also backed. Under greedy rules, a project left out shows the money left when its turn came.
The whole result carries spend, reach, and greedy beside Equal Shares for the same ballots.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from allocation.pb.election import Election, Number
from allocation.pb.metrics import Comparison, ResultFigures, compare, figures, json_number
from allocation.pb.rules import RULES, Count, run_rule

TIE_WORDS = {
    "id-text": "the project id read as text (the smaller first)",
    "id-number": "the project number (the smaller first)",
    "cheaper-first": "cost (the cheaper first)",
}

# What happened to a project, as codes the pages turn into sentences.
FUNDED = "funded"
FUNDED_BY_COMPLETION = "funded_by_greedy_completion"
NO_SUPPORT = "no_support"
BELOW_THRESHOLD = "below_score_threshold"
DID_NOT_FIT = "did_not_fit"
NOT_REACHED = "not_reached"
MONEY_SPENT_ELSEWHERE = "supporters_money_spent_on_other_projects"
TOO_LITTLE_SUPPORT = "too_little_support"
TOO_EXPENSIVE = "costs_more_than_the_budget"


@dataclass
class CostShare:
    """``voters`` supporters each paid ``amount`` towards a project."""

    amount: Number
    voters: int


@dataclass
class ProjectExplanation:
    """One project's line in the result.

    ``lacked``: the money missing when it was left out (its cost minus what its supporters
    still held under Equal Shares, or minus the money left when its turn came under greedy).
    ``highest_cost_that_fits``: the cost at which it would have been affordable at that point.
    """

    id: str
    name: str
    cost: Number
    funded: bool
    outcome: str
    supporters: int
    score: Number
    position: int | None = None
    cost_shares: list[CostShare] = field(default_factory=list)
    supporters_money_left: Number | None = None
    spent_by_supporters_on_other_projects: Number | None = None
    money_left_when_considered: Number | None = None
    lacked: Number | None = None
    highest_cost_that_fits: Number | None = None
    # True when a tie decided whether it was funded: breaking ties the opposite way would
    # have changed that; ``tie_note`` says so in words.
    decided_by_tie: bool = False
    tie_note: str | None = None

    def to_dict(self) -> dict[str, object]:
        """Return the line as JSON-ready data (amounts as numbers, exact when whole)."""
        out: dict[str, object] = {}
        for k, v in self.__dict__.items():
            if k == "cost_shares":
                out[k] = [{"amount": json_number(c.amount), "voters": c.voters} for c in v]
            elif isinstance(v, Fraction | int) and not isinstance(v, bool):
                out[k] = json_number(v)
            else:
                out[k] = v
        return out


@dataclass
class Explanation:
    """The explained result of one rule, with greedy against Equal Shares beside it."""

    rule: str
    rule_name: str
    budget: Number
    budget_per_voter: Number | None
    result: ResultFigures
    projects: list[ProjectExplanation]
    comparison: Comparison | None

    def to_dict(self) -> dict[str, object]:
        """Return the explanation as JSON-ready data."""
        return {
            "rule": self.rule,
            "rule_name": self.rule_name,
            "budget": json_number(self.budget),
            "budget_per_voter": None
            if self.budget_per_voter is None
            else json_number(self.budget_per_voter),
            "result": self.result.to_dict(),
            "projects": [p.to_dict() for p in self.projects],
            "comparison": None if self.comparison is None else self.comparison.to_dict(),
        }


def explain(
    election: Election, rule: str, *, compare_rules: bool = True, tie_break: str = "id-text"
) -> Explanation:
    """Count ``election`` with ``rule`` and explain every project.

    ``compare_rules``: also count greedy and Equal Shares (add1) for the side-by-side.
    ``tie_break``: as for :func:`count`. A project whose funding a tie decided (the count
    with ties broken the opposite way funds it where this one does not, or the reverse) is
    marked ``decided_by_tie``, with a sentence in ``tie_note``.
    Raises RuleError (a ValueError) when the rule is unknown or cannot apply.
    """
    done = run_rule(election, rule, record=True, tie_break=tie_break)
    other = run_rule(election, rule, tie_break=tie_break, reverse_ties=True)
    s = done.support
    result = figures(s, done.rule, done.selected)
    names = {p.id: p.name for p in election.projects}
    supporters_of = {s.ids[j]: len(s.voters[j]) for j in range(s.m)}
    lines = [_line(done, j, names, supporters_of) for j in range(s.m)]
    funded_other = {other.support.ids[j] for j in other.selected}
    for line in lines:
        if line.funded != (line.id in funded_other):
            line.decided_by_tie = True
            line.tie_note = (
                f"A tie decided this: ties were broken by {TIE_WORDS[tie_break]}; broken the "
                f"other way, this project would {'not ' if line.funded else ''}have been funded."
            )
    lines.sort(key=lambda p: (p.position is None, p.position or 0, -p.score, p.id))
    comparison = None
    if compare_rules:
        greedy = run_rule(election, "greedy") if done.rule != "greedy" else done
        mes = run_rule(election, "mes-add1") if done.rule != "mes-add1" else done
        comparison = compare(
            figures(greedy.support, "greedy", greedy.selected),
            figures(mes.support, "mes-add1", mes.selected),
        )
    per_voter = done.mes.budget_per_voter if done.mes is not None else None
    return Explanation(
        rule=done.rule,
        rule_name=RULES[done.rule].name,
        budget=election.budget,
        budget_per_voter=per_voter,
        result=result,
        projects=lines,
        comparison=comparison,
    )


def _line(
    done: Count, j: int, names: dict[str, str], supporters_of: dict[str, int]
) -> ProjectExplanation:
    s = done.support
    pid = s.ids[j]
    line = ProjectExplanation(
        id=pid,
        name=names.get(pid, ""),
        cost=s.costs[j],
        funded=False,
        outcome=NO_SUPPORT,
        supporters=supporters_of[pid],
        score=s.scores[j],
    )
    if j in done.selected:
        line.funded, line.position = True, done.selected.index(j) + 1
        line.outcome = FUNDED
    if done.mes is not None:
        _equal_shares_line(done, j, line)
    if done.greedy_steps:
        _greedy_line(done, j, line)
    if not line.funded and line.supporters and line.outcome == NO_SUPPORT:
        line.outcome = TOO_EXPENSIVE if s.costs[j] > s.budget else NOT_REACHED
    return line


def _equal_shares_line(done: Count, j: int, line: ProjectExplanation) -> None:
    run = done.mes
    assert run is not None
    s = done.support
    for purchase in run.purchases:
        if purchase.project == j:
            line.cost_shares = [CostShare(a, c) for a, c in purchase.payments]
            return
    if line.funded or not line.supporters or j not in run.money_left:
        return
    left = run.money_left[j]
    had = run.budget_per_voter * line.supporters
    line.supporters_money_left = left
    line.spent_by_supporters_on_other_projects = had - left
    line.lacked = max(Fraction(0), s.costs[j] - left)
    line.highest_cost_that_fits = left
    line.outcome = MONEY_SPENT_ELSEWHERE if had >= s.costs[j] else TOO_LITTLE_SUPPORT


def _greedy_line(done: Count, j: int, line: ProjectExplanation) -> None:
    for step in done.greedy_steps:
        if step.project != j:
            continue
        line.money_left_when_considered = step.money_left
        if step.funded:
            if done.mes is not None:
                line.outcome = FUNDED_BY_COMPLETION
        else:
            line.lacked = done.support.costs[j] - step.money_left
            line.highest_cost_that_fits = step.money_left
            line.outcome = DID_NOT_FIT
        return
    if (
        not line.funded
        and done.threshold is not None
        and line.supporters
        and done.support.scores[j] < done.threshold
    ):
        line.outcome = BELOW_THRESHOLD
