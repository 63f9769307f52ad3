"""An election as plain data: the budget, the proposals on the ballot paper, and the ballots.

The web app builds an :class:`Election` from its database rows; the reader builds one from a
``.pb`` file. Everything the rules need, and everything a ``.pb`` file carries, lives here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

Number = int | Fraction
VoteType = Literal["approval", "choose-1", "cumulative", "scoring", "ordinal"]
VOTE_TYPES: tuple[str, ...] = ("approval", "choose-1", "cumulative", "scoring", "ordinal")
POINTS_VOTE_TYPES = ("cumulative", "scoring")

# What a ballot may be given as: approval set/list, points mapping, or ranking (best first).
BallotVote = frozenset[str] | set[str] | list[str] | tuple[str, ...] | Mapping[str, Number]


def as_number(value: Number | float | str) -> Number:
    """Return ``value`` as an int when it is whole, else as an exact Fraction.

    Raises ValueError when ``value`` is not a finite number (floats are taken at their
    decimal spelling, so ``0.1`` is one tenth, not the nearest binary float).
    """
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValueError("empty number")
        try:
            value = Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"not a number: {text!r}") from None
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else value
    raise ValueError(f"not a number: {value!r}")


@dataclass
class Project:
    """A proposal on the ballot paper.

    ``fields`` keeps every other column of the PROJECTS section (``votes``, ``score``,
    ``selected``, ``category``...) as the text the file had, so that nothing is lost on writing.
    """

    id: str
    cost: Number
    name: str = ""
    fields: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.id = str(self.id)
        self.cost = as_number(self.cost)
        if self.cost < 0:
            raise ValueError(f"project {self.id}: cost is negative")


@dataclass(slots=True)
class Ballot:
    """One voter's ballot.

    ``vote`` is a tuple of project ids for approval and choose-1 ballots (order kept only for
    writing), a dict ``{project id: points}`` for cumulative and scoring ballots, and a tuple
    of project ids best first for ordinal ballots. ``fields`` keeps the other VOTES columns
    (age, sex, neighbourhood...) as text.
    """

    vote: tuple[str, ...] | dict[str, Number]
    voter_id: str = ""
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class Election:
    """A participatory-budgeting election.

    Build it from plain data: ``ballots`` may hold :class:`Ballot` objects or bare votes
    (a set of approved ids, a dict of points, a ranking list); bare votes get voter ids
    ``1, 2, ...``. ``meta`` holds the other META keys of a ``.pb`` file as text.

    Raises ValueError when the budget is negative, a project id repeats, or a ballot
    does not fit the vote type (points given for an approval vote, and so on).
    """

    budget: Number
    projects: list[Project]
    ballots: list[Ballot]
    vote_type: VoteType = "approval"
    meta: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.budget = as_number(self.budget)
        if self.budget < 0:
            raise ValueError("budget is negative")
        if self.vote_type not in VOTE_TYPES:
            raise ValueError(f"unknown vote type {self.vote_type!r}")
        self.projects = list(self.projects)
        ids = [p.id for p in self.projects]
        if len(set(ids)) != len(ids):
            raise ValueError("a project id appears twice")
        self.ballots = [
            _as_ballot(b, i, self.vote_type) for i, b in enumerate(self.ballots, start=1)
        ]

    def project(self, project_id: str) -> Project:
        """Return the project with this id; raises KeyError when there is none."""
        for p in self.projects:
            if p.id == project_id:
                return p
        raise KeyError(project_id)

    def support(self) -> list[dict[str, Number]]:
        """Return each ballot as ``{project id: weight}`` for the projects it supports.

        The weight is 1 for an approval, the points for cumulative and scoring ballots, and
        the Borda score (ballot length minus position, as pabulib and pabutools count it)
        for ordinal ballots. Projects given zero or negative points are not supported.
        """
        out: list[dict[str, Number]] = []
        for b in self.ballots:
            if isinstance(b.vote, dict):
                out.append({p: w for p, w in b.vote.items() if w > 0})
            elif self.vote_type == "ordinal":
                k = len(b.vote)
                out.append({p: k - i for i, p in enumerate(b.vote)})
            else:
                out.append(dict.fromkeys(b.vote, 1))
        return out

    def scores(self) -> dict[str, Number]:
        """Return each project's score: approvals, total points, or Borda points."""
        total: dict[str, Number] = {p.id: 0 for p in self.projects}
        for ballot in self.support():
            for p, w in ballot.items():
                total[p] += w
        return total

    def supporters(self) -> dict[str, int]:
        """Return how many voters support (approve, give points to, rank) each project."""
        count = {p.id: 0 for p in self.projects}
        for ballot in self.support():
            for p in ballot:
                count[p] += 1
        return count


def _as_ballot(item: Ballot | BallotVote, index: int, vote_type: str) -> Ballot:
    ballot = item if isinstance(item, Ballot) else Ballot(vote=item, voter_id=str(index))  # type: ignore[arg-type]
    vote = ballot.vote
    if vote_type in POINTS_VOTE_TYPES:
        if not isinstance(vote, Mapping):
            raise ValueError(
                f"ballot {ballot.voter_id}: {vote_type} ballots give points per project"
            )
        vote = {str(p): as_number(w) for p, w in vote.items()}
    else:
        if isinstance(vote, Mapping):
            raise ValueError(f"ballot {ballot.voter_id}: {vote_type} ballots list project ids")
        if isinstance(vote, str):
            raise ValueError(f"ballot {ballot.voter_id}: give a list of project ids, not a string")
        vote = tuple(str(p) for p in (sorted(vote) if isinstance(vote, set | frozenset) else vote))
        if len(set(vote)) != len(vote):
            raise ValueError(f"ballot {ballot.voter_id}: a project appears twice")
    return Ballot(vote=vote, voter_id=str(ballot.voter_id), fields=dict(ballot.fields))
