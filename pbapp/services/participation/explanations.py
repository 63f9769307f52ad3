"""Turning the engine's explanation data into what a resident reads: a sentence per proposal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from pbapp.extensions import db
from pbapp.formatting import counted, money, percent
from pbapp.models import Budget, Neighbourhood, Proposal, Result
from pbapp.services.participation.disclosure import Disclosure, for_result


def _pounds(value: float | int | None) -> str:
    """Money in an explanation: whole pounds, or pounds and pence where a share is fractional."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return money(int(value))
    return f"£{value:,.2f}"


def _people(n: int) -> str:
    return counted(n, "person")


def sentence_without_counts(line: dict[str, Any], vote_word: str) -> str:
    """Why a proposal was or was not funded, saying nothing that counts people: for results
    whose counts the disclosure policy withholds (docs/disclosure.md)."""
    outcome = line["outcome"]
    cost = _pounds(line["cost"])
    if outcome in ("funded", "funded_by_greedy_completion"):
        return f"Funded: its cost of {cost} fitted in the budget."
    if outcome == "costs_more_than_the_budget":
        return f"Not funded: its cost of {cost} is more than the whole budget."
    if outcome == "not_reached":
        return "Not funded: the count stopped at a project that did not fit, before it reached this one."
    if outcome in ("supporters_money_spent_on_other_projects", "too_little_support", "did_not_fit"):
        return f"Not funded: the money its supporters could give was not enough for its cost of {cost}."
    return f"Not funded: it had too few {vote_word}."


def sentence(line: dict[str, Any], vote_word: str) -> str:
    """Why one proposal was or was not funded, in plain English, from its explanation line."""
    outcome = line["outcome"]
    cost = _pounds(line["cost"])
    supporters = line["supporters"]
    if outcome == "funded":
        shares = line.get("cost_shares") or []
        if len(shares) == 1:
            return (
                f"Funded. The {_people(supporters)} who voted for it paid its cost of {cost} "
                f"from their equal shares of the budget: {_pounds(shares[0]['amount'])} each."
            )
        if shares:
            # Supporters who had spent part of their share elsewhere paid less; say the range.
            amounts = [s["amount"] for s in shares]
            return (
                f"Funded. The {_people(supporters)} who voted for it paid its cost of {cost} "
                f"from their equal shares of the budget: between {_pounds(min(amounts))} and "
                f"{_pounds(max(amounts))} each, as those who had already paid for other projects "
                f"had less left."
            )
        return f"Funded. It had more {vote_word} than the projects after it, and its cost of {cost} fitted in the money left."
    if outcome == "funded_by_greedy_completion":
        return f"Funded in the last step: money was left over, and this was the most-voted project whose cost of {cost} fitted."
    if outcome == "no_support":
        return "Not funded: nobody voted for it."
    if outcome == "below_score_threshold":
        return f"Not funded: it did not reach the minimum number of {vote_word} needed."
    if outcome == "costs_more_than_the_budget":
        return f"Not funded: its cost of {cost} is more than the whole budget."
    if outcome == "did_not_fit":
        return (
            f"Not funded: when its turn came, only {_pounds(line.get('money_left_when_considered'))} was left, "
            f"{_pounds(line.get('lacked'))} short of its cost of {cost}."
        )
    if outcome == "not_reached":
        return "Not funded: the count stopped at a project that did not fit, before it reached this one."
    if outcome == "supporters_money_spent_on_other_projects":
        return (
            f"Not funded: its {_people(supporters)} had spent {_pounds(line.get('spent_by_supporters_on_other_projects'))} "
            f"of their shares on other projects they also voted for, and the {_pounds(line.get('supporters_money_left'))} "
            f"they had left was {_pounds(line.get('lacked'))} short of its cost of {cost}."
        )
    if outcome == "too_little_support":
        fits = line.get("highest_cost_that_fits")
        tail = f" It would have been funded at a cost of {_pounds(fits)} or less." if fits else ""
        return (
            f"Not funded: the shares of the {_people(supporters)} who voted for it came to "
            f"{_pounds(line.get('supporters_money_left'))}, {_pounds(line.get('lacked'))} short of its cost of {cost}.{tail}"
        )
    return "Not funded."


@dataclass
class ProposalLine:
    proposal: Proposal | None
    title: str
    cost: float | int
    funded: bool
    supporters: int | None  # None: withheld by the disclosure policy
    score: float | int | None
    sentence: str


@dataclass
class ResultView:
    lines: list[ProposalLine]
    spend: int
    budget: int
    voters: int | None  # None: fewer than disclosure.DETAIL_FROM ballots
    voters_text: str
    share_with_funded: str | None
    turnout: str | None
    vote_word: str
    comparison: dict[str, Any] | None
    comparison_shares: dict[str, str | None]
    only_greedy: list[str]
    only_equal_shares: list[str]
    disclosure: Disclosure

    @property
    def funded_count(self) -> int:
        return sum(1 for line in self.lines if line.funded)

    @property
    def all_scores_shown(self) -> bool:
        return bool(self.lines) and all(line.score is not None for line in self.lines)


def result_view(budget: Budget, result: Result) -> ResultView:
    """Everything the results page shows, from the stored result (no recount on page view)."""
    data = result.explanation
    policy = for_result(result)
    vote_word = "points" if budget.process.ballot_type == "points" else "votes"
    proposals = {str(p.id): p for p in budget.proposals}
    lines = []
    for line in data["projects"]:
        shown = policy.people(line["supporters"])
        lines.append(
            ProposalLine(
                proposal=proposals.get(line["id"]),
                title=line["name"] or line["id"],
                cost=line["cost"],
                funded=line["funded"],
                supporters=shown,
                score=line["score"] if shown is not None else None,
                sentence=sentence(line, vote_word)
                if shown is not None
                else sentence_without_counts(line, vote_word),
            )
        )
    population = (
        budget.neighbourhood.population
        if budget.neighbourhood
        else db.session.scalar(select(func.sum(Neighbourhood.population)))
    )
    titles = {pid: p.title for pid, p in proposals.items()}
    comparison = data.get("comparison") or {}
    shares = {
        key: policy.share_of_voters(
            (comparison.get(key) or {}).get("share_of_voters_with_a_funded_project")
        )
        for key in ("greedy", "equal_shares")
    }
    with_funded = policy.share_of_voters(data["result"]["share_of_voters_with_a_funded_project"])
    return ResultView(
        lines=lines,
        spend=result.spend,
        budget=budget.amount,
        voters=policy.voters,
        voters_text=policy.voters_text,
        share_with_funded=percent(with_funded) if with_funded is not None else None,
        turnout=percent(result.voters / population, 1) if population and policy.detailed else None,
        vote_word=vote_word,
        comparison=data.get("comparison"),
        comparison_shares={k: percent(v) if v is not None else None for k, v in shares.items()},
        only_greedy=[titles.get(str(pid), str(pid)) for pid in comparison.get("only_greedy", [])],
        only_equal_shares=[
            titles.get(str(pid), str(pid)) for pid in comparison.get("only_equal_shares", [])
        ],
        disclosure=policy,
    )
