"""An election as plain data: the budget, the proposals on the ballot paper, and the ballots.

The web app builds an :class:`Election` from its database rows; the reader builds one from a
``.pb`` file. Everything the rules need, and everything a ``.pb`` file carries, lives here.
"""

from __future__ import annotations

import re
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


# The largest amount (budget, cost, points, META count) the engine counts, and the finest
# fraction of one. Far beyond any real budget (Budapest's, in forints, is 10^9; a city's in
# pence about 10^11) and far inside what the float screens of the counts hold (1e308): a file
# with budget 1e309 is refused with a message instead of overflowing mid-count. Fractions finer
# than a billionth would make every exact sum of the count carry huge denominators.
MAX_AMOUNT = 10**15
MAX_DENOMINATOR = 10**9
# Exponents beyond this are refused before the number is built (1e999999999 would otherwise
# take minutes and gigabytes to write out exactly).
_MAX_EXPONENT = 400
_EXPONENT = re.compile(r"[eE]\s*([+-]?\d+)\s*$")


class NumberError(ValueError):
    """A value that is not a number the engine counts; ``reason`` says why, as a phrase
    ("is not a number", "is larger than 10^15")."""

    def __init__(self, value: object, reason: str) -> None:
        self.value = value
        self.reason = reason
        super().__init__(f"{value!r} {reason}")


def as_number(value: Number | float | str) -> Number:
    """Return ``value`` as an int when it is whole, else as an exact Fraction.

    Raises NumberError (a ValueError) when ``value`` is not a finite number, is larger than
    MAX_AMOUNT in size, or has a fraction finer than 1/MAX_DENOMINATOR (floats are taken at
    their decimal spelling, so ``0.1`` is one tenth, not the nearest binary float).
    """
    shown = value
    if isinstance(value, bool):
        raise NumberError(shown, "is not a number")
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str):
        text = shown = value.strip()
        if not text:
            raise NumberError(value, "is not a number (it is empty)")
        exponent = _EXPONENT.search(text)
        if exponent:
            power = exponent.group(1).lstrip("+-").lstrip("0")
            if len(power) > 4 or int(power or 0) > _MAX_EXPONENT:
                digits = text[: exponent.start()].strip().lstrip("+-").replace(".", "", 1)
                if not digits.isdigit():
                    raise NumberError(text, "is not a number")
                if digits.strip("0"):
                    raise NumberError(text, _too_large_or_fine(exponent.group(1)))
                value = "0"
        try:
            value = Fraction(value)
        except (ValueError, ZeroDivisionError):
            raise NumberError(text, "is not a number") from None
    if isinstance(value, int):
        if abs(value) > MAX_AMOUNT:
            raise NumberError(shown, "is larger than 10^15, the largest amount counted")
        return value
    if isinstance(value, Fraction):
        if abs(value) > MAX_AMOUNT:
            raise NumberError(shown, "is larger than 10^15, the largest amount counted")
        if value.denominator > MAX_DENOMINATOR:
            raise NumberError(shown, "has a fraction finer than a billionth (10^-9)")
        return int(value) if value.denominator == 1 else value
    raise NumberError(shown, "is not a number")


def _too_large_or_fine(exponent: str) -> str:
    if not exponent.startswith("-"):
        return "is larger than 10^15, the largest amount counted"
    return "has a fraction finer than a billionth (10^-9)"


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
    # Faults of the file it was read from that were counted anyway (read_pb(strict=False)):
    # validate.Fault objects, each with its line.
    warnings: list = field(default_factory=list, compare=False, repr=False)

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
