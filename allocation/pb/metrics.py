"""Figures about a result that officers publish: spend, and how many voters got something."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from fractions import Fraction

from allocation.pb.election import Number
from allocation.pb.support import Support


def json_number(x: Number) -> int | float:
    """A number for JSON: an int when whole, else the nearest float (display only)."""
    if isinstance(x, Fraction):
        return int(x) if x.denominator == 1 else float(x)
    return x


@dataclass
class ResultFigures:
    """The whole result in figures.

    ``voters_with_a_funded_project``: voters who supported at least one funded project;
    ``share_of_voters_with_a_funded_project``: the same over all voters (0 when none voted).
    """

    rule: str
    selected: list[str]
    spent: Number
    budget: Number
    left_over: Number
    voters: int
    voters_with_a_funded_project: int
    share_of_voters_with_a_funded_project: float

    def to_dict(self) -> dict[str, object]:
        """Return the figures as JSON-ready data."""
        out = asdict(self)
        for k in ("spent", "budget", "left_over"):
            out[k] = json_number(out[k])
        return out


def figures(support: Support, rule: str, selected: list[int]) -> ResultFigures:
    """Return the spend and reach of ``selected`` (project indices of ``support``)."""
    reached = set()
    for j in selected:
        reached.update(support.voters[j].tolist())
    spent = sum((support.costs[j] for j in selected), start=0)
    n = support.n
    return ResultFigures(
        rule=rule,
        selected=[support.ids[j] for j in selected],
        spent=spent,
        budget=support.budget,
        left_over=support.budget - spent,
        voters=n,
        voters_with_a_funded_project=len(reached),
        # A share for display: the exact counts are given beside it.
        share_of_voters_with_a_funded_project=round(len(reached) / n, 4) if n else 0.0,
    )


@dataclass
class Comparison:
    """Greedy against Equal Shares (add1) on the same ballots, side by side."""

    greedy: ResultFigures
    equal_shares: ResultFigures
    only_greedy: list[str]
    only_equal_shares: list[str]
    both: list[str]

    def to_dict(self) -> dict[str, object]:
        """Return the comparison as JSON-ready data."""
        return {
            "greedy": self.greedy.to_dict(),
            "equal_shares": self.equal_shares.to_dict(),
            "only_greedy": self.only_greedy,
            "only_equal_shares": self.only_equal_shares,
            "both": self.both,
        }


def compare(greedy: ResultFigures, equal_shares: ResultFigures) -> Comparison:
    """Return the side-by-side of two results for the same ballots."""
    g, e = set(greedy.selected), set(equal_shares.selected)
    return Comparison(
        greedy,
        equal_shares,
        only_greedy=[p for p in greedy.selected if p not in e],
        only_equal_shares=[p for p in equal_shares.selected if p not in g],
        both=[p for p in greedy.selected if p in e],
    )
